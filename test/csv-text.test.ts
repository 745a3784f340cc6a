// csvText drives csv-stringify's core with one stringifier per file; its text must be the sync
// API's, byte for byte, whatever the records and however they are batched.
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { csvText } from "../src/output/csv-text.js";

const HOSTILE: string[][] = [
  ["customerTenantId", "firstName", "email", "note"],
  ["1a2b3c4d-0000-4000-8000-000000000001", "Ada", "ada@contoso.example", ""],
  ["x", 'say "hi"', "a,b", "line\nbreak"],
  ["y", "semi;colon", "tab\there", "cr\rlf\r\n"],
  ["z", "=1+1", "+SUM(A1)", "@cmd"],
  ["", "", "", ""],
  ["ünïcödé", "名前", "\u00a0lead", "trail "],
  ["'", '"', '""', ",,,"],
];

describe("csvText", () => {
  it.each([",", ";", "\t"])("writes what csv-stringify's sync API writes (delimiter %j)", (delimiter) => {
    for (const bom of [false, true]) {
      const expected = stringify(HOSTILE, { delimiter, record_delimiter: "\n", bom });
      // One call with every record, and the same records in batches of 1, 3 and the rest.
      expect(csvText({ delimiter, bom })(HOSTILE)).toBe(expected);
      const toText = csvText({ delimiter, bom });
      const batched = [HOSTILE.slice(0, 1), HOSTILE.slice(1, 4), HOSTILE.slice(4)].map(toText).join("");
      expect(batched).toBe(expected);
    }
  });

  it("starts only the first batch with the byte order mark, and gives nothing for no records", () => {
    const toText = csvText({ delimiter: ",", bom: true });
    expect(toText([])).toBe("");
    expect(toText([["a"]])).toBe("\ufeffa\n");
    expect(toText([["b"]])).toBe("b\n");
  });
});
