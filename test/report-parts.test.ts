// The pieces of the audit evidence that need no network: the date-format check, the partner
// tenant from the token, and keeping an earlier run's files aside before --overwrite.
import fs from "node:fs";
import path from "node:path";
import { parse as parseHtml } from "node-html-parser";
import { afterAll, describe, expect, it } from "vitest";
import { tenantIdOfToken } from "../src/auth/claims.js";
import { keepPrevious } from "../src/output/keep-previous.js";
import { createDateFormatCheck } from "../src/report/date-format-check.js";
import { createDigest, MAX_LISTED_ROWS } from "../src/report/digest.js";
import { html } from "../src/report/html.js";
import { maskContacts } from "../src/report/privacy.js";
import { renderReport } from "../src/report/render.js";
import { chooseReportColumn } from "../src/report/report-column.js";
import { verdictOf } from "../src/report/verdict.js";
import type { ReportRow } from "../src/report/merge.js";
import { RowNumberSet } from "../src/report/row-numbers.js";
import { readRunLog } from "../src/report/run-log.js";
import type { DateFormat } from "../src/validate.js";
import { removeTempDirs, tempDir } from "./helpers/cli.js";

afterAll(() => removeTempDirs());

const row = (dateAgreed: string, errorCode = "") => ({ dateAgreed, errorCode });

function dateFormatWarning(
  rows: { dateAgreed: string; errorCode: string }[],
  format: DateFormat | undefined,
) {
  const check = createDateFormatCheck(format);
  for (const r of rows) check.observe(r.dateAgreed, r.errorCode);
  return check.warning();
}

describe("the --date-format check", () => {
  it("warns when invalid dates read the other way round and no accepted day is above 12", () => {
    const rows = [
      row("12/01/2025"),
      row("03/04/2025"),
      row("13/01/2025", "invalid-date"),
      row("25/02/2025", "invalid-date"),
    ];
    const warning = dateFormatWarning(rows, "MM/DD/YYYY");
    expect(warning).toMatch(
      /^check --date-format: 2 dates are invalid as MM\/DD\/YYYY but real as DD\/MM\/YYYY/,
    );
    expect(warning).toContain("none of the 2 accepted dates has a day above 12");
  });
  it("stays quiet when an accepted date proves the order, or nothing reads the other way", () => {
    expect(
      dateFormatWarning([row("12/31/2025"), row("13/01/2025", "invalid-date")], "MM/DD/YYYY"),
    ).toBeUndefined();
    expect(
      dateFormatWarning([row("02/30/2025", "invalid-date"), row("01/02/2025")], "MM/DD/YYYY"),
    ).toBeUndefined();
    expect(dateFormatWarning([row("2025-01-13")], "DD/MM/YYYY")).toBeUndefined();
    expect(dateFormatWarning([row("13/01/2025", "invalid-date")], undefined)).toBeUndefined();
  });
  it("checks day-first formats the same way", () => {
    expect(dateFormatWarning([row("01.13.2025", "invalid-date"), row("05.06.2025")], "DD.MM.YYYY")).toMatch(
      /invalid as DD\.MM\.YYYY but real as MM\.DD\.YYYY/,
    );
  });
});

describe("the partner tenant of a token", () => {
  const jwt = (claims: object) =>
    `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
  it("reads the tid claim of a JWT", () => {
    expect(tenantIdOfToken(jwt({ tid: "AAAAAAAA-1111-4000-8000-000000000001" }))).toBe(
      "aaaaaaaa-1111-4000-8000-000000000001",
    );
  });
  it("has none for an opaque token, a broken payload or a tid that is no GUID", () => {
    expect(tenantIdOfToken("test-token")).toBeUndefined();
    expect(tenantIdOfToken("a.%%%.c")).toBeUndefined();
    expect(tenantIdOfToken(jwt({ tid: "<script>" }))).toBeUndefined();
  });
});

describe("keeping an earlier run's files before --overwrite", () => {
  it("renames them aside with the time that run finished, never over another kept file", () => {
    const dir = tempDir();
    const results = path.join(dir, "x.results.csv");
    const files = [
      results,
      path.join(dir, "x.failed.csv"),
      path.join(dir, "x.report.html"),
      path.join(dir, "absent.log"),
    ];
    for (const f of files.slice(0, 3)) fs.writeFileSync(f, `earlier ${path.basename(f)}`);
    const finished = new Date("2026-10-01T09:12:05.500Z");
    fs.utimesSync(results, finished, finished);
    const kept = keepPrevious(results, files);
    expect(kept.map((k) => path.basename(k.to))).toEqual([
      "x.results.2026-10-01T09-12-05Z.csv",
      "x.failed.2026-10-01T09-12-05Z.csv",
      "x.report.2026-10-01T09-12-05Z.html",
    ]);
    for (const k of kept) expect(fs.readFileSync(k.to, "utf8")).toBe(`earlier ${path.basename(k.from)}`);
    fs.writeFileSync(results, "again");
    fs.utimesSync(results, finished, finished);
    expect(keepPrevious(results, [results]).map((k) => path.basename(k.to))).toEqual([
      "x.results.2026-10-01T09-12-05Z-2.csv",
    ]);
  });
});

describe("the sourceRows a merge has seen", () => {
  it("tells a row seen from one not seen, in order, out of order and far apart", () => {
    const seen = new RowNumberSet();
    const added = [1, 2, 3, 70_000, 5, 1_000_000, 2 ** 40, Number.MAX_SAFE_INTEGER, 200_000];
    for (const n of added) {
      expect(seen.has(n)).toBe(false);
      seen.add(n);
      expect(seen.has(n)).toBe(true);
    }
    for (const n of added) expect(seen.has(n)).toBe(true);
    for (const n of [4, 6, 69_999, 70_001, 999_999, 2 ** 40 - 1, 199_999]) expect(seen.has(n)).toBe(false);
  });

  it("keeps a million rows in order to a few hundred KB, and still finds the far ones it added", () => {
    const seen = new RowNumberSet();
    seen.add(900_000); // beyond the bits at first: kept aside, found once the bits cover it too
    const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    for (let n = 1; n <= 1_000_000; n++) if (n !== 900_000) seen.add(n);
    const grown = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(2 * 1024 * 1024);
    for (let n = 1; n <= 1_000_000; n++) if (!seen.has(n)) expect.unreachable(`row ${n} was added`);
    expect(seen.has(1_000_001)).toBe(false);
  });
});

describe("the rows a report lists", () => {
  const reportRow = (n: number, status: string): ReportRow => ({
    rowNumber: String(n),
    sourceRow: n,
    customerId: "",
    status,
    userId: "",
    dateSent: "",
    errorCode: "",
    httpStatus: "",
    errorMessage: "",
    label: "",
    dateAgreed: "",
    contact: [],
    fileIndex: 0,
  });
  it("lists every row up to the limit, then every row that needs action and counts the others", () => {
    const small = createDigest(undefined);
    for (let n = 1; n <= 10; n++) small.add(reportRow(n, n === 5 ? "failed" : "confirmed"));
    expect(small.done().listed.map((r) => r.sourceRow)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(small.done().listNote).toBeUndefined();

    const large = createDigest(undefined);
    const total = MAX_LISTED_ROWS + 10;
    for (let n = 1; n <= total; n++) large.add(reportRow(n, n % 1000 === 0 ? "rejected" : "confirmed"));
    const digest = large.done();
    expect(digest.total).toBe(total);
    expect(digest.listed.map((r) => r.status)).toEqual(new Array(Math.floor(total / 1000)).fill("rejected"));
    expect(digest.listNote).toContain("every row that needs action (10)");
    expect(digest.unlistedActionRows).toBe(0);
    expect(digest.byStatus.get("confirmed")).toBe(total - Math.floor(total / 1000));
  });

  it("lists the first rows that need action when even they are too many, and says how many are left out", () => {
    const digest = createDigest(undefined);
    const total = MAX_LISTED_ROWS + 25;
    for (let n = 1; n <= total; n++) digest.add(reportRow(n, n % 2 === 0 ? "failed" : "not-run"));
    const done = digest.done();
    expect(done.listed).toHaveLength(MAX_LISTED_ROWS);
    expect(done.listed[0].sourceRow).toBe(1);
    expect(done.unlistedActionRows).toBe(25);
    expect(done.listNote).toContain(`the first 10,000 of the 10,025 rows that need action`);
  });
});

describe("reading a run's log for its report", () => {
  const line = (time: number, fields: object) =>
    JSON.stringify({ level: 30, time, app: "mca-confirm", ...fields });
  const t0 = Date.parse("2026-11-01T10:00:00.000Z");

  it("takes the last run of a log appended to, counts its resumes, and skips a line cut by a crash", async () => {
    const file = path.join(tempDir(), "x.results.csv.log");
    const lines = [
      line(t0 - 86_400_000, { event: "run-start", resumed: false, input: "old.csv", version: "0.0.9" }),
      line(t0 - 86_400_000, { event: "attempt", httpStatus: 201 }),
      line(t0, {
        event: "run-start",
        resumed: false,
        input: "x.csv",
        version: "0.1.0",
        inputSha256: "ab".repeat(32),
        options: { baseUrl: "https://api.partnercenter.microsoft.com", concurrency: 8, skipConfirmed: true },
      }),
      line(t0 + 100, { event: "template", templateId: "117a77b0-9360-443b-8795-c6dedc750cf9" }),
      line(t0 + 200, { event: "attempt", httpStatus: 201 }),
      line(t0 + 1_200, { event: "attempt", httpStatus: 429 }),
      line(t0 + 1_300, { event: "attempt", httpStatus: 201 }),
      line(t0 + 5_000, { event: "run-start", resumed: true, input: "x.csv" }),
      line(t0 + 6_000, { event: "attempt", httpStatus: 201 }),
      line(t0 + 7_000, { event: "run-end", partnerTenantId: "4f1c2a9e-7b3d-4c8e-9a1f-2d3e4f5a6b7c" }),
      '{"level":30,"time":1,"event":"attem',
    ];
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    const log = await readRunLog(file);
    expect(log.metadata).toMatchObject({
      version: "0.1.0",
      input: "x.csv",
      startedAt: "2026-11-01T10:00:00.000Z",
      endedAt: "2026-11-01T10:00:07.000Z",
      inputSha256: "ab".repeat(32),
      templateId: "117a77b0-9360-443b-8795-c6dedc750cf9",
      baseUrl: "https://api.partnercenter.microsoft.com",
      partnerTenantId: "4f1c2a9e-7b3d-4c8e-9a1f-2d3e4f5a6b7c",
      sessions: 2,
    });
    expect(log.metadata.options).toMatchObject({ concurrency: "8", skipConfirmed: "on" });
    expect(log.timeline).toEqual({
      startMs: t0,
      bucketMs: 1_000,
      requests: [1, 2, 0, 0, 0, 0, 1],
      throttled: [0, 1, 0, 0, 0, 0, 0],
    });
  });

  it("widens the bars of a long run to keep about 120 of them", async () => {
    const file = path.join(tempDir(), "long.log");
    const lines = [line(t0, { event: "run-start", resumed: false })];
    for (let minute = 0; minute < 600; minute += 7)
      lines.push(line(t0 + minute * 60_000, { event: "attempt" }));
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    const timeline = (await readRunLog(file)).timeline!;
    expect(timeline.bucketMs).toBe(300_000);
    expect(timeline.requests.length).toBeLessThanOrEqual(120);
    expect(timeline.requests.reduce((a, b) => a + b, 0)).toBe(lines.length - 1);
  });
});

describe("the report's markup", () => {
  it("lists every row of a long page in order although the page is written piece by piece", () => {
    const digest = createDigest(undefined);
    const rows = 1_234;
    for (let n = 1; n <= rows; n++)
      digest.add({
        rowNumber: String(n),
        sourceRow: n,
        customerId: `customer-${n}`,
        status: n % 100 === 0 ? "failed" : "confirmed",
        userId: "",
        dateSent: "",
        errorCode: "<!--listed rows-->",
        httpStatus: "",
        errorMessage: "",
        label: "",
        dateAgreed: "",
        contact: [],
        fileIndex: 0,
      });
    const pieces: string[] = [];
    const chain = { files: [{ file: "acceptances.results.csv", rows, byStatus: {} }], total: rows };
    const input = { toolVersion: "0", generatedAt: "", chain, digest: digest.done(), logs: [] };
    renderReport(input, (piece) => pieces.push(piece));
    // More than the head, one piece of rows and the tail: the rows went out a part at a time.
    expect(pieces.length).toBeGreaterThan(3);
    const root = parseHtml(pieces.join(""));
    const listed = root.querySelectorAll("#rows-table tbody tr");
    // The rows that need action first, each group in input order, in bodies of a hundred rows.
    const numbers = Array.from({ length: rows }, (_, i) => i + 1);
    expect(listed.map((tr) => tr.querySelectorAll("td")[1].text)).toEqual(
      [...numbers.filter((n) => n % 100 === 0), ...numbers.filter((n) => n % 100 !== 0)].map(
        (n) => `customer-${n}`,
      ),
    );
    expect(root.querySelectorAll("#rows-table tbody.s-failed.act")).toHaveLength(1);
    expect(root.querySelectorAll("#rows-table tbody.s-confirmed")).toHaveLength(Math.ceil((rows - 12) / 100));
    // A value that spells the place of the rows is text like any other, never a second place.
    expect(listed[0].querySelectorAll("td")[3].text).toBe("<!--listed rows-->");
    expect(root.querySelector("body")?.text).toContain("Rows per status");
  });

  it("escapes every value, in text and in attributes, and inserts only markup made by html", () => {
    const hostile = `"><script>alert('x')</script>&`;
    const page = html`<td title="${hostile}">${hostile}${html`<b>${hostile}</b>`}${[hostile, 1]}</td>`.text;
    expect(page).toBe(
      '<td title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">' +
        "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;" +
        "<b>&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</b>" +
        "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;1</td>",
    );
  });
});

describe("the column the report names customers by", () => {
  const fieldColumn = {
    customerTenantId: 0,
    firstName: 1,
    lastName: 2,
    email: 3,
    phoneNumber: 4,
    dateAgreed: 5,
  };
  const choose = (extra: string[], requested?: string) =>
    chooseReportColumn({
      header: [
        "customerTenantId",
        "firstName",
        "lastName",
        "email",
        "phoneNumber",
        "dateAgreed",
        ...extra,
        "rowNumber",
        "status",
      ],
      inputColumns: 6 + extra.length,
      fieldColumn,
      requested,
    })?.name;

  it("takes the first column named like a company, customer, account or CRM id, never a contact one", () => {
    expect(choose(["note", "Contact email", "Company name", "CRM id"])).toBe("Company name");
    expect(choose(["Mobile", "Account"])).toBe("Account");
    expect(choose(["note", "Secondary phone"])).toBeUndefined();
    expect(choose(["note"], "NOTE")).toBe("note");
  });

  it("refuses a contact column or one the input has not, even when asked for", () => {
    expect(() => choose(["note"], "e-mail")).toThrow(/holds contact data/);
    expect(() => choose(["Contact email"], "contact email")).toThrow(/holds contact data/);
    expect(() => choose(["note"], "status")).toThrow(/is not a column of the input/);
  });
});

describe("the verdict", () => {
  const counts = (entries: Record<string, number>) => new Map(Object.entries(entries));
  it("counts the rows to fix apart from the rows to re-run, and knows a status added later as one to look at", () => {
    expect(
      verdictOf(counts({ confirmed: 40, invalid: 5, rejected: 3, failed: 4, "not-run": 1 })),
    ).toMatchObject({
      kind: "action",
      headline: "13 rows need action",
      detail: "8 to fix, then re-run (invalid 5, rejected 3); 5 to re-run later (failed 4, not-run 1)",
    });
    expect(verdictOf(counts({ confirmed: 1, weird: 1 })).headline).toBe("1 row needs action");
    expect(verdictOf(counts({ confirmed: 2 })).headline).toBe("Complete: every row confirmed");
    expect(verdictOf(counts({ valid: 2, skipped: 1 })).headline).toBe("Complete: every row skipped or valid");
    expect(
      verdictOf(counts({ confirmed: 2, "not-run": 5 }), { resumeCommand: "mca-confirm run x.csv --resume" }),
    ).toMatchObject({
      kind: "interrupted",
      headline: "Interrupted: resume with mca-confirm run x.csv --resume",
      detail: "5 rows need action so far: 5 to re-run later (not-run 5)",
    });
  });

  it("shows the report column's value escaped and without the row's contact values", () => {
    const digest = createDigest(undefined);
    digest.add({
      rowNumber: "1",
      sourceRow: 1,
      customerId: "c-1",
      status: "rejected",
      userId: "",
      dateSent: "",
      errorCode: "999",
      httpStatus: "400",
      errorMessage: "refused for Jane Doe",
      label: `<b>Contoso</b> (Jane Doe)`,
      dateAgreed: "",
      contact: ["Jane Doe"],
      fileIndex: 0,
    });
    const chain = {
      files: [{ file: "x.results.csv", rows: 1, byStatus: {} }],
      total: 1,
      reportColumn: "company",
    };
    const pieces: string[] = [];
    renderReport({ toolVersion: "0", generatedAt: "", chain, digest: digest.done(), logs: [] }, (p) =>
      pieces.push(p),
    );
    const text = pieces.join("");
    const cells = parseHtml(text)
      .querySelectorAll("#rows-table tbody tr td")
      .map((td) => td.text);
    expect(cells).toEqual([
      "1",
      "<b>Contoso</b> ([contact])",
      "c-1",
      "rejected",
      "999",
      "refused for [contact]",
    ]);
    expect(text).not.toContain("<b>Contoso");
    expect(text).not.toContain("Jane");
  });
});

describe("maskContacts", () => {
  it("masks the row's values in any case, accented letters too, and leaves other words", () => {
    expect(
      maskContacts("ÉMILE Ørsted (émile.o) refused; STRASSE kept, Émiles too", ["Émile", "ørsted", "Li"]),
    ).toBe("[contact] [contact] ([contact].o) refused; STRASSE kept, [contact]s too");
    // Values are masked in turn: the first may take part of a later one.
    expect(maskContacts("Ann Annex", ["Ann", "Annex"])).toBe("[contact] [contact]ex");
    // Half a surrogate pair matches inside a pair, as the pattern compares UTF-16 units.
    expect(maskContacts("𐐨cd x", ["\udc28cd"])).toBe("\ud801[contact] x");
  });
});
