// Row validation (docs/cli.md "The input file"): InputRow → Acceptance or all its problems.
// Pure and allocation-light: it runs once per row of files with hundreds of thousands of rows.
// Messages never quote the customer's contact data (they end up in logs).
import { UsageError } from "./errors.js";
import {
  FIELDS,
  type Acceptance,
  type Checked,
  type InputRow,
  type LocalCode,
  type Problem,
} from "./types.js";

/** Extra day-first/month-first formats `--date-format` accepts (ISO 8601 is always accepted). */
export const DATE_FORMATS = ["MM/DD/YYYY", "DD/MM/YYYY", "DD.MM.YYYY", "DD-MM-YYYY", "YYYY/MM/DD"] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export function parseDateFormat(s: string): DateFormat {
  const f = DATE_FORMATS.find((d) => d === s.trim().toUpperCase());
  if (f === undefined) {
    throw new UsageError(
      `--date-format: "${s}" is not supported; use one of ${DATE_FORMATS.join(", ")} (ISO 8601 is always accepted)`,
    );
  }
  return f;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID, optionally in `{…}` and surrounded by spaces → lower-case GUID; otherwise undefined. */
export function normalizeTenantId(raw: string): string | undefined {
  let s = raw.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1).trim();
  return GUID.test(s) ? s.toLowerCase() : undefined;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const PHONE = /^\+?[\d\s\-.()]+$/;
/** Fewer digits than this is no reachable number (`-1`, `0`, `()`); the shortest real ones have 4-5. */
const MIN_PHONE_DIGITS = 4;
// C0 controls except tab, DEL and C1 controls: NUL, ESC and the like come from a broken export
// and would reach the API and the operator's terminal; such a row is invalid, not sent.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
/**
 * An empty date cell in Excel reads as 1899-12-30/1900-01-01; no Customer Agreement predates
 * its 2019 launch, so anything before 2000 is a mistake, not an acceptance.
 */
const EARLIEST_DATE_MS = Date.UTC(2000, 0, 1);
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?)?$/;
/** Any d/m/y-looking date: slashed, dotted or dashed with the year last, or slashed with the year first. */
const LOOKS_DMY = /^(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}[/.]\d{1,2}[/.]\d{1,2})(?:[ T].*)?$/;
const TIME = String.raw`(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$`;
/** Capture order per format: day, month, year, then hour, minute, second. */
const CUSTOM: Record<DateFormat, { re: RegExp; d: number; m: number; y: number }> = {
  "MM/DD/YYYY": { re: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})` + TIME), d: 2, m: 1, y: 3 },
  "DD/MM/YYYY": { re: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})` + TIME), d: 1, m: 2, y: 3 },
  "DD.MM.YYYY": { re: new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})` + TIME), d: 1, m: 2, y: 3 },
  "DD-MM-YYYY": { re: new RegExp(String.raw`^(\d{1,2})-(\d{1,2})-(\d{4})` + TIME), d: 1, m: 2, y: 3 },
  "YYYY/MM/DD": { re: new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})` + TIME), d: 3, m: 2, y: 1 },
};

const DAY_MS = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) n++;
  return n;
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Epoch ms of a UTC wall-clock time, or undefined when a component is out of range (2023-02-29, 24:00). */
function utcMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1) return undefined;
  if (d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1])) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

type DateResult = { ms: number } | { code: LocalCode; message: string };

const num = (s: string | undefined): number => (s === undefined ? 0 : +s);

function parseIso(m: RegExpExecArray): DateResult {
  const ms = m[7] === undefined ? 0 : Math.floor(+`0.${m[7]}` * 1000);
  const t = utcMs(+m[1], +m[2], +m[3], num(m[4]), num(m[5]), num(m[6]), ms);
  if (t === undefined)
    return { code: "invalid-date", message: `dateAgreed ${m[0]} is not a real date and time` };
  const off = m[8];
  if (off === undefined || off === "Z" || off === "z") return { ms: t };
  const oh = +off.slice(1, 3);
  const om = +off.slice(4, 6);
  if (oh > 23 || om > 59)
    return { code: "invalid-date", message: `dateAgreed ${m[0]} has an impossible UTC offset` };
  return { ms: t - (off[0] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000 };
}

function parseDate(value: string, format: DateFormat | undefined): DateResult {
  const iso = ISO.exec(value);
  if (iso !== null) return parseIso(iso);
  if (format !== undefined) {
    const c = CUSTOM[format];
    const m = c.re.exec(value);
    if (m !== null) {
      const t = utcMs(+m[c.y], +m[c.m], +m[c.d], num(m[4]), num(m[5]), num(m[6]), 0);
      if (t === undefined)
        return {
          code: "invalid-date",
          message: `dateAgreed ${m[0]} is not a real date and time (read as ${format})`,
        };
      return { ms: t };
    }
    return { code: "invalid-date", message: `dateAgreed is neither ISO 8601 (YYYY-MM-DD) nor ${format}` };
  }
  const dmy = LOOKS_DMY.exec(value);
  if (dmy !== null) {
    return {
      code: "ambiguous-date",
      message: `dateAgreed ${dmy[1]} is not ISO 8601 (YYYY-MM-DD); say how to read it with --date-format (${DATE_FORMATS.join(", ")})`,
    };
  }
  return {
    code: "invalid-date",
    message: "dateAgreed is not an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:mm:ssZ)",
  };
}

export function createValidator(
  options: { dateFormat?: DateFormat; now?: () => number } = {},
): (row: InputRow) => Checked {
  const { dateFormat } = options;
  const now = options.now ?? Date.now;
  return (row) => {
    const f = row.fields;
    const problems: Problem[] = [];
    const withControls = FIELDS.filter((field) => CONTROL_CHARACTER.test(f[field] ?? ""));
    if (withControls.length > 0) {
      problems.push({
        code: "invalid-characters",
        message: `${withControls.join(", ")} ${withControls.length > 1 ? "contain" : "contains"} control characters (a line break, NUL, ESC, …)`,
      });
    }
    const rawTenant = (f.customerTenantId ?? "").trim();
    const customerTenantId = normalizeTenantId(rawTenant);
    if (customerTenantId === undefined) {
      problems.push({
        code: "invalid-customer-id",
        message: rawTenant === "" ? "customerTenantId is empty" : "customerTenantId is not a GUID",
      });
    }
    const firstName = (f.firstName ?? "").trim();
    if (firstName === "") problems.push({ code: "missing-first-name", message: "firstName is empty" });
    const lastName = (f.lastName ?? "").trim();
    if (lastName === "") problems.push({ code: "missing-last-name", message: "lastName is empty" });
    const email = (f.email ?? "").trim();
    if (!EMAIL.test(email)) {
      problems.push({
        code: "invalid-email",
        message:
          email === ""
            ? "email is empty"
            : "email is not a valid address (one @, a dotted domain, no spaces)",
      });
    }
    const phoneNumber = (f.phoneNumber ?? "").trim();
    if (phoneNumber !== "" && !(PHONE.test(phoneNumber) && digitCount(phoneNumber) >= MIN_PHONE_DIGITS)) {
      problems.push({
        code: "invalid-phone",
        message: `phoneNumber is not a phone number (at least ${MIN_PHONE_DIGITS} digits, optional leading +, spaces, -, ., ())`,
      });
    }
    const rawDate = (f.dateAgreed ?? "").trim();
    let dateAgreed = "";
    if (rawDate === "") problems.push({ code: "invalid-date", message: "dateAgreed is empty" });
    else {
      const d = parseDate(rawDate, dateFormat);
      if ("code" in d) problems.push({ code: d.code, message: d.message });
      else {
        dateAgreed = new Date(d.ms).toISOString();
        if (d.ms < EARLIEST_DATE_MS)
          problems.push({
            code: "invalid-date",
            message: `dateAgreed ${dateAgreed.slice(0, 10)} is before 2000-01-01 (an empty spreadsheet date reads as 1899 or 1900)`,
          });
        else if (d.ms > now())
          problems.push({ code: "future-date", message: `dateAgreed ${dateAgreed} is in the future` });
      }
    }
    if (problems.length > 0) return { problems };
    const ok: Acceptance =
      phoneNumber === ""
        ? { customerTenantId: customerTenantId!, firstName, lastName, email, dateAgreed }
        : { customerTenantId: customerTenantId!, firstName, lastName, email, phoneNumber, dateAgreed };
    return { ok };
  };
}
