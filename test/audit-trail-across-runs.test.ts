// The run's audit evidence end to end, through the real CLI against the simulator on 127.0.0.1:
// a chain of three runs merged into one final status per original row, the report each run
// writes, --dry-run, --overwrite keeping the earlier files, and the --date-format warning.
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { parse as parseHtml } from "node-html-parser";
import { afterAll, describe, expect, it } from "vitest";
import type { Simulator } from "../src/simulator/index.js";
import {
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
  type CliResult,
} from "./helpers/cli.js";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

const HEADER = "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed";
const guid = (n: number) => `${String(n).padStart(8, "1")}-2222-4000-8000-00000000000${n}`;
/** 503 on every attempt (src/simulator/triggers.ts): failed in every run. */
const UNAVAILABLE = "00000500-0000-4000-8000-000000000006";

function cli(s: Simulator, dir: string, args: string[], token = "test-token"): Promise<CliResult> {
  return runCli([...args, "--base-url", s.url, "--quiet"], {
    cwd: dir,
    env: { PARTNER_CENTER_ACCESS_TOKEN: token },
    timeoutMs: 30_000,
  });
}

function expectExit(r: CliResult, code: number): void {
  expect(r.timedOut, "the CLI did not finish in time").toBe(false);
  expect(r.code, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`).toBe(code);
}

/** Rewrites one column of the rows of `file` whose customer id is `customer`, as a person fixing it would. */
function fixCell(file: string, customer: string, column: string, value: string): void {
  const rows = parse<Record<string, string>>(fs.readFileSync(file, "utf8"), { columns: true });
  const row = rows.find((r) => r.customerTenantId === customer);
  expect(row, `${customer} in ${file}`).toBeDefined();
  row![column] = value;
  fs.writeFileSync(file, stringify(rows, { header: true, record_delimiter: "\n" }));
}

describe("a chain of three runs", () => {
  it("carries sourceRow through the re-runs and merges to the right final status per original row", async () => {
    const s = await trackedSimulator({ latencyMs: 1 });
    const dir = tempDir();
    const lines = [
      HEADER,
      `${guid(1)},Ann,One,ann@contoso.example,,2026-01-01`,
      `${guid(2)},Bo,Two,bo@contoso.example,,2026-01-02`,
      `${guid(3)},Cy,Three,cy@contoso.example,,2026-01-03`,
      `${guid(4)},Di,Four,di(at)contoso.example,,2026-01-04`, // invalid email, fixed before run 2
      `${guid(5)},Ed,Five,ed@contoso.example,,2026-02-30`, // no such date, fixed before run 3
      `${UNAVAILABLE},Fay,Six,fay@contoso.example,,2026-01-06`, // 503 in every run
      `${guid(7)},Gus,Seven,gus@contoso.example,,2026-01-07`,
      `${guid(8)},Hal,Eight,hal@contoso.example,,03/04/2026`, // ambiguous, fixed before run 3
    ];
    fs.writeFileSync(path.join(dir, "x.csv"), `${lines.join("\n")}\n`);
    const attempts = ["--max-attempts", "1"];

    expectExit(await cli(s, dir, ["run", "x.csv", ...attempts]), 1);
    expect(readCsv(path.join(dir, "x.failed.csv")).map((r) => r.sourceRow)).toEqual(["4", "5", "6", "8"]);
    fixCell(path.join(dir, "x.failed.csv"), guid(4), "email", "di@contoso.example");

    const second = await cli(s, dir, ["run", "x.failed.csv", ...attempts]);
    expectExit(second, 1);
    expect(second.stdout).toContain("x.failed-2.csv");
    const secondResults = readCsv(path.join(dir, "x.failed.results.csv"));
    expect(secondResults.map((r) => [r.rowNumber, r.sourceRow, r.status])).toEqual([
      ["1", "4", "confirmed"],
      ["2", "5", "invalid"],
      ["3", "6", "failed"],
      ["4", "8", "invalid"],
    ]);
    fixCell(path.join(dir, "x.failed-2.csv"), guid(5), "dateAgreed", "2026-02-28");
    fixCell(path.join(dir, "x.failed-2.csv"), guid(8), "dateAgreed", "2026-04-03");

    expectExit(await cli(s, dir, ["run", "x.failed-2.csv", ...attempts]), 1);
    expect(readCsv(path.join(dir, "x.failed-2.results.csv")).map((r) => [r.sourceRow, r.status])).toEqual([
      ["5", "confirmed"],
      ["6", "failed"],
      ["8", "confirmed"],
    ]);
    expect(readCsv(path.join(dir, "x.failed-3.csv")).map((r) => r.sourceRow)).toEqual(["6"]);
    expect(fs.existsSync(path.join(dir, "x.failed.failed.csv"))).toBe(false);

    const merged = await runCli(
      ["report", "x.results.csv", "x.failed.results.csv", "x.failed-2.results.csv"],
      {
        cwd: dir,
      },
    );
    expectExit(merged, 1); // row 6 is still failed
    const final = readCsv(path.join(dir, "x.final.csv"));
    expect(final.map((r) => [r.sourceRow, r.status])).toEqual([
      ["1", "confirmed"],
      ["2", "confirmed"],
      ["3", "confirmed"],
      ["4", "confirmed"],
      ["5", "confirmed"],
      ["6", "failed"],
      ["7", "confirmed"],
      ["8", "confirmed"],
    ]);
    expect(final[4].dateSent).toBe("2026-02-28T00:00:00.000Z");
    expect(final[3].email).toBe("di@contoso.example"); // the corrected value, as sent
    const page = parseHtml(fs.readFileSync(path.join(dir, "x.final.report.html"), "utf8"));
    const counts = page
      .querySelectorAll("#status-counts tbody tr")
      .map((tr) => tr.getAttribute("data-status"));
    expect(counts).toEqual(["failed", "confirmed"]); // those that need action first
    expect(page.querySelector("h1#verdict")?.text.trim()).toBe("1 row needs action");
    expect(page.querySelectorAll("section.run")).toHaveLength(3);
    // The first run's own report is still its own.
    const own = parseHtml(fs.readFileSync(path.join(dir, "x.report.html"), "utf8"));
    expect(own.querySelector('meta[name="mca-confirm-report"]')?.getAttribute("content")).toBe("run");
  });
});

describe("the report a run writes", () => {
  const tenant = "7d9a4c1e-5b2f-4e8a-9c3d-1f2e3a4b5c6d";
  const jwt = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ tid: tenant })).toString("base64url")}.signature`;

  it("writes <input>.report.html with the run's metadata, --report elsewhere, --no-report none", async () => {
    const s = await trackedSimulator({ latencyMs: 1 });
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "a.csv"),
      `${HEADER}\n${guid(1)},Ann,One,ann@contoso.example,,2026-01-01\n`,
    );
    const r = await cli(s, dir, ["run", "a.csv"], jwt);
    expectExit(r, 0);
    expect(r.stdout).toContain("Report: a.report.html");
    const page = parseHtml(fs.readFileSync(path.join(dir, "a.report.html"), "utf8"));
    const meta = page.querySelector("dl.meta")!.text;
    expect(meta).toContain(tenant);
    const sha = (await import("node:crypto"))
      .createHash("sha256")
      .update(fs.readFileSync(path.join(dir, "a.csv")))
      .digest("hex");
    expect(meta).toContain(sha);
    expect(meta).toMatch(/tool version\s*\d+\.\d+\.\d+/);
    expect(fs.readFileSync(path.join(dir, "a.report.html"), "utf8")).not.toContain(jwt);

    fs.writeFileSync(
      path.join(dir, "b.csv"),
      `${HEADER}\n${guid(2)},Bo,Two,bo@contoso.example,,2026-01-01\n`,
    );
    const refused = await cli(s, dir, ["run", "b.csv", "--report", "kept/b.html"]);
    expectExit(refused, 2); // checked before anything is sent
    expect(refused.stderr).toMatch(/--report \(kept\/b\.html\): the folder .*kept does not exist/);
    expect(s.stats.requestsPerCustomer(guid(2))).toBe(0);
    fs.mkdirSync(path.join(dir, "kept"));
    expectExit(await cli(s, dir, ["run", "b.csv", "--report", "kept/b.html"]), 0);
    expect(fs.existsSync(path.join(dir, "kept", "b.html"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "b.report.html"))).toBe(false);

    fs.writeFileSync(
      path.join(dir, "c.csv"),
      `${HEADER}\n${guid(3)},Cy,Three,cy@contoso.example,,2026-01-01\n`,
    );
    const quiet = await cli(s, dir, ["run", "c.csv", "--no-report"]);
    expectExit(quiet, 0);
    expect(quiet.stdout).not.toContain("Report:");
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("c.") && f.endsWith(".html"))).toEqual([]);
  });
});

describe("--dry-run", () => {
  it("signs in and looks up, sends no confirmation, writes x.dry-run.csv and blocks no later run", async () => {
    const s = await trackedSimulator({ latencyMs: 1 });
    const dir = tempDir();
    const lines = [
      HEADER,
      `${guid(1)},Ann,One,ann@contoso.example,,2026-01-01`,
      `${guid(2)},Bo,Two,bo(at)contoso.example,,2026-01-02`,
      `${guid(1)},Ann,One,ann@contoso.example,,2026-01-01`,
      `${guid(3)},Cy,Three,cy@contoso.example,,2026-01-03`,
    ];
    fs.writeFileSync(path.join(dir, "x.csv"), `${lines.join("\n")}\n`);
    // Customer 3 is already on record from an earlier month.
    fs.writeFileSync(path.join(dir, "earlier.csv"), `${HEADER}\n${lines[4]}\n`);
    expectExit(await cli(s, dir, ["run", "earlier.csv", "--no-report"]), 0);
    const confirmsBefore = s.stats.confirmRequests;

    const dry = await cli(s, dir, ["run", "x.csv", "--dry-run", "--skip-confirmed"]);
    expectExit(dry, 1); // the invalid row needs fixing
    expect(s.stats.confirmRequests).toBe(confirmsBefore);
    expect(dry.stdout).toContain("Dry run: no confirmation was sent.");
    expect(dry.stdout).toContain("Report: x.dry-run.report.html");
    const rows = readCsv(path.join(dir, "x.dry-run.csv"));
    expect(rows.map((r) => [r.status, r.errorCode])).toEqual([
      ["valid", ""],
      ["invalid", "invalid-email"],
      ["skipped", "duplicate-customer"],
      ["skipped", "already-confirmed"],
    ]);
    expect(rows[0].dateSent).toBe("2026-01-01T00:00:00.000Z");
    expect(rows[0].templateId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("x.") && f.includes("failed"))).toEqual([]);

    // The real run the next day is not blocked by the dry run's files, and confirms.
    const real = await cli(s, dir, ["run", "x.csv", "--skip-confirmed"]);
    expectExit(real, 1);
    expect(s.stats.confirmRequests).toBe(confirmsBefore + 1);
    expect(fs.existsSync(path.join(dir, "x.report.html"))).toBe(true);
  });

  it("stopped by refused credentials, offers no --resume and leaves no journal (exit 3)", async () => {
    const s = await trackedSimulator({ latencyMs: 1, acceptToken: () => false });
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "x.csv"),
      `${HEADER}\n${guid(1)},Ann,One,ann@contoso.example,,2026-01-01\n`,
    );
    const r = await cli(s, dir, ["run", "x.csv", "--dry-run"]);
    expectExit(r, 3);
    expect(r.stdout).not.toContain("--resume");
    expect(fs.existsSync(path.join(dir, "x.dry-run.csv.journal"))).toBe(false);
    expect(readCsv(path.join(dir, "x.dry-run.csv")).map((row) => row.status)).toEqual(["not-run"]);
  });

  it("refuses --dry-run with --resume (exit 2)", async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "x.csv"),
      `${HEADER}\n${guid(1)},Ann,One,ann@contoso.example,,2026-01-01\n`,
    );
    const r = await runCli(["run", "x.csv", "--dry-run", "--resume"], { cwd: dir });
    expectExit(r, 2);
    expect(r.stderr).toContain("--dry-run sends nothing: there is nothing to --resume");
  });
});

describe("--overwrite", () => {
  it("keeps the earlier run's results, failed file, report and log under the time it finished, and says where", async () => {
    const s = await trackedSimulator({ latencyMs: 1 });
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "x.csv"),
      `${HEADER}\n${guid(1)},Ann,One,ann@contoso.example,,2026-01-01\n${guid(2)},Bo,Two,bad,,2026-01-02\n`,
    );
    expectExit(await cli(s, dir, ["run", "x.csv"]), 1);
    const earlier = Object.fromEntries(
      ["x.results.csv", "x.failed.csv", "x.report.html", "x.results.csv.log"].map((f) => [
        f,
        fs.readFileSync(path.join(dir, f), "utf8"),
      ]),
    );
    const finished = fs.statSync(path.join(dir, "x.results.csv")).mtime.toISOString();
    const stamp = finished.replace(/\.\d{3}Z$/, "Z").replace(/:/g, "-");

    const again = await cli(s, dir, ["run", "x.csv", "--overwrite"]);
    expectExit(again, 1);
    for (const [file, text] of Object.entries(earlier)) {
      const ext = path.extname(file);
      const kept = `${file.slice(0, -ext.length)}.${stamp}${ext}`;
      expect(fs.readFileSync(path.join(dir, kept), "utf8"), kept).toBe(text);
      expect(again.stdout).toContain(kept);
      expect(fs.existsSync(path.join(dir, file)), file).toBe(true); // the new run's own
    }
    // One line says what was kept.
    expect(again.stdout.match(/^Kept the earlier run's files under the time it finished: /gm)).toHaveLength(
      1,
    );
    // The new log holds this run alone.
    const log = fs.readFileSync(path.join(dir, "x.results.csv.log"), "utf8");
    expect(log.match(/"event":"run-start"/g)).toHaveLength(1);
  });
});

describe("the --date-format check", () => {
  it("warns when the accepted dates may have been read the wrong way round", async () => {
    const dir = tempDir();
    const lines = [
      HEADER,
      `${guid(1)},Ann,One,ann@contoso.example,,12/01/2025`,
      `${guid(2)},Bo,Two,bo@contoso.example,,03/04/2025`,
      `${guid(3)},Cy,Three,cy@contoso.example,,13/01/2025`,
      `${guid(4)},Di,Four,di@contoso.example,,25/02/2025`,
    ];
    fs.writeFileSync(path.join(dir, "x.csv"), `${lines.join("\n")}\n`);
    const wrong = await runCli(["validate", "x.csv", "--date-format", "MM/DD/YYYY"], { cwd: dir });
    expectExit(wrong, 1);
    expect(wrong.stdout).toMatch(
      /Warning: check --date-format: 2 dates are invalid as MM\/DD\/YYYY but real as DD\/MM\/YYYY/,
    );
    // What was read is shown: 12/01/2025 as 1 December.
    expect(readCsv(path.join(dir, "x.validation.csv"))[0].dateSent).toBe("2025-12-01T00:00:00.000Z");

    const right = await runCli(["validate", "x.csv", "--date-format", "DD/MM/YYYY", "--json"], { cwd: dir });
    expectExit(right, 0);
    expect(JSON.parse(right.stdout).warnings).toEqual([]);
    expect(readCsv(path.join(dir, "x.validation.csv"))[0].dateSent).toBe("2025-01-12T00:00:00.000Z");
  });
});
