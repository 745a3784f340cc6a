import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import type { Acceptance, Checked, InputRow, Problem } from "../src/types.js";
import {
  DATE_FORMATS,
  createValidator,
  normalizeTenantId,
  parseDateFormat,
  type DateFormat,
} from "../src/validate.js";

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0); // 2024-06-15T12:00:00Z
const GOOD = {
  customerTenantId: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  phoneNumber: "+44 20 7946 0958",
  dateAgreed: "2024-03-01",
};

function check(fields: Partial<typeof GOOD>, dateFormat?: DateFormat): Checked {
  const row: InputRow = { rowNumber: 1, line: 2, cells: [], fields: { ...GOOD, ...fields } };
  return createValidator({ now: () => NOW, ...(dateFormat ? { dateFormat } : {}) })(row);
}
const ok = (fields: Partial<typeof GOOD>, dateFormat?: DateFormat): Acceptance => {
  const c = check(fields, dateFormat);
  if (!("ok" in c)) throw new Error(`expected ok, got ${JSON.stringify(c.problems)}`);
  return c.ok;
};
const problems = (fields: Partial<typeof GOOD>, dateFormat?: DateFormat): readonly Problem[] => {
  const c = check(fields, dateFormat);
  if (!("problems" in c)) throw new Error(`expected problems, got ${JSON.stringify(c.ok)}`);
  return c.problems;
};
const codes = (fields: Partial<typeof GOOD>, dateFormat?: DateFormat): string[] =>
  problems(fields, dateFormat).map((p) => p.code);
const dateOf = (dateAgreed: string, dateFormat?: DateFormat): string =>
  ok({ dateAgreed }, dateFormat).dateAgreed;

describe("a valid row", () => {
  it("is trimmed and sent as an Acceptance", () => {
    expect(
      ok({
        customerTenantId: " {3F2504E0-4F89-11D3-9A0C-0305E82C3301} ",
        firstName: " Ada ",
        email: " ada@example.com\t",
      }),
    ).toEqual({
      customerTenantId: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      phoneNumber: "+44 20 7946 0958",
      dateAgreed: "2024-03-01T00:00:00.000Z",
    });
  });
  it("omits an empty or missing phone number", () => {
    expect(ok({ phoneNumber: "  " })).not.toHaveProperty("phoneNumber");
    const row: InputRow = { rowNumber: 1, line: 2, cells: [], fields: { ...GOOD, phoneNumber: undefined } };
    expect(createValidator({ now: () => NOW })(row)).toEqual({
      ok: expect.not.objectContaining({ phoneNumber: expect.anything() }),
    });
  });
});

describe("normalizeTenantId", () => {
  it.each([
    ["3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"],
    ["3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"],
    ["{3f2504e0-4f89-11d3-9a0c-0305e82c3301}", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"],
    ["  { 3f2504e0-4f89-11d3-9a0c-0305e82c3301 }  ", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"],
  ])("accepts %j", (raw, want) => expect(normalizeTenantId(raw)).toBe(want));
  it.each([
    "",
    "3f2504e0",
    "3f2504e04f8911d39a0c0305e82c3301",
    "3f2504e0-4f89-11d3-9a0c-0305e82c330g",
    "{3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "(3f2504e0-4f89-11d3-9a0c-0305e82c3301)",
  ])("refuses %j", (raw) => expect(normalizeTenantId(raw)).toBeUndefined());
});

describe("one code per rule", () => {
  it.each([
    [{ customerTenantId: "" }, "invalid-customer-id", "customerTenantId is empty"],
    [{ customerTenantId: "not-a-guid" }, "invalid-customer-id", "customerTenantId is not a GUID"],
    [{ firstName: " " }, "missing-first-name", "firstName is empty"],
    [{ lastName: "" }, "missing-last-name", "lastName is empty"],
    [{ email: "" }, "invalid-email", "email is empty"],
    [{ phoneNumber: "call me" }, "invalid-phone", "phoneNumber is not a phone number"],
    [{ dateAgreed: "" }, "invalid-date", "dateAgreed is empty"],
    [{ dateAgreed: "yesterday" }, "invalid-date", "not an ISO 8601 date"],
    [{ dateAgreed: "03/04/2024" }, "ambiguous-date", "--date-format"],
    [{ dateAgreed: "2024-06-16" }, "future-date", "2024-06-16T00:00:00.000Z is in the future"],
  ])("%j → %s", (fields, code, message) => {
    const p = problems(fields);
    expect(p).toHaveLength(1);
    expect(p[0].code).toBe(code);
    expect(p[0].message).toContain(message);
  });

  it("reports all of a row's problems together, in field order", () => {
    expect(
      codes({
        customerTenantId: "x",
        firstName: "",
        lastName: "",
        email: "a@b",
        phoneNumber: "abc",
        dateAgreed: "2023-02-29",
      }),
    ).toEqual([
      "invalid-customer-id",
      "missing-first-name",
      "missing-last-name",
      "invalid-email",
      "invalid-phone",
      "invalid-date",
    ]);
  });

  it("never puts contact data into messages", () => {
    const secret = {
      customerTenantId: "ada@secret.example",
      firstName: "",
      email: "ada lovelace@secret",
      phoneNumber: "ada@secret phone",
      dateAgreed: "ada@secret",
    };
    for (const p of problems(secret)) expect(p.message).not.toMatch(/secret|ada/i);
  });
});

describe("email", () => {
  it.each(["a@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie"])(
    "accepts %j",
    (email) => expect(ok({ email }).email).toBe(email),
  );
  it.each([
    "plain",
    "a@@example.com",
    "a@b@example.com",
    "@example.com",
    "a@example",
    "a@example.",
    "a@.com",
    "a@exa mple.com",
    "a b@example.com",
    "a@example..com",
  ])("refuses %j", (email) => expect(codes({ email })).toEqual(["invalid-email"]));
});

describe("phone", () => {
  it.each(["+44 20 7946 0958", "(555) 010-0199", "555.010.0199", "5550100199", "+1-555-010-0199"])(
    "accepts %j",
    (phoneNumber) => expect(ok({ phoneNumber }).phoneNumber).toBe(phoneNumber),
  );
  it.each(["555-CALL", "12+34", "()", "+", "ext. 12", "555_0100"])("refuses %j", (phoneNumber) =>
    expect(codes({ phoneNumber })).toEqual(["invalid-phone"]),
  );
});

describe("dates", () => {
  it.each([
    ["2024-03-01", "2024-03-01T00:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"], // leap year
    ["2000-02-29", "2000-02-29T00:00:00.000Z"], // divisible by 400
    ["2024-03-01T10:15", "2024-03-01T10:15:00.000Z"],
    ["2024-03-01T10:15:30", "2024-03-01T10:15:30.000Z"],
    ["2024-03-01T10:15:30.5Z", "2024-03-01T10:15:30.500Z"],
    ["2024-03-01T10:15:30.123Z", "2024-03-01T10:15:30.123Z"],
    ["2024-03-01T10:15:30.1234567Z", "2024-03-01T10:15:30.123Z"],
    ["2024-03-01 10:15:30", "2024-03-01T10:15:30.000Z"],
    ["2024-03-01T10:15:30+02:00", "2024-03-01T08:15:30.000Z"],
    ["2024-03-01T01:00:00+05:30", "2024-02-29T19:30:00.000Z"], // crosses midnight and a leap day
    ["2024-03-01T22:00:00-03:00", "2024-03-02T01:00:00.000Z"],
    ["2023-12-31T23:59:59z", "2023-12-31T23:59:59.000Z"],
  ])("reads %j as %s", (raw, want) => expect(dateOf(raw)).toBe(want));

  it.each([
    "2024-02-30",
    "2023-02-29",
    "1900-02-29",
    "2024-13-01",
    "2024-00-10",
    "2024-04-31",
    "2024-03-00",
    "2024-03-01T24:00",
    "2024-03-01T10:60",
    "2024-03-01T10:15:60",
    "2024-03-01T10:00+24:00",
  ])("refuses the impossible %j", (dateAgreed) => expect(codes({ dateAgreed })).toEqual(["invalid-date"]));

  it.each([
    "2024-3-1",
    "20240301",
    "2024-03-01T10",
    "2024-03-01T10:15+0200",
    "March 1, 2024",
    "1709251200",
    "2024-03-01Z",
  ])("refuses the unparseable %j", (dateAgreed) => expect(codes({ dateAgreed })).toEqual(["invalid-date"]));

  it.each([
    "03/04/2024",
    "3/4/2024",
    "03.04.2024",
    "13/04/2024",
    "03-04-2024",
    "2024/03/04",
    "03/04/2024 10:00",
  ])("calls %j ambiguous without --date-format", (dateAgreed) =>
    expect(codes({ dateAgreed })).toEqual(["ambiguous-date"]),
  );

  it.each<[DateFormat, string, string]>([
    ["MM/DD/YYYY", "03/04/2024", "2024-03-04T00:00:00.000Z"],
    ["MM/DD/YYYY", "3/4/2024 7:05", "2024-03-04T07:05:00.000Z"],
    ["DD/MM/YYYY", "03/04/2024", "2024-04-03T00:00:00.000Z"],
    ["DD/MM/YYYY", "29/02/2024 23:59:59", "2024-02-29T23:59:59.000Z"],
    ["DD.MM.YYYY", "31.12.2023", "2023-12-31T00:00:00.000Z"],
    ["DD-MM-YYYY", "01-02-2024", "2024-02-01T00:00:00.000Z"],
    ["YYYY/MM/DD", "2024/02/01", "2024-02-01T00:00:00.000Z"],
    ["DD.MM.YYYY", "2024-05-06", "2024-05-06T00:00:00.000Z"], // ISO still accepted
  ])("with --date-format %s reads %j as %s", (format, raw, want) => expect(dateOf(raw, format)).toBe(want));

  it.each<[DateFormat, string]>([
    ["DD/MM/YYYY", "30/02/2024"],
    ["MM/DD/YYYY", "02/29/2023"],
    ["MM/DD/YYYY", "13/01/2024"],
    ["DD.MM.YYYY", "01.01.2024 24:00"],
    ["DD.MM.YYYY", "01/01/2024"], // another format
    ["MM/DD/YYYY", "1/2/24"], // two-digit year
  ])("with --date-format %s refuses %j", (format, raw) =>
    expect(codes({ dateAgreed: raw }, format)).toEqual(["invalid-date"]),
  );

  it("accepts today (date only) and now, refuses anything later", () => {
    expect(dateOf("2024-06-15")).toBe("2024-06-15T00:00:00.000Z");
    expect(dateOf("2024-06-15T12:00:00Z")).toBe("2024-06-15T12:00:00.000Z");
    expect(dateOf("2024-06-15T14:00:00+02:00")).toBe("2024-06-15T12:00:00.000Z");
    expect(codes({ dateAgreed: "2024-06-15T12:00:00.001Z" })).toEqual(["future-date"]);
    expect(codes({ dateAgreed: "2024-06-15T13:00:00+00:59" })).toEqual(["future-date"]);
    expect(codes({ dateAgreed: "16/06/2024" }, "DD/MM/YYYY")).toEqual(["future-date"]);
  });

  it("uses the real clock by default", () => {
    const row: InputRow = { rowNumber: 1, line: 2, cells: [], fields: { ...GOOD, dateAgreed: "2999-01-01" } };
    expect(createValidator({})(row)).toEqual({
      problems: [expect.objectContaining({ code: "future-date" })],
    });
  });
});

describe("parseDateFormat", () => {
  it("accepts every listed format, case-insensitively", () => {
    for (const f of DATE_FORMATS) {
      expect(parseDateFormat(f)).toBe(f);
      expect(parseDateFormat(f.toLowerCase())).toBe(f);
    }
  });
  it("names --date-format and the accepted values", () => {
    expect(() => parseDateFormat("YYYYMMDD")).toThrow(UsageError);
    expect(() => parseDateFormat("YYYYMMDD")).toThrow(
      /--date-format.*"YYYYMMDD".*MM\/DD\/YYYY, DD\/MM\/YYYY, DD\.MM\.YYYY/,
    );
  });
});
