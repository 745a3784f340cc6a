// The main path end to end: the real CLI (dist/cli.js) as a child process against the bundled
// simulator started here on 127.0.0.1, port 0; results and failed files checked row by row.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { CURRENT_MCA_TEMPLATE_ID, type Simulator } from "../src/simulator/index.js";
import { writeGeneratedCsv, generatedTenantId } from "../src/demo/generate.js";
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

const RESULT_COLUMNS = [
  "rowNumber",
  "status",
  "userId",
  "httpStatus",
  "errorCode",
  "errorMessage",
  "attempts",
  "requestId",
  "correlationId",
  "completedAt",
  "sourceRow",
  "dateSent",
  "templateId",
  "recordedDateAgreed",
];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SAMPLE = path.join(ROOT, "samples", "acceptances.csv");
const LEGACY = path.join(ROOT, "samples", "legacy-export.csv");
const MCA = "MicrosoftCustomerAgreement";

const sim = trackedSimulator;
afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

/** The CLI in `cwd` against `s`, with a token and no progress display. */
function cli(
  s: Simulator,
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return runCli([...args, "--base-url", s.url, "--quiet"], {
    cwd,
    env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token", ...env },
    timeoutMs: 30_000,
  });
}

function expectExit(r: CliResult, code: number): void {
  expect(r.timedOut, "the CLI did not finish in time").toBe(false);
  expect(r.code, `exit code; stderr: ${r.stderr}`).toBe(code);
}

/** A spreadsheet would run these as formulas: written behind a `'` (docs/cli.md "The results file"). */
const escaped = (cell: string) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

function copyTo(dir: string, file: string, name = path.basename(file)): string {
  fs.copyFileSync(file, path.join(dir, name));
  return name;
}

function writeCsv(dir: string, name: string, lines: string[]): string {
  fs.writeFileSync(path.join(dir, name), `${lines.join("\n")}\n`);
  return name;
}

/** The sample's rows as parsed (the input's own columns, in order). */
const sampleRows = (): Record<string, string>[] => readCsv(SAMPLE);

/** Expected outcome of samples/acceptances.csv, by 1-based row number; every other row is confirmed. */
const SAMPLE_EXPECTED: Record<number, { status: string; codes: string[]; httpStatus?: string }> = {
  10: { status: "invalid", codes: ["invalid-email"] },
  16: { status: "invalid", codes: ["missing-last-name"] },
  21: { status: "invalid", codes: ["future-date"] },
  25: { status: "invalid", codes: ["invalid-date"] },
  29: { status: "invalid", codes: ["invalid-customer-id", "invalid-phone", "ambiguous-date"] },
  32: { status: "skipped", codes: ["duplicate-customer"] },
  36: { status: "rejected", codes: ["60003"], httpStatus: "404" },
  40: { status: "rejected", codes: ["20002"], httpStatus: "403" },
  45: { status: "rejected", codes: ["900118"], httpStatus: "400" },
};
const FAILED_ROWS = [10, 16, 21, 25, 29, 36, 40, 45];

describe("run samples/acceptances.csv", () => {
  let s: Simulator;
  let dir: string;
  let first: CliResult;
  let results: Record<string, string>[];
  const input = sampleRows();

  beforeAll(async () => {
    s = await sim();
    dir = tempDir();
    copyTo(dir, SAMPLE);
    first = await cli(s, dir, ["run", "acceptances.csv"]);
    results = readCsv(path.join(dir, "acceptances.results.csv"));
  });

  it("exits 1 (some rows need attention) and prints a summary", () => {
    expectExit(first, 1);
    expect(first.stdout).toMatch(/confirmed\s+42/);
    expect(first.stdout).toMatch(/acceptances\.failed\.csv/);
    expect(first.stdout).toMatch(/node \S*dist\/cli\.js run acceptances\.failed\.csv/);
  });

  it("writes one results row per input row, in input order, with the input's columns then the contract's", () => {
    expect(results).toHaveLength(input.length);
    expect(Object.keys(results[0])).toEqual([...Object.keys(input[0]), ...RESULT_COLUMNS]);
    results.forEach((row, i) => {
      expect(row.rowNumber).toBe(String(i + 1));
      expect(row.sourceRow).toBe(String(i + 1)); // a first run is its own original
      for (const [column, value] of Object.entries(input[i]))
        expect(row[column], `row ${i + 1} ${column}`).toBe(escaped(value));
    });
  });

  it("shows what each sent row carried: the UTC date string and the templateId", () => {
    // Row 4 is "2026-03-15T09:30:00+02:00" in the sample: sent as UTC.
    expect(results[3].dateSent).toBe("2026-03-15T07:30:00.000Z");
    for (const row of results.filter((r) => r.status === "confirmed" || r.status === "rejected")) {
      expect(row.dateSent, `row ${row.rowNumber}`).toMatch(ISO_UTC);
      expect(row.templateId, `row ${row.rowNumber}`).toBe(CURRENT_MCA_TEMPLATE_ID);
    }
    for (const row of results.filter((r) => r.status === "invalid")) {
      expect(row.dateSent).toBe("");
      expect(row.templateId).toBe("");
    }
  });

  it("gives each row the status the sample is built for", () => {
    results.forEach((row, i) => {
      const n = i + 1;
      const want = SAMPLE_EXPECTED[n];
      if (want) {
        expect(row.status, `row ${n}`).toBe(want.status);
        expect(row.errorCode.split(";").sort(), `row ${n}`).toEqual([...want.codes].sort());
        expect(row.errorMessage, `row ${n}`).not.toBe("");
        expect(row.userId, `row ${n}`).toBe("");
        if (want.httpStatus) {
          expect(row.httpStatus, `row ${n}`).toBe(want.httpStatus);
          expect(row.attempts, `row ${n}`).toBe("1");
          expect(row.requestId).toMatch(GUID);
          expect(row.correlationId).toMatch(GUID);
        } else {
          expect(row.httpStatus, `row ${n}`).toBe("");
          expect(row.attempts, `row ${n}`).toBe("0");
        }
      } else {
        expect(row.status, `row ${n}: ${row.errorCode} ${row.errorMessage}`).toBe("confirmed");
        expect(row.userId, `row ${n}`).toMatch(GUID);
        expect(row.httpStatus, `row ${n}`).toBe("201");
        expect(row.errorCode, `row ${n}`).toBe("");
        expect(row.attempts, `row ${n}`).toBe("1");
        expect(row.requestId, `row ${n}`).toMatch(GUID);
        expect(row.correlationId, `row ${n}`).toMatch(GUID);
        expect(row.completedAt, `row ${n}`).toMatch(ISO_UTC);
      }
    });
  });

  it("confirms rows whose phone is empty (phoneNumber left out)", () => {
    const noPhone = results.filter((r, i) => r.phoneNumber === "" && !SAMPLE_EXPECTED[i + 1]);
    expect(noPhone.length).toBeGreaterThanOrEqual(8);
    for (const r of noPhone) expect(r.status).toBe("confirmed");
  });

  it("never sends invalid or duplicate rows, sends every other row once, and looks the templateId up once", () => {
    const sent = (id: string) => s.stats.requestsPerCustomer(id.toLowerCase());
    for (const n of [10, 16, 21, 25]) expect(sent(input[n - 1].customerTenantId), `row ${n}`).toBe(0);
    expect(sent(input[31].customerTenantId), "row 6 and its duplicate row 32").toBe(1);
    expect(sent("a170b338-3926-4059-b28c-105d1fb17c23"), "braced id of row 8, sent lower-case").toBe(1);
    expect(s.stats.confirmRequests).toBe(input.length - 5 - 1); // 5 invalid rows, 1 duplicate
    expect(s.stats.metadataRequests).toBe(1);
    expect(s.stats.listRequests).toBe(0);
    expect(s.stats.customersWithDuplicateRecords()).toEqual([]);
  });

  it("writes formula-like cells behind a single quote", () => {
    expect(results[13].crmAccount).toBe(`'=HYPERLINK("http://example.com")`);
    expect(results[0].phoneNumber).toBe("'+1 425 555 1000");
  });

  it("writes exactly the invalid and rejected rows to the failed file, with the results columns", () => {
    const failed = readCsv(path.join(dir, "acceptances.failed.csv"));
    expect(failed.map((r) => Number(r.rowNumber))).toEqual(FAILED_ROWS);
    expect(Object.keys(failed[0])).toEqual(Object.keys(results[0]));
    for (const row of failed) expect(row).toEqual(results[Number(row.rowNumber) - 1]);
  });

  it("writes a JSON-lines log beside the results", () => {
    const log = fs.readFileSync(path.join(dir, "acceptances.results.csv.log"), "utf8").trim().split("\n");
    expect(log.length).toBeGreaterThan(0);
    for (const line of log) expect(() => JSON.parse(line)).not.toThrow();
    expect(log.join("\n")).not.toContain("test-token");
  });

  it("re-runs the failed file into acceptances.failed.results.csv, reading escaped cells back as they were", async () => {
    // The operator fixes row 10's email in the failed file and runs it again. Its phone cell is
    // still written `'+1 425 555 0199`: the API must get `+1 425 555 0199`. The simulator already
    // holds that exact contact, so the original value answers 600061 (confirmed, no new record);
    // an escaped value would be a different contact and make a second record.
    const failedPath = path.join(dir, "acceptances.failed.csv");
    const text = fs.readFileSync(failedPath, "utf8");
    expect(text).toContain("'+1 425 555 0199");
    fs.writeFileSync(
      failedPath,
      text.replace("gregor.lind(at)litware.example", "gregor.lind@litware.example"),
    );
    const gregor = "65dc9f50-3f63-4f83-bd05-61e6211c70cf";
    s.seedConfirmation(gregor, {
      firstName: "Gregor",
      lastName: "Lind",
      email: "gregor.lind@litware.example",
      phoneNumber: "+1 425 555 0199",
    });
    const before = s.stats.confirmRequests;

    const again = await cli(s, dir, ["run", "acceptances.failed.csv"]);
    expectExit(again, 1);
    const rerun = readCsv(path.join(dir, "acceptances.failed.results.csv"));
    expect(rerun).toHaveLength(FAILED_ROWS.length);
    expect(Object.keys(rerun[0])).toEqual(Object.keys(results[0])); // old result columns dropped, not doubled
    expect(rerun.map((r) => r.rowNumber)).toEqual(FAILED_ROWS.map((_, i) => String(i + 1)));

    const g = rerun[0];
    expect(g.customerTenantId).toBe(gregor);
    expect(g.status).toBe("confirmed");
    expect(g.httpStatus).toBe("400");
    expect(g.errorCode).toBe("600061");
    expect(g.phoneNumber).toBe("'+1 425 555 0199"); // escaped once, never `''+1`
    expect(s.stats.recordsPerCustomer(gregor)).toBe(1);
    expect(s.stats.requestsPerCustomer(gregor)).toBe(1);

    expect(rerun.slice(1).map((r) => r.status)).toEqual([
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "rejected",
      "rejected",
      "rejected",
    ]);
    expect(rerun.slice(1).map((r) => r.errorCode)).toEqual(
      FAILED_ROWS.slice(1).map((n) => results[n - 1].errorCode),
    );
    expect(rerun.map((r) => r.crmAccount)).toEqual(FAILED_ROWS.map((n) => input[n - 1].crmAccount));
    expect(s.stats.confirmRequests - before).toBe(4); // Gregor and the three rejected rows
    expect(fs.existsSync(path.join(dir, "acceptances.failed-2.csv"))).toBe(true);
    expect(readCsv(path.join(dir, "acceptances.failed-2.csv"))).toHaveLength(7);
  });

  it("refuses to replace the finished results file (exit 2, with advice), and --overwrite replaces it", async () => {
    const file = path.join(dir, "acceptances.results.csv");
    const before = fs.readFileSync(file, "utf8");
    const requests = s.stats.requests;
    const refused = await cli(s, dir, ["run", "acceptances.csv"]);
    expectExit(refused, 2);
    expect(refused.stderr).toMatch(/acceptances\.results\.csv already exists/);
    expect(refused.stderr).toMatch(/--overwrite/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(s.stats.requests).toBe(requests);
    expect(fs.readFileSync(file, "utf8")).toBe(before);

    const replaced = await cli(s, dir, ["run", "acceptances.csv", "--overwrite"]);
    expectExit(replaced, 1);
    const now = readCsv(file);
    expect(now).toHaveLength(input.length);
    // Already on record from the first run: 600061, which counts as confirmed.
    for (const [i, row] of now.entries()) {
      if (SAMPLE_EXPECTED[i + 1]) expect(row.status).toBe(SAMPLE_EXPECTED[i + 1].status);
      else
        expect([row.status, row.httpStatus, row.errorCode], `row ${i + 1}`).toEqual([
          "confirmed",
          "400",
          "600061",
        ]);
    }
    expect(s.stats.customersWithDuplicateRecords()).toEqual([]);
  });
});

describe("run, other paths", () => {
  it("exits 0 when every row confirms; 600061 on a second run counts as confirmed", async () => {
    const s = await sim();
    const dir = tempDir();
    await writeGeneratedCsv(path.join(dir, "gen.csv"), 25);
    const r = await cli(s, dir, ["run", "gen.csv"]);
    expectExit(r, 0);
    const rows = readCsv(path.join(dir, "gen.results.csv"));
    expect(rows).toHaveLength(25);
    expect(new Set(rows.map((x) => x.status))).toEqual(new Set(["confirmed"]));
    expect(rows.map((x) => x.crmAccount)).toEqual(Array.from({ length: 25 }, (_, i) => `ACC-${i}`));
    expect(
      fs.existsSync(path.join(dir, "gen.failed.csv")) ? readCsv(path.join(dir, "gen.failed.csv")) : [],
    ).toEqual([]);

    const again = await cli(s, dir, ["run", "gen.csv", "--out", "again.csv"]);
    expectExit(again, 0);
    const second = readCsv(path.join(dir, "again.csv"));
    for (const row of second)
      expect([row.status, row.httpStatus, row.errorCode]).toEqual(["confirmed", "400", "600061"]);
    expect(s.stats.totalRecords()).toBe(25);
    expect(s.stats.confirmRequests).toBe(50);
  });

  it("600061 for a contact already on record is confirmed", async () => {
    const s = await sim();
    const dir = tempDir();
    const id = "3f98e277-4cbd-47ad-9c90-a9587403e430";
    s.seedConfirmation(id, { firstName: "Tania", lastName: "Carr", email: "tania.carr@contoso.example" });
    writeCsv(dir, "one.csv", [
      "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed",
      `${id},Tania,Carr,tania.carr@contoso.example,,2026-01-21`,
    ]);
    const r = await cli(s, dir, ["run", "one.csv"]);
    expectExit(r, 0);
    const [row] = readCsv(path.join(dir, "one.results.csv"));
    // The record it refers to is looked up: the row carries its userId and recorded date.
    expect(row).toMatchObject({ status: "confirmed", httpStatus: "400", errorCode: "600061" });
    expect(row.userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(row.errorMessage).toMatch(/^already on record \(recorded dateAgreed \d{4}-\d\d-\d\dT/);
    expect(s.stats.listRequests).toBe(1);
    expect(s.stats.recordsPerCustomer(id)).toBe(1);
  });

  it("--template-id skips the metadata call", async () => {
    const s = await sim();
    const dir = tempDir();
    await writeGeneratedCsv(path.join(dir, "gen.csv"), 5);
    const r = await cli(s, dir, ["run", "gen.csv", "--template-id", CURRENT_MCA_TEMPLATE_ID]);
    expectExit(r, 0);
    expect(s.stats.metadataRequests).toBe(0);
    expect(s.stats.confirmRequests).toBe(5);
  });

  it("--out and --failed-out choose where the files go", async () => {
    const s = await sim();
    const dir = tempDir();
    copyTo(dir, SAMPLE);
    fs.mkdirSync(path.join(dir, "out"));
    const r = await cli(s, dir, [
      "run",
      "acceptances.csv",
      "--out",
      "out/r.csv",
      "--failed-out",
      "out/f.csv",
    ]);
    expectExit(r, 1);
    expect(
      fs
        .readdirSync(path.join(dir, "out"))
        .filter((f) => f.endsWith(".csv"))
        .sort(),
    ).toEqual(["f.csv", "r.csv"]);
    expect(fs.existsSync(path.join(dir, "acceptances.results.csv"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "acceptances.failed.csv"))).toBe(false);
    expect(readCsv(path.join(dir, "out/r.csv"))).toHaveLength(51);
    expect(readCsv(path.join(dir, "out/f.csv")).map((x) => Number(x.rowNumber))).toEqual(FAILED_ROWS);
  });

  it("--json prints exactly one JSON object on stdout", async () => {
    const s = await sim();
    const dir = tempDir();
    copyTo(dir, SAMPLE);
    const r = await runCli(["run", "acceptances.csv", "--json", "--base-url", s.url], {
      cwd: dir,
      env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
      timeoutMs: 30_000,
    });
    expectExit(r, 1);
    expect(r.stdout.endsWith("\n")).toBe(true);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const summary = JSON.parse(r.stdout) as Record<string, any>;
    expect(summary).toMatchObject({
      command: "run",
      rows: 51,
      statuses: { confirmed: 42, skipped: 1, invalid: 5, rejected: 3 },
      templateId: CURRENT_MCA_TEMPLATE_ID,
      exitCode: 1,
      stopped: null,
    });
    expect(summary.files.results).toMatch(/acceptances\.results\.csv$/);
    expect(summary.files.failed).toMatch(/acceptances\.failed\.csv$/);
  });

  it("stops with exit 3 when the templateId cannot be resolved (404), every row still in the results", async () => {
    const s = await sim({ faults: { metadataStatus: 404 } });
    const dir = tempDir();
    copyTo(dir, SAMPLE);
    const r = await cli(s, dir, ["run", "acceptances.csv"]);
    expectExit(r, 3);
    expect(`${r.stdout}${r.stderr}`).toMatch(/templateId/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/--template-id/);
    const rows = readCsv(path.join(dir, "acceptances.results.csv"));
    expect(rows).toHaveLength(51);
    rows.forEach((row, i) => {
      const want = SAMPLE_EXPECTED[i + 1];
      if (want && want.status !== "rejected") expect(row.status, `row ${i + 1}`).toBe(want.status);
      else expect(row.status, `row ${i + 1}`).toBe("not-run");
    });
    expect(s.stats.confirmRequests).toBe(0);
    const failed = readCsv(path.join(dir, "acceptances.failed.csv"));
    expect(failed).toHaveLength(51 - 1); // all but the skipped duplicate
  });

  it("stops with exit 3 on a metadata 500 that outlasts the attempts", async () => {
    const s = await sim();
    s.setFaults({ metadataStatus: 500 });
    const dir = tempDir();
    await writeGeneratedCsv(path.join(dir, "gen.csv"), 4);
    const r = await cli(s, dir, ["run", "gen.csv", "--max-attempts", "2"]);
    expectExit(r, 3);
    expect(s.stats.metadataRequests).toBe(2);
    expect(s.stats.confirmRequests).toBe(0);
    expect(readCsv(path.join(dir, "gen.results.csv")).map((x) => x.status)).toEqual([
      "not-run",
      "not-run",
      "not-run",
      "not-run",
    ]);
  });

  it("reads the legacy export with --map and --date-format DD/MM/YYYY", async () => {
    const s = await sim();
    const dir = tempDir();
    copyTo(dir, LEGACY);
    const legacy = readCsv(LEGACY);
    expect(Object.keys(legacy[0])).toEqual([
      "Tenant",
      "Given Name",
      "Surname",
      "E-mail Address",
      "Tel",
      "Signed on",
      "Company",
      "Region",
    ]);
    const r = await cli(s, dir, [
      "run",
      "legacy-export.csv",
      "--map",
      "Tenant=customerTenantId,Given Name=firstName,Surname=lastName,Tel=phoneNumber,Signed on=dateAgreed",
      "--date-format",
      "DD/MM/YYYY",
    ]);
    expectExit(r, 1);
    const rows = readCsv(path.join(dir, "legacy-export.results.csv"));
    expect(rows).toHaveLength(legacy.length);
    expect(Object.keys(rows[0])).toEqual([...Object.keys(legacy[0]), ...RESULT_COLUMNS]);
    rows.forEach((row, i) => {
      if (i + 1 === 5)
        expect([row.status, row.errorCode]).toEqual(["invalid", "invalid-date"]); // 31/04/2025
      else if (i + 1 === 10)
        expect([row.status, row.errorCode]).toEqual(["invalid", "invalid-email"]); // blank email
      else expect(row.status, `row ${i + 1}: ${row.errorMessage}`).toBe("confirmed");
      expect(row.Company).toBe(legacy[i].Company);
    });
    // Day first: 12/01/2025 is 12 January, sent as UTC midnight.
    const listed = await fetch(
      `${s.url}/v1/customers/74e69a5d-0dd2-4a65-bd62-8881ad1b72db/agreements?agreementType=${MCA}`,
      {
        headers: { authorization: "Bearer t", "ms-contract-version": "v1" },
      },
    );
    const body = (await listed.json()) as {
      items: { dateAgreed: string; primaryContact: Record<string, string> }[];
    };
    expect(body.items).toHaveLength(1);
    expect(body.items[0].dateAgreed).toBe("2025-01-12T00:00:00.000Z");
    expect(body.items[0].primaryContact.phoneNumber).toBe("(0)20 7946 0011");
    expect(s.stats.requestsPerCustomer("8f2c6ec8-cc41-49a3-ae3a-2b7fdfe01893")).toBe(1); // " {…} " tolerated
  });
});

describe("validate", () => {
  it("writes .validation.csv with valid/invalid/skipped, sends nothing, and does not block a later run", async () => {
    const s = await sim();
    const dir = tempDir();
    copyTo(dir, SAMPLE);
    const v = await runCli(["validate", "acceptances.csv", "--quiet"], {
      cwd: dir,
      env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token", PARTNER_CENTER_BASE_URL: s.url },
      timeoutMs: 30_000,
    });
    expectExit(v, 1);
    expect(s.stats.requests).toBe(0);
    const rows = readCsv(path.join(dir, "acceptances.validation.csv"));
    expect(rows).toHaveLength(51);
    expect(Object.keys(rows[0])).toEqual([...Object.keys(sampleRows()[0]), ...RESULT_COLUMNS]);
    rows.forEach((row, i) => {
      const want = SAMPLE_EXPECTED[i + 1];
      const status = want && want.status !== "rejected" ? want.status : "valid";
      expect(row.status, `row ${i + 1}`).toBe(status);
      if (status !== "valid") expect(row.errorCode.split(";").sort()).toEqual([...want.codes].sort());
    });
    expect(fs.existsSync(path.join(dir, "acceptances.results.csv"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "acceptances.failed.csv"))).toBe(false);

    const r = await cli(s, dir, ["run", "acceptances.csv"]);
    expectExit(r, 1);
    expect(readCsv(path.join(dir, "acceptances.results.csv"))).toHaveLength(51);
  });

  it("exits 0 when every row is valid or skipped", async () => {
    const dir = tempDir();
    await writeGeneratedCsv(path.join(dir, "gen.csv"), 3);
    fs.appendFileSync(
      path.join(dir, "gen.csv"),
      `${generatedTenantId(0)},Again,Same,again@contoso.example,,2025-01-01,ACC-X\n`,
    );
    const v = await runCli(["validate", "gen.csv"], { cwd: dir, timeoutMs: 15_000 });
    expectExit(v, 0);
    expect(readCsv(path.join(dir, "gen.validation.csv")).map((x) => x.status)).toEqual([
      "valid",
      "valid",
      "valid",
      "skipped",
    ]);
  });
});

describe("template, --help, --version", () => {
  it("`template` prints a header and an example row that validate accepts", async () => {
    const dir = tempDir();
    const t = await runCli(["template"], { cwd: dir, timeoutMs: 15_000 });
    expectExit(t, 0);
    const lines = t.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    const [record] = parse<Record<string, string>>(t.stdout, { columns: true });
    expect(Object.keys(record)).toEqual([
      "customerTenantId",
      "firstName",
      "lastName",
      "email",
      "phoneNumber",
      "dateAgreed",
    ]);
    fs.writeFileSync(path.join(dir, "new.csv"), t.stdout);
    const v = await runCli(["validate", "new.csv"], { cwd: dir, timeoutMs: 15_000 });
    expectExit(v, 0);
    expect(readCsv(path.join(dir, "new.validation.csv")).map((x) => x.status)).toEqual(["valid"]);
  });

  it("--help lists every option of the contract with its default", async () => {
    const h = await runCli(["--help"], { timeoutMs: 15_000 });
    expectExit(h, 0);
    for (const command of ["run", "validate", "demo", "login", "template"])
      expect(h.stdout).toContain(`mca-confirm ${command}`);
    const options = [
      "out",
      "failed-out",
      "base-url",
      "agreement-type",
      "template-id",
      "concurrency",
      "max-rpm",
      "max-attempts",
      "timeout",
      "date-format",
      "map",
      "skip-confirmed",
      "resume",
      "overwrite",
      "log-file",
      "log-level",
      "quiet",
      "no-progress",
      "json",
    ];
    // An option's text may go on over the next lines (80 columns): joined, one line per option.
    const lines = h.stdout.replace(/\n {31}(?=\S)/g, " ").split("\n");
    for (const o of options) {
      const line = lines.find((l) => new RegExp(`^\\s+--${o}(\\s|$)`).test(l));
      expect(line, `--${o} in --help`).toBeDefined();
      expect(line, `--${o} default`).toMatch(/\(default: [^)]+\)/);
    }
    const defaultOf = (o: string) =>
      lines.find((l) => new RegExp(`^\\s+--${o}\\s`).test(l))!.match(/\(default: ([^)]+)\)/)![1];
    expect(defaultOf("concurrency")).toBe("8");
    expect(defaultOf("max-attempts")).toBe("6");
    expect(defaultOf("timeout")).toBe("30");
    expect(defaultOf("base-url")).toBe("https://api.partnercenter.microsoft.com");
    expect(defaultOf("agreement-type")).toBe(MCA);
    expect(defaultOf("log-level")).toBe("info");
    const sub = await runCli(["run", "--help"], { timeoutMs: 15_000 });
    expectExit(sub, 0);
    expect(sub.stdout).toMatch(/^Usage: mca-confirm run <input\.csv> \[options\]/);
    for (const o of options) expect(sub.stdout).toContain(`--${o}`);
  });

  it("--version prints the package version", async () => {
    const v = await runCli(["--version"], { timeoutMs: 15_000 });
    expectExit(v, 0);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(v.stdout).toBe(`${pkg.version}\n`);
  });
});
