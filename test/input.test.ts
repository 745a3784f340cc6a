import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputFileError, UsageError } from "../src/errors.js";
import { escapeFormula, unescapeFormula } from "../src/input/escape.js";
import { matchHeader, normalizeHeader, parseMap } from "../src/input/headers.js";
import { openInput } from "../src/input/read.js";
import type { InputRow } from "../src/types.js";

const fixture = (name: string): string => join(import.meta.dirname, "../fixtures/input", name);
const tmp = mkdtempSync(join(tmpdir(), "mca-input-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

async function readAll(file: string, map?: ReadonlyMap<string, never>) {
  const input = await openInput(file, map ? { map } : {});
  const rows: InputRow[] = [];
  for await (const row of input.rows()) rows.push(row);
  return { header: input.header, rows };
}

async function inputError(run: () => Promise<unknown>): Promise<InputFileError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(InputFileError);
    return err as InputFileError;
  }
  throw new Error("expected an InputFileError");
}

describe("normalizeHeader", () => {
  it("ignores case, spaces, _ and -", () => {
    for (const h of [
      "customerTenantId",
      "Customer Tenant Id",
      "customer_tenant_id",
      "CUSTOMER-TENANT-ID",
      " customer tenant\tid ",
    ]) {
      expect(normalizeHeader(h)).toBe("customertenantid");
    }
  });
});

describe("matchHeader", () => {
  it("matches every field name and alias", () => {
    const aliases: [string, string][] = [
      ["customerTenantId", "customerTenantId"],
      ["Customer ID", "customerTenantId"],
      ["tenant_id", "customerTenantId"],
      ["First Name", "firstName"],
      ["last-name", "lastName"],
      ["EMAIL", "email"],
      ["Email Address", "email"],
      ["phoneNumber", "phoneNumber"],
      ["Phone", "phoneNumber"],
      ["dateAgreed", "dateAgreed"],
      ["Acceptance Date", "dateAgreed"],
    ];
    for (const [header, field] of aliases) {
      expect(matchHeader([header]).fieldColumn, header).toEqual({ [field]: 0 });
    }
  });

  it("lists missing required fields but not the optional phone", () => {
    expect(matchHeader(["email", "notes"]).missing).toEqual([
      "customerTenantId",
      "firstName",
      "lastName",
      "dateAgreed",
    ]);
    expect(matchHeader(["tenantId", "firstName", "lastName", "email", "dateAgreed"]).missing).toEqual([]);
  });

  it("drops the result columns of a file this tool wrote", () => {
    const m = matchHeader(["tenantId", "notes", "rowNumber", "status", "userId", "errorCode"]);
    expect(m.dropped).toEqual([2, 3, 4, 5]);
  });

  it("keeps a CRM's own Status or Error Code column in a file this tool did not write", () => {
    expect(matchHeader(["tenantId", "Status", "row_number", "notes", "errorCode"]).dropped).toEqual([]);
    expect(matchHeader(["tenantId", "Status", "rowNumber", "notes"]).dropped).toEqual([]);
  });

  it("reports two columns for one field", () => {
    expect(matchHeader(["customerId", "x", "Tenant ID"]).conflict).toEqual([
      "customerTenantId",
      "customerId",
      "Tenant ID",
    ]);
  });

  it("lets --map win over the built-in names and reports unused map headers", () => {
    const map = parseMap("Tenant=customerTenantId,Signed on=dateAgreed,Nope=phone");
    const m = matchHeader(["customerId", "TENANT", "signed_on", "dateAgreed"], map);
    expect(m.fieldColumn).toEqual({ customerTenantId: 1, dateAgreed: 2 });
    expect(m.conflict).toBeUndefined();
    expect(m.unusedMap).toEqual(["nope"]);
  });
});

describe("parseMap", () => {
  it("reads header=field pairs, normalizing headers and field names", () => {
    expect([...parseMap("Tenant=customerTenantId, Signed on = DATEAGREED,Mail=email_address")]).toEqual([
      ["tenant", "customerTenantId"],
      ["signedon", "dateAgreed"],
      ["mail", "email"],
    ]);
  });

  it.each([
    ["Tenant", "Tenant"],
    ["=email", "=email"],
    ["Tenant=nope", "nope"],
    ["", "maps nothing"],
    ["A=email,B=emailAddress", "both mapped to email"],
    ["A=email,a=firstName", "mapped twice"],
  ])("refuses %j naming --map and the bad part", (spec, part) => {
    expect(() => parseMap(spec)).toThrow(UsageError);
    expect(() => parseMap(spec)).toThrow(/--map/);
    expect(() => parseMap(spec)).toThrow(part);
  });
});

describe("formula escaping", () => {
  it.each(["=1+1", "+44 20", "-5", "@SUM(A1)", "\tx", "\rx"])("escapes and restores %j", (cell) => {
    expect(escapeFormula(cell)).toBe(`'${cell}`);
    expect(unescapeFormula(escapeFormula(cell))).toBe(cell);
  });
  it("leaves other cells alone", () => {
    for (const cell of ["", "abc", "'abc", "1-2", "a=b", "'"]) {
      expect(escapeFormula(cell)).toBe(cell);
      expect(unescapeFormula(cell)).toBe(cell);
    }
  });
  it("removes exactly one quote", () => {
    expect(unescapeFormula("'=1")).toBe("=1");
    expect(unescapeFormula("''=1")).toBe("'=1");
  });
});

describe("openInput", () => {
  it("reads a comma file with quoted cells and braces as given", async () => {
    const { header, rows } = await readAll(fixture("comma.csv"));
    expect(header.delimiter).toBe(",");
    expect(header.columns).toEqual([
      "customerTenantId",
      "firstName",
      "lastName",
      "email",
      "phoneNumber",
      "dateAgreed",
      "notes",
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({
      rowNumber: 2,
      line: 3,
      cells: [
        "{6B29FC40-CA47-1067-B31D-00DD010662DA}",
        "Alan",
        "Turing",
        "alan@example.org",
        "",
        "2024-03-02T10:15:00Z",
        "quoted, with comma",
      ],
      fields: {
        customerTenantId: "{6B29FC40-CA47-1067-B31D-00DD010662DA}",
        firstName: "Alan",
        lastName: "Turing",
        email: "alan@example.org",
        phoneNumber: "",
        dateAgreed: "2024-03-02T10:15:00Z",
      },
      sourceRow: 2, // a first input is its own original
    });
  });

  it("carries a re-run file's sourceRow, and drops the column with the other result columns", async () => {
    const file = write(
      "x.failed.csv",
      "customerTenantId,firstName,lastName,email,dateAgreed,rowNumber,status,sourceRow\n" +
        "t,A,B,a@b.example,2026-01-01,1,failed,29\n" +
        "t,A,B,a@b.example,2026-01-01,2,failed,\n" +
        "t,A,B,a@b.example,2026-01-01,3,failed,x7\n",
    );
    const { header, rows } = await readAll(file);
    expect(header.columns).toEqual(["customerTenantId", "firstName", "lastName", "email", "dateAgreed"]);
    // A row added by hand (or spoiled) has no original row: the chain cannot place it.
    expect(rows.map((row) => [row.rowNumber, row.sourceRow])).toEqual([
      [1, 29],
      [2, undefined],
      [3, undefined],
    ]);
  });

  it("detects semicolons and matches aliases", async () => {
    const { header, rows } = await readAll(fixture("semicolon.csv"));
    expect(header.delimiter).toBe(";");
    expect(header.fieldColumn).toEqual({
      customerTenantId: 0,
      firstName: 1,
      lastName: 2,
      email: 3,
      phoneNumber: 4,
      dateAgreed: 5,
    });
    expect(rows[0].fields.phoneNumber).toBe("(555) 010-0199");
  });

  it("detects tabs", async () => {
    const { header, rows } = await readAll(fixture("tab.tsv"));
    expect(header.delimiter).toBe("\t");
    expect(rows[0].fields.dateAgreed).toBe("2024-02-29");
  });

  it("ignores delimiters inside quoted header cells", async () => {
    const { header, rows } = await readAll(fixture("quoted-header.csv"));
    expect(header.delimiter).toBe(";");
    expect(header.columns[0]).toBe("Notes (a, b, c, d, e, f, g)");
    expect(rows[0].cells[0]).toBe("x, y; z");
  });

  it("strips a BOM and reads CRLF lines", async () => {
    const { header, rows } = await readAll(fixture("bom-crlf.csv"));
    expect(header.columns[0]).toBe("customerTenantId");
    expect(rows.map((r) => [r.line, r.fields.lastName, r.fields.dateAgreed])).toEqual([
      [2, "Lucas", "2024-03-01"],
      [3, "Du Châtelet", "2024-03-02"],
    ]);
  });

  it("reads a results file: result columns dropped, formula quotes removed from fields only", async () => {
    const { header, rows } = await readAll(fixture("results-as-input.csv"));
    expect(header.columns).toEqual([
      "customerTenantId",
      "firstName",
      "lastName",
      "email",
      "phoneNumber",
      "dateAgreed",
      "notes",
    ]);
    expect(rows[0].cells).toEqual([
      "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
      "'=Ada",
      "Lovelace",
      "ada@example.com",
      "'+44 20 7946 0958",
      "2024-03-01",
      "'=SUM(A1)",
    ]);
    expect(rows[0].fields.firstName).toBe("=Ada");
    expect(rows[0].fields.phoneNumber).toBe("+44 20 7946 0958");
  });

  it("applies --map and gives fieldColumn as an index into the kept columns", async () => {
    const file = write("map.csv", "rowNumber,status,Tenant,Given,Family,Mail,Signed on\n1,ok,t,g,f,m,d\n");
    const map = parseMap(
      "Tenant=customerTenantId,Given=firstName,Family=lastName,Mail=email,Signed on=dateAgreed",
    );
    const input = await openInput(file, { map });
    expect(input.header.columns).toEqual(["Tenant", "Given", "Family", "Mail", "Signed on"]);
    expect(input.header.fieldColumn).toEqual({
      customerTenantId: 0,
      firstName: 1,
      lastName: 2,
      email: 3,
      dateAgreed: 4,
    });
    input.close();
  });

  it("skips empty and delimiter-only lines, pads short rows and numbers lines physically", async () => {
    const { rows } = await readAll(fixture("lines.csv"));
    expect(rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [1, 3],
      [2, 7],
    ]);
    expect(rows[0].cells[5]).toBe("two\nlines");
    expect(rows[1].cells).toEqual(["6b29fc40-ca47-1067-b31d-00dd010662da", "Alan", "", "", "", ""]);
  });

  it("numbers lines physically after a CRLF inside a quoted cell, in rows and in problems", async () => {
    const header = "customerTenantId,firstName,lastName,email,dateAgreed";
    const row = (id: number, extra = "") =>
      `3f2504e0-4f89-11d3-9a0c-${String(id).padStart(12, "0")},Ada,Lovelace,ada@example.com,2024-03-01${extra}`;
    const text = [header, row(1).replace("Ada", '"A\r\nd\r\na"'), "", row(2), row(3, ",x"), row(4, ",y")];
    const { rows } = await readAll(write("crlf-cells.csv", `${text.slice(0, 4).join("\r\n")}\r\n`));
    expect(rows.map((r) => [r.rowNumber, r.line])).toEqual([
      [1, 2],
      [2, 6],
    ]);
    const input = await openInput(write("crlf-broken.csv", `${text.join("\r\n")}\r\n`), {});
    const err = await inputError(async () => {
      for await (const _ of input.rows());
    });
    expect(err.message).toContain("crlf-broken.csv:7: row 3 (line 7) has 6 fields");
    expect(err.message).toContain("crlf-broken.csv:8: row 4 (line 8) has 6 fields");
  });

  it("reports every broken row of a file at once, each with its row and line", async () => {
    const header = "customerTenantId,firstName,lastName,email,dateAgreed";
    const lines = [header];
    for (let index = 1; index <= 25; index++)
      lines.push(`3f2504e0-4f89-11d3-9a0c-${String(index).padStart(12, "0")},A,B,a@example.com,2024-03-01,x`);
    const input = await openInput(write("all-broken.csv", lines.join("\n")), {});
    const err = await inputError(async () => {
      for await (const _ of input.rows());
    });
    expect(err.message).toMatch(/^.*all-broken\.csv: 25 lines cannot be read as CSV/);
    expect(err.message).toContain("all-broken.csv:2: row 1 (line 2) has 6 fields but the header has 5");
    expect(err.message).toContain("all-broken.csv:21: row 20 (line 21) has 6 fields");
    expect(err.message).not.toContain("all-broken.csv:22:");
    expect(err.message).toMatch(/… and 5 more$/);
  });

  it("with stopAtFirstProblem stops at the first broken row, yielding none after it", async () => {
    const header = "customerTenantId,firstName,lastName,email,dateAgreed";
    const row = (id: number) =>
      `3f2504e0-4f89-11d3-9a0c-${String(id).padStart(12, "0")},A,B,a@example.com,2024-03-01`;
    const file = write("stop-first.csv", [header, row(1), `${row(2)},x`, row(3), `${row(4)},y`].join("\n"));
    const input = await openInput(file, { stopAtFirstProblem: true });
    const seen: number[] = [];
    const err = await inputError(async () => {
      for await (const row of input.rows()) seen.push(row.rowNumber);
    });
    expect(seen).toEqual([1]);
    expect(err.message).toMatch(/stop-first\.csv:3: row 2 \(line 3\) has 6 fields/);
    expect(err.message).not.toContain("line 5");
  });

  it("stops reading when the caller stops early", async () => {
    const input = await openInput(fixture("comma.csv"), {});
    for await (const row of input.rows()) {
      expect(row.rowNumber).toBe(1);
      break;
    }
    input.close();
  });

  it("accepts a header with no data rows", async () => {
    expect((await readAll(fixture("header-only.csv"))).rows).toEqual([]);
  });

  it("allows rows() only once", async () => {
    const input = await openInput(fixture("comma.csv"), {});
    input.rows();
    expect(() => input.rows()).toThrow(/once/);
    input.close();
  });

  describe("refuses, naming the file and line", () => {
    it.each([
      ["a missing file", join(tmp, "nope.csv"), /nope\.csv: no such file/],
      ["a directory", tmp, /is a directory/],
      ["an empty file", fixture("empty.csv"), /empty\.csv:1: the file is empty/],
      ["a file of blank lines", fixture("blank.csv"), /blank\.csv:1: the file is empty/],
      ["a binary file", fixture("binary.png"), /binary\.png:1: this is not a text file/],
      ["a UTF-16 file", fixture("utf16.csv"), /utf16\.csv:1: .*UTF-16/],
      ["a non-UTF-8 file, at the line of the bad byte", fixture("latin1.csv"), /latin1\.csv:2: .*not UTF-8/],
      [
        "missing columns",
        fixture("missing-columns.csv"),
        /missing-columns\.csv:1: missing required columns customerTenantId, lastName; headers found: "tenant", "firstName", "surname".*--map/,
      ],
      [
        "two columns for one field",
        fixture("duplicate-field.csv"),
        /duplicate-field\.csv:1: columns "customerId" and "tenantId" both match the field customerTenantId/,
      ],
    ])("%s", async (_what, file, message) => {
      const err = await inputError(() => openInput(file, {}));
      expect(err.message).toMatch(message);
    });

    it("an unreadable file", async () => {
      if (process.getuid?.() === 0) return; // root reads anything
      const file = write("locked.csv", "a\n");
      chmodSync(file, 0);
      expect((await inputError(() => openInput(file, {}))).message).toMatch(/permission denied/);
    });

    it("a --map header that is not in the file", async () => {
      const err = await inputError(() =>
        openInput(fixture("comma.csv"), { map: parseMap("Tenant=customerTenantId") }),
      );
      expect(err.message).toMatch(/comma\.csv:1: --map names "tenant"/);
    });

    it.each([
      ["an unclosed quote, at the line where its record starts", "unclosed-quote.csv", 3, /never closed/],
      ["a row with more fields than the header", "too-many-fields.csv", 3, /6 fields but the header has 5/],
      ["a stray quote inside a cell", "invalid-quote.csv", 2, /invalid quoting/],
    ])("%s", async (_what, name, line, message) => {
      const input = await openInput(fixture(name), {});
      const err = await inputError(async () => {
        for await (const _ of input.rows());
      });
      expect(err.line).toBe(line);
      expect(err.message).toContain(`${name}:${line}: `);
      expect(err.message).toMatch(message);
    });

    it("an unclosed quote in a long file, before reading it all into memory", async () => {
      const row = "3f2504e0-4f89-11d3-9a0c-0305e82c3301,Ada,Lovelace,ada@example.com,2024-03-01\n";
      const file = write(
        "runaway.csv",
        "customerTenantId,firstName,lastName,email,dateAgreed\n" + row + '"' + row.repeat(20_000),
      );
      const input = await openInput(file, {});
      const err = await inputError(async () => {
        for await (const _ of input.rows());
      });
      expect(err.message).toMatch(
        /runaway\.csv:3: .*longer than 1000000 characters; probably a quoted field is never closed/,
      );
    });

    it("never quotes cell contents in CSV errors", async () => {
      const input = await openInput(fixture("invalid-quote.csv"), {});
      const err = await inputError(async () => {
        for await (const _ of input.rows());
      });
      expect(err.message).not.toContain("Love");
    });
  });

  it("streams a large file with rows in order", async () => {
    const n = 20_000;
    const lines = ["tenantId,firstName,lastName,email,dateAgreed"];
    for (let i = 0; i < n; i++)
      lines.push(
        `00000000-0000-0000-0000-${String(i).padStart(12, "0")},F${i},L${i},u${i}@example.com,2024-01-01`,
      );
    const { rows } = await readAll(write("big.csv", lines.join("\n") + "\n"));
    expect(rows).toHaveLength(n);
    expect(rows[n - 1]).toMatchObject({ rowNumber: n, line: n + 1, fields: { firstName: `F${n - 1}` } });
  });
});
