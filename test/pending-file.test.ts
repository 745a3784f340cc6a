// What goes into the pending file and how it is written: the selection (no confirmation, older
// than --before, --all, unreadable), the latest record's contact, formula safety, and the file
// read back by the same reader and checks that `run` and `validate` use.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AgreementRecord, CustomerSummary } from "../src/partner-center/customer-list.js";
import { latestRecord, PENDING_COLUMNS, selectPending, type Selection } from "../src/pending/select.js";
import { createOrderedRows, createPendingWriter } from "../src/pending/write.js";
import { openInput } from "../src/input/read.js";
import { createClassifier } from "../src/run/classify.js";
import { parseBefore, resolvePendingConfig } from "../src/pending/options.js";
import {
  emptyTally,
  formatPendingSummary,
  pendingExitCode,
  summarizePending,
  type PendingReport,
} from "../src/pending/summary.js";
import { removeTempDirs, tempDir } from "./helpers/cli.js";

afterAll(() => removeTempDirs());

const CUSTOMER: CustomerSummary = {
  id: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
  companyName: "Contoso",
  domain: "contoso.example",
};

function record(date: string, over: Partial<AgreementRecord> = {}): AgreementRecord {
  const agreedAt = Date.parse(date);
  return {
    firstName: "Tania",
    lastName: "Carr",
    email: "tania@example.com",
    phoneNumber: "+1 425 555 0100",
    dateAgreed: date,
    ...(Number.isNaN(agreedAt) ? {} : { agreedAt }),
    templateId: "117a77b0-9360-443b-8795-c6dedc750cf9",
    ...over,
  };
}

const MISSING: Selection = { kind: "missing" };
const BEFORE_2025: Selection = { kind: "before", before: Date.UTC(2025, 0, 1) };
const ALL: Selection = { kind: "all" };

describe("selectPending", () => {
  it("lists a customer with no confirmation on record, contact and date left to fill", () => {
    for (const selection of [MISSING, BEFORE_2025, ALL]) {
      const pending = selectPending(CUSTOMER, { records: [] }, selection);
      expect(pending?.reason).toBe("no-confirmation");
      expect(pending?.row).toEqual({
        customerTenantId: CUSTOMER.id,
        firstName: "",
        lastName: "",
        email: "",
        phoneNumber: "",
        dateAgreed: "",
        companyName: "Contoso",
        domain: "contoso.example",
        lastDateAgreed: "",
        lastTemplateId: "",
        lookupError: "",
      });
    }
  });

  it("leaves out a confirmed customer by default, whatever the record's age", () => {
    expect(
      selectPending(CUSTOMER, { records: [record("2019-03-01T00:00:00.000Z")] }, MISSING),
    ).toBeUndefined();
  });

  it("with --before, lists a customer whose latest record is older, with that record's contact and no date", () => {
    const old = record("2019-03-01T00:00:00.000Z", { firstName: "Old", email: "old@example.com" });
    const later = record("2024-12-31T23:59:59.000Z", { firstName: "Later", phoneNumber: "" });
    const pending = selectPending(CUSTOMER, { records: [later, old] }, BEFORE_2025);
    expect(pending?.reason).toBe("older");
    expect(pending?.row).toMatchObject({
      firstName: "Later",
      lastName: "Carr",
      email: "tania@example.com",
      phoneNumber: "",
      dateAgreed: "",
      lastDateAgreed: "2024-12-31T23:59:59.000Z",
      lastTemplateId: "117a77b0-9360-443b-8795-c6dedc750cf9",
    });
    const renewed = [old, record("2025-01-01T00:00:00.000Z")];
    expect(selectPending(CUSTOMER, { records: renewed }, BEFORE_2025)).toBeUndefined();
  });

  it("with --before, lists a customer whose only record has no readable date", () => {
    expect(selectPending(CUSTOMER, { records: [record("soon")] }, BEFORE_2025)?.reason).toBe("older");
  });

  it("with --all, lists a current customer with its latest confirmation", () => {
    const pending = selectPending(CUSTOMER, { records: [record("2025-06-01T00:00:00.000Z")] }, ALL);
    expect(pending?.reason).toBe("current");
    expect(pending?.row).toMatchObject({
      firstName: "Tania",
      dateAgreed: "",
      lastDateAgreed: "2025-06-01T00:00:00.000Z",
    });
  });

  it("lists a customer whose confirmations could not be read, with the reason", () => {
    for (const selection of [MISSING, BEFORE_2025, ALL]) {
      const pending = selectPending(CUSTOMER, { error: "HTTP 503 after 6 attempts" }, selection);
      expect(pending?.reason).toBe("lookup-failed");
      expect(pending?.row).toMatchObject({
        firstName: "",
        dateAgreed: "",
        lookupError: "HTTP 503 after 6 attempts",
      });
    }
  });

  it("removes control characters and terminal escapes from server texts and caps their length", () => {
    const hostile = { ...CUSTOMER, companyName: "Evil\u001b[31m\r\nCorp", domain: "x".repeat(1_000) };
    const pending = selectPending(
      hostile,
      { records: [record("2019-01-01", { lastName: "Carr\u0007" })] },
      ALL,
    );
    expect(pending?.row.companyName).toBe("Evil[31mCorp");
    expect(pending?.row.domain).toHaveLength(256);
    expect(pending?.row.lastName).toBe("Carr");
  });
});

describe("latestRecord", () => {
  it("takes the greatest date, whatever the order, and a dateless record only when nothing else", () => {
    const a = record("2020-01-01T00:00:00Z");
    const b = record("2023-01-01T00:00:00Z");
    const dateless = record("n/a");
    expect(latestRecord([a, dateless, b])).toBe(b);
    expect(latestRecord([b, a])).toBe(b);
    expect(latestRecord([dateless])).toBe(dateless);
    expect(latestRecord([])).toBeUndefined();
  });
});

describe("the pending file", () => {
  async function writeRows(rows: ReturnType<typeof selectPending>[]): Promise<string> {
    const file = path.join(tempDir(), "pending.csv");
    const writer = createPendingWriter(file);
    for (const pending of rows) if (pending) await writer.write(pending.row);
    await writer.commit();
    return file;
  }

  it("escapes cells a spreadsheet would run, and reads back with the original values", async () => {
    const formula = { ...CUSTOMER, companyName: '=HYPERLINK("http://evil.example","x")', domain: "@contoso" };
    const file = await writeRows([
      selectPending(formula, { records: [record("2019-01-01T00:00:00.000Z", { firstName: "-Ann" })] }, ALL),
    ]);
    const text = fs.readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toBe(PENDING_COLUMNS.join(","));
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(text).toContain("'@contoso");
    expect(text).toContain("'-Ann");
    expect(text).toContain("'+1 425 555 0100");
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);

    const input = await openInput(file);
    const rows = [];
    for await (const row of input.rows()) rows.push(row);
    input.close();
    expect(rows).toHaveLength(1);
    expect(rows[0].fields).toMatchObject({
      firstName: "-Ann",
      phoneNumber: "+1 425 555 0100",
      dateAgreed: "",
    });
    // Other columns pass through to the results as written: still escaped, never twice.
    expect(rows[0].cells[PENDING_COLUMNS.indexOf("companyName")]).toBe(`'${formula.companyName}`);
  });

  it("holds rows that validation reports invalid until filled in, and valid once they are", async () => {
    const file = await writeRows([
      selectPending(CUSTOMER, { records: [] }, MISSING),
      selectPending(
        { ...CUSTOMER, id: "7f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b" },
        { records: [record("2019-01-01T00:00:00.000Z")] },
        BEFORE_2025,
      ),
    ]);
    const classify = createClassifier({});
    const input = await openInput(file);
    const outcomes = [];
    for await (const row of input.rows()) outcomes.push(classify(row));
    input.close();
    expect(outcomes.map((c) => ("outcome" in c ? c.outcome.errorCode : "valid"))).toEqual([
      "missing-first-name;missing-last-name;invalid-email;invalid-date",
      "invalid-date",
    ]);

    // The operator fills in the date (and the contact where there was none).
    const filled = fs
      .readFileSync(file, "utf8")
      .replace(`${CUSTOMER.id},,,,,,`, `${CUSTOMER.id},Ana,Lima,ana@example.com,,2025-02-03,`)
      .replace(/(0100),,/, "$1,2025-02-04,");
    fs.writeFileSync(file, filled);
    const again = await openInput(file);
    const checked = [];
    for await (const row of again.rows()) checked.push(createClassifier({})(row));
    again.close();
    expect(checked.every((c) => "acceptance" in c)).toBe(true);
  });
});

describe("list order", () => {
  it("writes rows in list order whatever order their lookups finish in, skipping customers with no row", async () => {
    const file = path.join(tempDir(), "ordered.csv");
    const writer = createPendingWriter(file);
    const ordered = createOrderedRows(writer);
    const row = (id: string) => selectPending({ ...CUSTOMER, id }, { records: [] }, MISSING)!.row;
    ordered.put(3, row("00000000-0000-4000-8000-000000000003"));
    ordered.put(2, undefined);
    expect(ordered.next).toBe(1);
    ordered.put(1, row("00000000-0000-4000-8000-000000000001"));
    expect(ordered.next).toBe(4);
    ordered.put(4, row("00000000-0000-4000-8000-000000000004"));
    await ordered.drained();
    await writer.commit();
    const ids = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[0].slice(-1));
    expect(ids).toEqual(["1", "3", "4"]);
  });
});

describe("the pending summary", () => {
  const config = resolvePendingConfig({ before: "2025-01-01" }, {});
  function report(over: Partial<PendingReport> = {}): PendingReport {
    const tally = emptyTally();
    Object.assign(tally, { read: 1_234, checked: 1_234, listed: 988 });
    Object.assign(tally.byReason, { "no-confirmation": 900, older: 87, "lookup-failed": 1 });
    return { config, tally, requests: 1_240, throttled: 2, elapsedMs: 9_870, written: true, ...over };
  }

  it("counts the customers, the reasons and the file, and names the next commands", () => {
    const text = formatPendingSummary(report(), ["mca-confirm"]);
    expect(text).toContain("1,234 customers read, 987 need a confirmation");
    expect(text).toContain("87 whose latest confirmation is older than 2025-01-01");
    expect(text).toContain("1 whose confirmations could not be read");
    expect(text).toContain("Requests: 1,240 (2 throttled) in 9.9 s");
    expect(text).toContain("Written: pending.csv (988 rows)");
    expect(text).toContain("  mca-confirm run pending.csv");
    expect(pendingExitCode(report())).toBe(1);
  });

  it("says no file was written when the listing stopped, with exit 3 or 130", () => {
    const stopped = report({ written: false, stop: { kind: "auth-failed", message: "token refused" } });
    expect(formatPendingSummary(stopped, ["mca-confirm"])).toContain(
      "Stopped early: token refused\nNo file written",
    );
    expect(summarizePending(stopped)).toMatchObject({ out: null, rows: 0, exitCode: 3 });
    const interrupted = report({ written: false, stop: { kind: "interrupted", message: "Ctrl-C" } });
    expect(pendingExitCode(interrupted)).toBe(130);
  });
});

describe("--before", () => {
  it("takes a real calendar date as its UTC midnight", () => {
    expect(parseBefore("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    for (const bad of ["2023-02-29", "2025-13-01", "2025-1-5", "01/02/2025", ""]) {
      expect(() => parseBefore(bad), bad).toThrow(/--before must be a date written YYYY-MM-DD/);
    }
  });
});
