// Hostile and broken input files: bytes that are not UTF-8 anywhere in the file, control
// characters in fields, impossible dates and phones, an invalid row before its corrected copy,
// and cells that a spreadsheet would run as formulas behind blanks or full-width signs.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openInput } from "../src/input/read.js";
import { escapeFormula, unescapeFormula } from "../src/input/escape.js";
import { createClassifier } from "../src/run/classify.js";
import { createValidator } from "../src/validate.js";
import { InputFileError } from "../src/errors.js";
import type { InputRow } from "../src/types.js";
import {
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

const NOW = Date.UTC(2026, 0, 15);
const GOOD = {
  customerTenantId: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  phoneNumber: "+44 20 7946 0958",
  dateAgreed: "2024-03-01",
};
const HEADER = "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed";

function row(rowNumber: number, fields: Partial<typeof GOOD>): InputRow {
  return { rowNumber, line: rowNumber + 1, cells: [], fields: { ...GOOD, ...fields } };
}
const codesOf = (fields: Partial<typeof GOOD>): string[] => {
  const c = createValidator({ now: () => NOW })(row(1, fields));
  return "problems" in c ? c.problems.map((p) => p.code) : [];
};

/** A valid data line for customer number `i` (distinct GUIDs). */
function line(i: number, firstName = "Ada"): string {
  const id = `3f2504e0-4f89-11d3-9a0c-${String(i).padStart(12, "0")}`;
  return `${id},${firstName},Lovelace,ada${i}@example.com,+44 20 7946 0958,2024-03-01`;
}

describe("validation of hostile values", () => {
  it.each([
    ["NUL", "Ad\x00a"],
    ["ESC", "\x1b[31mAda"],
    ["a line break", "Ada\nLovelace"],
    ["DEL", "Ada\x7f"],
    ["a C1 control", "Ada\x9b"],
  ])("a field with %s is invalid-characters", (_, firstName) => {
    expect(codesOf({ firstName })).toEqual(["invalid-characters"]);
  });

  it("a tab inside a field is allowed", () => {
    expect(codesOf({ lastName: "Love\tlace" })).toEqual([]);
  });

  it.each(["0000-01-01", "1899-12-30", "1900-01-01", "1999-12-31T23:59:59Z"])(
    "a date before 2000-01-01 (%s) is invalid-date",
    (dateAgreed) => {
      expect(codesOf({ dateAgreed })).toEqual(["invalid-date"]);
    },
  );

  it("2000-01-01 itself is accepted", () => {
    expect(codesOf({ dateAgreed: "2000-01-01" })).toEqual([]);
  });

  it.each(["-1", "0", "123", "(12) 3", "+1"])(
    "a phone with fewer than 4 digits (%j) is invalid-phone",
    (p) => {
      expect(codesOf({ phoneNumber: p })).toEqual(["invalid-phone"]);
    },
  );

  it("a phone of 4 digits is accepted", () => {
    expect(codesOf({ phoneNumber: "1234" })).toEqual([]);
  });
});

describe("duplicates count among valid rows only", () => {
  it("an invalid row does not swallow its corrected copy; a later valid copy is the duplicate", () => {
    const classify = createClassifier({});
    const results = [
      classify(row(1, { email: "not-an-address" })),
      classify(row(2, {})),
      classify(row(3, { firstName: "Adah" })),
    ];
    expect("outcome" in results[0] && results[0].outcome).toMatchObject({
      status: "invalid",
      errorCode: "invalid-email",
    });
    expect("acceptance" in results[1]).toBe(true);
    expect("outcome" in results[2] && results[2].outcome).toMatchObject({
      status: "skipped",
      errorCode: "duplicate-customer",
    });
  });
});

describe("formula escaping behind blanks and full-width signs", () => {
  it.each([
    " =1+1",
    "\u00a0=HYPERLINK(1)",
    "\u3000@SUM(A1)",
    "  \t-5",
    "\uff1d1+1",
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "\u3000\uff1dcmd",
  ])("escapes and restores %j", (cell) => {
    expect(escapeFormula(cell)).toBe(`'${cell}`);
    expect(unescapeFormula(escapeFormula(cell))).toBe(cell);
  });

  it("leaves text with inner signs alone", () => {
    for (const cell of [" a=b", "\u00a0abc", "x\uff1d1", "1-2"]) {
      expect(escapeFormula(cell)).toBe(cell);
      expect(unescapeFormula(cell)).toBe(cell);
    }
  });
});

describe("bytes that are not UTF-8", () => {
  async function readAll(file: string): Promise<number> {
    const input = await openInput(file);
    let n = 0;
    try {
      for await (const _ of input.rows()) n++;
    } finally {
      input.close();
    }
    return n;
  }

  /** A file of `rows` valid lines whose line `badLine` (1-based, header = 1) holds `bad`. */
  function fileWith(rows: number, badLine: number, bad: Buffer): string {
    const lines = [HEADER, ...Array.from({ length: rows }, (_, i) => line(i + 1))];
    const parts = lines.map((l, i) =>
      i + 1 === badLine ? Buffer.concat([Buffer.from(l.replace("Ada", "Ad")), bad]) : Buffer.from(l),
    );
    const file = path.join(tempDir("mca-utf8-"), "in.csv");
    fs.writeFileSync(file, Buffer.concat(parts.flatMap((p) => [p, Buffer.from("\n")])));
    return file;
  }

  it.each([
    ["a Latin-1 é", Buffer.from([0xe9])],
    ["a lone continuation byte", Buffer.from([0x80])],
    ["an overlong encoding", Buffer.from([0xc0, 0xaf])],
    ["a UTF-16 surrogate", Buffer.from([0xed, 0xa0, 0x80])],
    ["a sequence cut short", Buffer.from([0xe2, 0x82])],
  ])("%s far past the first 64 KiB stops the read with its line", async (_, bad) => {
    // ~75 bytes a line: line 2000 is at ~150 KiB, past the sniffed start and the first chunk.
    const file = fileWith(3000, 2000, bad);
    expect(fs.statSync(file).size).toBeGreaterThan(200 * 1024);
    const err = await readAll(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputFileError);
    expect((err as InputFileError).line).toBe(2000);
    expect((err as Error).message).toMatch(/in\.csv:2000: the file is not UTF-8 text \(byte 0x[0-9A-F]{2}/);
  });

  it("a file that ends inside a multi-byte sequence is refused at its last line", async () => {
    const file = fileWith(10, 11, Buffer.from([0xf0, 0x9f, 0x98]));
    const err = await readAll(file).catch((e: unknown) => e);
    expect((err as InputFileError).line).toBe(11);
  });

  it("multi-byte characters cut by chunk edges are read unchanged", async () => {
    // 256 KiB chunks: a file of 4-byte characters straddles every edge somewhere.
    const lines = [HEADER, ...Array.from({ length: 6000 }, (_, i) => line(i + 1, "Ä😀字"))];
    const file = path.join(tempDir("mca-utf8-"), "ok.csv");
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    const input = await openInput(file);
    let rows = 0;
    try {
      for await (const r of input.rows()) {
        rows++;
        expect(r.fields.firstName).toBe("Ä😀字");
      }
    } finally {
      input.close();
    }
    expect(rows).toBe(6000);
  });

  it("the CLI refuses such a file with exit 2 and the line, and sends nothing", async () => {
    const sim = await trackedSimulator();
    const file = fileWith(3000, 2914, Buffer.from([0xe9]));
    const r = await runCli(["run", file, "--base-url", sim.url, "--quiet"], {
      cwd: path.dirname(file),
      env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/in\.csv:2914: the file is not UTF-8 text \(byte 0xE9/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(sim.stats.requests).toBe(0);
  });

  it("the CLI marks a row with a NUL or ESC past 64 KiB invalid-characters and sends the others", async () => {
    const sim = await trackedSimulator();
    const lines = [HEADER, ...Array.from({ length: 1200 }, (_, i) => line(i + 1))];
    lines[914] = lines[914].replace("Ada", "A\x1b[2Jda");
    lines[1000] = lines[1000].replace("Lovelace", "Love\x00lace");
    const dir = tempDir("mca-ctl-");
    const file = path.join(dir, "in.csv");
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    const r = await runCli(["run", file, "--base-url", sim.url, "--quiet"], {
      cwd: dir,
      env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(1);
    const results = readCsv(path.join(dir, "in.results.csv"));
    expect(results).toHaveLength(1200);
    const invalid = results.filter((x) => x.status === "invalid");
    expect(invalid.map((x) => [x.rowNumber, x.errorCode])).toEqual([
      ["914", "invalid-characters"],
      ["1000", "invalid-characters"],
    ]);
    expect(results.filter((x) => x.status === "confirmed")).toHaveLength(1198);
    expect(sim.stats.confirmRequests).toBe(1198);
  });
});
