// The audit report and the re-run chain merge, through the real CLI: a run against the
// simulator on 127.0.0.1, then `mca-confirm report`, its page read back with an HTML parser.
// The first report comes from the built CLI as a child process (its exit code and files); the
// others run `report` in this process through the CLI's own dispatch (test/helpers/in-process.ts).
import fs from "node:fs";
import path from "node:path";
import { parse as parseHtml, type HTMLElement } from "node-html-parser";
import { afterAll, describe, expect, it } from "vitest";
import { failedPathFor, finalPathFor, reportPathFor } from "../src/file-names.js";
import { unescapeFormula } from "../src/input/escape.js";
import {
  ROOT,
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
  type CliResult,
} from "./helpers/cli.js";
import { runInProcess } from "./helpers/in-process.js";

const SAMPLE = path.join(ROOT, "samples", "acceptances.csv");
/** 429 on every attempt with Retry-After: 1 (src/simulator/triggers.ts). */
const THROTTLED =
  "00000429-0000-4000-8000-0000000000a1,Ann,Lee,ann.lee@contoso.example,+1 425 555 0142,2026-01-05,CRM-1";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

function expectExit(r: CliResult, code: number): void {
  expect(r.timedOut, "the CLI did not finish in time").toBe(false);
  expect(r.code, `exit code; stderr: ${r.stderr}`).toBe(code);
}

/** The sample plus an always-throttled row, run against a fresh simulator; returns the folder. */
async function sampleRun(): Promise<string> {
  const s = await trackedSimulator({ latencyMs: 2 });
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, "acceptances.csv"),
    `${fs.readFileSync(SAMPLE, "utf8").trimEnd()}\n${THROTTLED}\n`,
  );
  const r = await runCli(["run", "acceptances.csv", "--base-url", s.url, "--quiet", "--max-attempts", "2"], {
    cwd: dir,
    env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
    timeoutMs: 30_000,
  });
  expectExit(r, 1);
  return dir;
}

function page(file: string): HTMLElement {
  return parseHtml(fs.readFileSync(file, "utf8"));
}

/** An element's text as a reader sees it: entities decoded, runs of white space as one space. */
const textOf = (e: HTMLElement): string => e.text.replace(/\s+/g, " ").trim();

function countsOf(rows: readonly Record<string, string>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** Every src and href in the page: none may point anywhere (the page fetches nothing). */
function externalReferences(root: HTMLElement): string[] {
  return root
    .querySelectorAll("*")
    .flatMap((e) => ["src", "href", "xlink:href", "action", "data"].map((a) => e.getAttribute(a)))
    .filter((v): v is string => v !== undefined && !v.startsWith("#"));
}

describe("mca-confirm report on one run", () => {
  it("writes one self-contained page whose counts equal the results file, without contact data", async () => {
    const dir = await sampleRun();
    const r = await runCli(["report", "acceptances.results.csv"], { cwd: dir });
    expectExit(r, 1); // rows still need work
    expect(r.stdout).toContain("Report: acceptances.final.report.html");
    const results = readCsv(path.join(dir, "acceptances.results.csv"));
    const root = page(path.join(dir, "acceptances.final.report.html"));

    const shown: Record<string, number> = {};
    for (const tr of root.querySelectorAll("#status-counts tbody tr"))
      shown[tr.getAttribute("data-status")!] = Number(tr.querySelectorAll("td")[1].text);
    expect(shown).toEqual(countsOf(results));
    expect(Number(root.querySelector("#total-rows")!.text)).toBe(results.length);
    // Every row listed once, keyed by its row of the input, with its status and the column the
    // operator knows the customer by (the sample's crmAccount, not a contact column).
    const header = root.querySelectorAll("#rows-table thead th").map(textOf);
    expect(header).toEqual(["row", "crmAccount", "customerTenantId", "status", "errorCode", "errorMessage"]);
    const rows = root
      .querySelectorAll("#rows-table tbody tr")
      .map((tr) => tr.querySelectorAll("td").map(textOf));
    const byRow = (list: string[][]) => [...list].sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(byRow(rows)).toEqual(
      results.map((x) => [
        x.rowNumber,
        unescapeFormula(x.crmAccount), // shown as the input gave it
        x.customerTenantId,
        x.status,
        x.errorCode,
        expect.any(String),
      ]),
    );
    // The rows that need action come first, with their errorMessage.
    const action = results.filter((x) => ["invalid", "rejected", "failed", "not-run"].includes(x.status));
    expect(new Set(rows.slice(0, action.length).map((r) => r[3]))).toEqual(
      new Set(action.map((x) => x.status)),
    );
    const withMessage = rows.find((r) => r[0] === action[0].rowNumber)!;
    expect(withMessage[5]).not.toBe("");

    expect(root.querySelectorAll("script")).toHaveLength(0);
    expect(root.querySelectorAll("link, img, iframe, object, embed")).toHaveLength(0);
    expect(externalReferences(root)).toEqual([]);
    const text = fs.readFileSync(path.join(dir, "acceptances.final.report.html"), "utf8");
    for (const row of readCsv(SAMPLE)) {
      if (row.email) expect(text).not.toContain(row.email);
      if (row.phoneNumber) expect(text).not.toContain(row.phoneNumber);
      expect(text).not.toContain(`${row.firstName} ${row.lastName}`);
    }
    expect(text).not.toContain("ann.lee@contoso.example");
  });

  it("shows the run's metadata and its requests and 429 answers over time from the log", async () => {
    const dir = await sampleRun();
    expectExit(await runInProcess(["report", "acceptances.results.csv"], { cwd: dir }), 1);
    const root = page(path.join(dir, "acceptances.final.report.html"));
    const log = fs
      .readFileSync(path.join(dir, "acceptances.results.csv.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const attempts = log.filter((l) => l.event === "attempt");
    const throttled = attempts.filter((l) => l.httpStatus === 429).length;
    expect(throttled).toBe(2); // the throttled row, --max-attempts 2

    const svg = root.querySelector("figure.chart svg")!;
    expect(svg.getAttribute("aria-label")).toContain(
      `${attempts.length} requests, ${throttled} answered 429`,
    );
    const bars = svg.querySelectorAll("rect.req").map((b) => b.querySelector("title")!.text);
    const sum = (re: RegExp) => bars.reduce((n, t) => n + Number(re.exec(t)![1]), 0);
    expect(sum(/: (\d+) requests/)).toBe(attempts.length);
    expect(sum(/, (\d+) answered 429/)).toBe(throttled);

    const meta = root.querySelector("dl.meta")!.text;
    const templateId = log.find((l) => l.event === "template").templateId as string;
    expect(meta).toContain(templateId);
    expect(meta).toContain("acceptances.csv");
    expect(meta).toMatch(/base URL\s*http:\/\/127\.0\.0\.1:\d+/);
    const problems = root.querySelectorAll("#problems-table tbody tr").map(textOf);
    expect(problems.find((t) => t.startsWith("HTTP 429"))).toContain("lower --max-rpm");
    expect(problems.find((t) => t.startsWith("20002"))).toContain("no commerce relationship");
  });
});

/** A results file written as the tool writes them, with the given rows (input columns first). */
function writeResults(file: string, header: string[], rows: string[][]): void {
  const quote = (c: string) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  fs.writeFileSync(file, [header, ...rows].map((r) => r.map(quote).join(",")).join("\n") + "\n");
}

const INPUT = ["customerTenantId", "firstName", "lastName", "email", "phoneNumber", "dateAgreed", "note"];
const RESULT = ["rowNumber", "status", "userId", "httpStatus", "errorCode", "errorMessage"];
const guid = (n: number) => `${String(n).padStart(8, "0")}-1111-4000-8000-000000000000`;
const contact = (n: number) => [`First${n}`, `Last${n}`, `p${n}@contoso.example`, `+1 425 555 01${n}`];

describe("hostile content", () => {
  it("shows a server message with <script> as text, masks the row's contact data, runs nothing", async () => {
    const dir = tempDir();
    const hostile = `<script>alert("pwned")</script> refused for Jane.Doe@contoso.example (Jane Doe, +1 425 555 0199)`;
    writeResults(
      path.join(dir, "x.results.csv"),
      [...INPUT, ...RESULT],
      [
        [
          guid(1),
          ...contact(1),
          "2026-01-01",
          '=HYPERLINK("http://evil.example")',
          "1",
          "confirmed",
          "u1",
          "201",
          "",
          "",
        ],
        [
          guid(2),
          "Jane",
          "Doe",
          "jane.doe@contoso.example",
          "+1 425 555 0199",
          "2026-01-01",
          "",
          "2",
          "rejected",
          "",
          "400",
          "999999",
          hostile,
        ],
        [
          `<img src="https://evil.example/a.png">`,
          ...contact(3),
          "2026-01-01",
          "",
          "3",
          `x" onmouseover="alert(1)`,
          "",
          "",
          "",
          "",
        ],
      ],
    );
    const r = await runInProcess(["report", "x.results.csv"], { cwd: dir });
    expectExit(r, 1); // the rejected row needs work
    const text = fs.readFileSync(path.join(dir, "x.final.report.html"), "utf8");
    const root = parseHtml(text);
    expect(root.querySelectorAll("script, img")).toHaveLength(0);
    expect(externalReferences(root)).toEqual([]);
    expect(root.querySelectorAll("[onmouseover]")).toHaveLength(0);
    const meaning = root.querySelectorAll("#problems-table td.meaning").map(textOf);
    expect(meaning).toContain(
      `<script>alert("pwned")</script> refused for [email] ([contact] [contact], [contact])`,
    );
    expect(root.querySelectorAll("#rows-table td.mono").map((td) => td.text)).toContain(
      `<img src="https://evil.example/a.png">`,
    );
    expect(root.querySelector("#rows-table tbody.s-other")).not.toBeNull();
    expect(text).not.toMatch(/jane|doe|0199|First1|p1@/i);
    expect(text).not.toContain("HYPERLINK");
  });
});

describe("re-run chains", () => {
  it("names later re-runs by number instead of stacking suffixes", () => {
    expect(failedPathFor("d/x.results.csv")).toBe("d/x.failed.csv");
    expect(failedPathFor("d/x.failed.results.csv")).toBe("d/x.failed-2.csv");
    expect(failedPathFor("d/x.failed-2.results.csv")).toBe("d/x.failed-3.csv");
    expect(finalPathFor("d/x.results.tsv")).toBe("d/x.final.tsv");
    expect(reportPathFor("d/x.csv")).toBe("d/x.report.html");
    expect(reportPathFor("d/x.failed-2.results.csv")).toBe("d/x.failed-2.report.html");
  });

  it("merges by sourceRow, later files winning, one row per original row in its order", async () => {
    const dir = tempDir();
    const row = (n: number, rowNumber: number, status: string, code = "", note = "", source?: number) => [
      guid(n),
      ...contact(n),
      "2026-01-01",
      note,
      String(rowNumber),
      status,
      status === "confirmed" ? `u${n}` : "",
      "",
      code,
      "",
      ...(source === undefined ? [] : [String(source)]),
    ];
    writeResults(
      path.join(dir, "x.results.csv"),
      [...INPUT, ...RESULT],
      [
        row(1, 1, "confirmed", "", "'=1+1"),
        row(2, 2, "failed", "timeout"),
        row(3, 3, "rejected", "60003"),
        row(4, 4, "failed", "HTTP 503"),
        row(5, 5, "invalid", "invalid-email"),
      ],
    );
    const chained = [...INPUT, ...RESULT, "sourceRow"];
    writeResults(path.join(dir, "x.failed.results.csv"), chained, [
      row(2, 1, "confirmed", "", "", 2),
      row(3, 2, "rejected", "60003", "", 3),
      row(4, 3, "failed", "timeout", "", 4),
      row(5, 4, "invalid", "invalid-email", "=cmd", 5),
    ]);
    writeResults(path.join(dir, "x.failed-2.results.csv"), chained, [
      row(3, 1, "rejected", "60003", "", 3),
      row(4, 2, "confirmed", "", "", 4),
      row(5, 3, "confirmed", "", "", 5),
    ]);
    const r = await runInProcess(
      ["report", "x.results.csv", "x.failed.results.csv", "x.failed-2.results.csv"],
      {
        cwd: dir,
      },
    );
    expectExit(r, 1); // row 3 is still rejected
    const final = readCsv(path.join(dir, "x.final.csv"));
    expect(final.map((f) => [f.customerTenantId, f.status])).toEqual([
      [guid(1), "confirmed"],
      [guid(2), "confirmed"],
      [guid(3), "rejected"],
      [guid(4), "confirmed"],
      [guid(5), "confirmed"],
    ]);
    // Escaped cells stay escaped once; a raw formula from a hand-edited file is escaped.
    expect(final[0].note).toBe("'=1+1");
    expect(fs.readFileSync(path.join(dir, "x.final.csv"), "utf8")).not.toContain(",=");
    const root = page(path.join(dir, "x.final.report.html"));
    // Keyed by sourceRow (the row of the original input), never a re-run's own rowNumber;
    // the row that needs action first.
    const cells = root
      .querySelectorAll("#rows-table tbody tr")
      .map((tr) => tr.querySelectorAll("td").map(textOf));
    expect(cells.map((c) => [c[0], c[2], c[5]])).toEqual([
      ["3", "rejected", "3"],
      ["1", "confirmed", "1"],
      ["2", "confirmed", "2"],
      ["4", "confirmed", "3"],
      ["5", "confirmed", "3"],
    ]);
    expect(root.querySelectorAll("section.run")).toHaveLength(3);
  });

  it("refuses files that are not one chain, naming the file, line and column (exit 2)", async () => {
    const dir = tempDir();
    writeResults(
      path.join(dir, "x.results.csv"),
      [...INPUT, ...RESULT],
      [[guid(1), ...contact(1), "2026-01-01", "", "1", "failed", "", "", "", ""]],
    );
    writeResults(
      path.join(dir, "old.results.csv"),
      [...INPUT, ...RESULT],
      [[guid(1), ...contact(1), "2026-01-01", "", "1", "confirmed", "", "", "", ""]],
    );
    writeResults(
      path.join(dir, "other.results.csv"),
      [...INPUT, ...RESULT, "sourceRow"],
      [[guid(9), ...contact(9), "2026-01-01", "", "1", "confirmed", "", "", "", "", "7"]],
    );
    fs.writeFileSync(path.join(dir, "plain.csv"), "a,b\n1,2\n");
    fs.mkdirSync(path.join(dir, "sub"));
    const cases: [string[], RegExp][] = [
      [["x.results.csv", "old.results.csv"], /old\.results\.csv:1: it has no sourceRow column/],
      [
        ["x.results.csv", "other.results.csv"],
        /other\.results\.csv:2: sourceRow 7 is not a row of x\.results\.csv.*\(column "sourceRow"\)/,
      ],
      [["plain.csv"], /plain\.csv:1: this is not a results file of mca-confirm/],
      [["missing.csv"], /missing\.csv: no such file/],
      [
        ["x.results.csv", "--out", "x.results.csv"],
        /--out \(x\.results\.csv\) must not be one of the results files/,
      ],
      [[], /report needs at least one results file/],
      [["x.results.csv", "--out", "sub"], /--out \(sub\) exists and is not a regular file/],
      [
        ["x.results.csv", "--report", "gone/r.html"],
        /--report \(gone\/r\.html\): the folder .*gone does not exist/,
      ],
      [
        ["x.results.csv", "--out", "same.html", "--report", "same.html"],
        /--out and --report must be different files/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runInProcess(["report", ...args], { cwd: dir });
      expectExit(r, 2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes("final") || f.endsWith(".tmp"))).toEqual([]);
  });
});

/** The verdict line and the rest of the page as a reader sees them. */
function verdictOf(root: HTMLElement): { first: string; headline: string; detail: string } {
  const body = root.querySelector("body")!;
  return {
    first: body.childNodes
      .map((n) => n.text.trim())
      .find((t) => t !== "")!
      .replace(/\s+/g, " "),
    headline: textOf(root.querySelector("h1#verdict")!),
    detail: textOf(root.querySelector(".verdict-detail") ?? parseHtml("<p></p>")),
  };
}

describe("the report's verdict", () => {
  it("opens on how many rows need action, to fix and to re-run, with the needs-action filter selected", async () => {
    const dir = await sampleRun();
    const results = readCsv(path.join(dir, "acceptances.results.csv"));
    const counts = countsOf(results);
    const fix = (counts.invalid ?? 0) + (counts.rejected ?? 0);
    const rerun = (counts.failed ?? 0) + (counts["not-run"] ?? 0);
    expect(fix).toBeGreaterThan(0);
    expect(rerun).toBeGreaterThan(0);
    for (const file of ["acceptances.report.html", "acceptances.final.report.html"]) {
      if (file.includes("final"))
        expectExit(await runInProcess(["report", "acceptances.results.csv"], { cwd: dir }), 1);
      const root = page(path.join(dir, file));
      const verdict = verdictOf(root);
      expect(verdict.first).toBe(`${fix + rerun} rows need action`);
      expect(verdict.detail).toBe(
        `${fix} to fix, then re-run (invalid ${counts.invalid}, rejected ${counts.rejected}); ` +
          `${rerun} to re-run later (failed ${counts.failed})`,
      );
      const checked = root.querySelectorAll("input[type=radio]").filter((i) => i.hasAttribute("checked"));
      expect(checked.map((i) => [i.id, i.getAttribute("value")])).toEqual([["show-action", "action"]]);
      expect(textOf(root.querySelector('label[for="show-action"]')!)).toBe(`needs action (${fix + rerun})`);
    }
  });

  it("says complete when every row is confirmed, or confirmed or skipped", async () => {
    const dir = tempDir();
    const row = (n: number, status: string) => [guid(n), ...contact(n), "2026-01-01", "", String(n), status];
    const header = [...INPUT, "rowNumber", "status"];
    writeResults(path.join(dir, "a.results.csv"), header, [row(1, "confirmed"), row(2, "confirmed")]);
    writeResults(path.join(dir, "b.results.csv"), header, [row(1, "confirmed"), row(2, "skipped")]);
    expectExit(await runInProcess(["report", "a.results.csv"], { cwd: dir }), 0);
    expectExit(await runInProcess(["report", "b.results.csv"], { cwd: dir }), 0);
    const a = page(path.join(dir, "a.final.report.html"));
    expect(verdictOf(a).first).toBe("Complete: every row confirmed");
    expect(textOf(a.querySelector("tbody.none-left")!)).toBe("No row needs action.");
    expect(verdictOf(page(path.join(dir, "b.final.report.html"))).first).toBe(
      "Complete: every row confirmed or skipped",
    );
  });

  it("says interrupted with the command that resumes the run, in the run's report and in report's", async () => {
    const s = await trackedSimulator({ latencyMs: 2, faults: { errorRate: 1 } });
    const dir = tempDir();
    fs.copyFileSync(SAMPLE, path.join(dir, "acceptances.csv"));
    const r = await runCli(
      [
        "run",
        "acceptances.csv",
        "--base-url",
        s.url,
        "--quiet",
        "--outage-timeout",
        "1",
        "--concurrency",
        "2",
      ],
      { cwd: dir, env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" }, timeoutMs: 30_000 },
    );
    expectExit(r, 3);
    const resume = /To continue this run: (.*)/.exec(r.stdout)?.[1];
    expect(resume).toMatch(/run acceptances\.csv --base-url \S+ --quiet .*--resume$/);
    expectExit(await runInProcess(["report", "acceptances.results.csv"], { cwd: dir }), 1);
    for (const file of ["acceptances.report.html", "acceptances.final.report.html"]) {
      const verdict = verdictOf(page(path.join(dir, file)));
      expect(verdict.first).toBe(`Interrupted: resume with ${resume}`);
      expect(verdict.detail).toMatch(/rows need action so far: .*to re-run later \(.*not-run \d+\)/);
    }
  });
});

describe("the report command's own files", () => {
  it("writes <first base>.final.report.html beside the final file and never replaces a run's report", async () => {
    const dir = await sampleRun();
    const own = path.join(dir, "acceptances.report.html");
    const before = fs.readFileSync(own);
    const r = await runInProcess(["report", "acceptances.results.csv"], { cwd: dir });
    expectExit(r, 1);
    expect(r.stdout).toMatch(/Final: acceptances\.final\.csv\nReport: acceptances\.final\.report\.html/);
    expect(fs.readFileSync(own).equals(before)).toBe(true);
    const final = page(path.join(dir, "acceptances.final.report.html"));
    expect(final.querySelector('meta[name="mca-confirm-report"]')?.getAttribute("content")).toBe("final");
    // Run again, it replaces its own page; pointed at a run's report, by name or by content, it refuses.
    expectExit(await runInProcess(["report", "acceptances.results.csv"], { cwd: dir }), 1);
    fs.copyFileSync(own, path.join(dir, "kept.html"));
    for (const target of ["acceptances.report.html", "kept.html"]) {
      const refused = await runInProcess(["report", "acceptances.results.csv", "--report", target], {
        cwd: dir,
      });
      expectExit(refused, 2);
      expect(refused.stderr).toContain(`--report (${target}) is a run's own report`);
    }
    expect(fs.readFileSync(own).equals(before)).toBe(true);
    expect(fs.readFileSync(path.join(dir, "kept.html")).equals(before)).toBe(true);
  });

  it("--report-column chooses the column customers are named by, never a contact column", async () => {
    const dir = await sampleRun();
    const chosen = await runInProcess(
      ["report", "acceptances.results.csv", "--report-column", "customer tenant id"],
      {
        cwd: dir,
      },
    );
    expectExit(chosen, 1);
    const header = page(path.join(dir, "acceptances.final.report.html"))
      .querySelectorAll("#rows-table thead th")
      .map(textOf);
    expect(header.slice(0, 2)).toEqual(["row", "customerTenantId"]);
    const cases: [string, RegExp][] = [
      ["email", /--report-column "email" holds contact data/],
      ["Last Name", /--report-column "Last Name" holds contact data/],
      ["status", /--report-column "status" is not a column of the input \(its columns: customerTenantId, /],
      ["nope", /--report-column "nope" is not a column of the input/],
    ];
    for (const [name, message] of cases) {
      const r = await runInProcess(["report", "acceptances.results.csv", "--report-column", name], {
        cwd: dir,
      });
      expectExit(r, 2);
      expect(r.stderr).toMatch(message);
    }
    // A run refuses it before sending anything.
    const s = await trackedSimulator({ latencyMs: 2 });
    const run = await runInProcess(
      ["run", "acceptances.csv", "--base-url", s.url, "--report-column", "phone"],
      {
        cwd: dir,
        env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
      },
    );
    expectExit(run, 2);
    expect(run.stderr).toMatch(/--report-column "phone" holds contact data/);
    expect(s.stats.requests).toBe(0);
  });
});
