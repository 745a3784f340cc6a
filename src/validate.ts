// Row validation (docs/cli.md "The input file"): InputRow → Acceptance or all its problems.
// Pure and allocation-light: it runs once per row of files with hundreds of thousands of rows.
// Messages never quote the customer's contact data (they end up in logs).
import { UsageError } from "./errors.js";
import {
  FIELDS,
  type Acceptance,
  type Field,
  type Checked,
  type InputRow,
  type LocalCode,
  type Problem,
} from "./types.js";

/** Extra day-first/month-first formats `--date-format` accepts (ISO 8601 is always accepted). */
export const DATE_FORMATS = ["MM/DD/YYYY", "DD/MM/YYYY", "DD.MM.YYYY", "DD-MM-YYYY", "YYYY/MM/DD"] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export function parseDateFormat(text: string): DateFormat {
  const format = DATE_FORMATS.find((known) => known === text.trim().toUpperCase());
  if (format === undefined) {
    throw new UsageError(
      `--date-format: "${text}" is not supported; use one of ${DATE_FORMATS.join(", ")} (ISO 8601 is always accepted)`,
    );
  }
  return format;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID, optionally in `{…}` and surrounded by spaces → lower-case GUID; otherwise undefined. */
export function normalizeTenantId(raw: string): string | undefined {
  let id = raw.trim();
  if (id.startsWith("{") && id.endsWith("}")) id = id.slice(1, -1).trim();
  return GUID.test(id) ? id.toLowerCase() : undefined;
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
const CUSTOM: Record<DateFormat, { pattern: RegExp; day: number; month: number; year: number }> = {
  "MM/DD/YYYY": {
    pattern: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})` + TIME),
    day: 2,
    month: 1,
    year: 3,
  },
  "DD/MM/YYYY": {
    pattern: new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})` + TIME),
    day: 1,
    month: 2,
    year: 3,
  },
  "DD.MM.YYYY": {
    pattern: new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})` + TIME),
    day: 1,
    month: 2,
    year: 3,
  },
  "DD-MM-YYYY": {
    pattern: new RegExp(String.raw`^(\d{1,2})-(\d{1,2})-(\d{4})` + TIME),
    day: 1,
    month: 2,
    year: 3,
  },
  "YYYY/MM/DD": {
    pattern: new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})` + TIME),
    day: 3,
    month: 2,
    year: 1,
  },
};

const DAY_MS = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  // The algorithm's years start in March, so that the leap day ends one.
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yoe = marchYear - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function digitCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) count++;
  return count;
}

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Epoch ms of a UTC wall-clock time, or undefined when a component is out of range (2023-02-29, 24:00). */
function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millisecond: number,
): number | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond;
}

type DateResult = { ms: number } | { code: LocalCode; message: string };

const num = (digits: string | undefined): number => (digits === undefined ? 0 : +digits);

function parseIso(match: RegExpExecArray): DateResult {
  const millisecond = match[7] === undefined ? 0 : Math.floor(+`0.${match[7]}` * 1000);
  const wallClockMs = utcMs(
    +match[1],
    +match[2],
    +match[3],
    num(match[4]),
    num(match[5]),
    num(match[6]),
    millisecond,
  );
  if (wallClockMs === undefined)
    return { code: "invalid-date", message: `dateAgreed ${match[0]} is not a real date and time` };
  const offset = match[8];
  if (offset === undefined || offset === "Z" || offset === "z") return { ms: wallClockMs };
  const offsetHours = +offset.slice(1, 3);
  const offsetMinutes = +offset.slice(4, 6);
  if (offsetHours > 23 || offsetMinutes > 59)
    return { code: "invalid-date", message: `dateAgreed ${match[0]} has an impossible UTC offset` };
  return { ms: wallClockMs - (offset[0] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000 };
}

function parseDate(value: string, format: DateFormat | undefined): DateResult {
  const iso = ISO.exec(value);
  if (iso !== null) return parseIso(iso);
  if (format !== undefined) {
    const custom = CUSTOM[format];
    const match = custom.pattern.exec(value);
    if (match !== null) {
      const epochMs = utcMs(
        +match[custom.year],
        +match[custom.month],
        +match[custom.day],
        num(match[4]),
        num(match[5]),
        num(match[6]),
        0,
      );
      if (epochMs === undefined)
        return {
          code: "invalid-date",
          message: `dateAgreed ${match[0]} is not a real date and time (read as ${format})`,
        };
      return { ms: epochMs };
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

/** The fields holding a control character, in FIELDS order; undefined (no array) for a clean row. */
function fieldsWithControls(fields: InputRow["fields"]): Field[] | undefined {
  let found: Field[] | undefined;
  for (const field of FIELDS) {
    const value = fields[field];
    if (value !== undefined && CONTROL_CHARACTER.test(value)) (found ??= []).push(field);
  }
  return found;
}

type ReadDate = { ms: number; iso: string } | { code: LocalCode; message: string };

/**
 * Dates as read, by their text. A file's rows share few dates (acceptances per day), so most
 * rows skip the pattern match and the formatting. Bounded: emptied when full, so a file of
 * distinct date-times costs a lookup per row, not memory.
 */
class DateCache {
  private readonly known = new Map<string, ReadDate>();
  constructor(private readonly format: DateFormat | undefined) {}

  read(text: string): ReadDate {
    let date = this.known.get(text);
    if (date === undefined) {
      const parsed = parseDate(text, this.format);
      date = "code" in parsed ? parsed : { ms: parsed.ms, iso: new Date(parsed.ms).toISOString() };
      if (this.known.size >= DATE_CACHE_SIZE) this.known.clear();
      this.known.set(text, date);
    }
    return date;
  }
}

const DATE_CACHE_SIZE = 4096;

export function createValidator(
  options: { dateFormat?: DateFormat; now?: () => number } = {},
): (row: InputRow) => Checked {
  const now = options.now ?? Date.now;
  const dates = new DateCache(options.dateFormat);
  return (row) => {
    const fields = row.fields;
    const problems: Problem[] = [];
    const withControls = fieldsWithControls(fields);
    if (withControls !== undefined) {
      problems.push({
        code: "invalid-characters",
        message: `${withControls.join(", ")} ${withControls.length > 1 ? "contain" : "contains"} control characters (a line break, NUL, ESC, …)`,
      });
    }
    const rawTenant = (fields.customerTenantId ?? "").trim();
    const customerTenantId = normalizeTenantId(rawTenant);
    if (customerTenantId === undefined) {
      problems.push({
        code: "invalid-customer-id",
        message: rawTenant === "" ? "customerTenantId is empty" : "customerTenantId is not a GUID",
      });
    }
    const firstName = (fields.firstName ?? "").trim();
    if (firstName === "") problems.push({ code: "missing-first-name", message: "firstName is empty" });
    const lastName = (fields.lastName ?? "").trim();
    if (lastName === "") problems.push({ code: "missing-last-name", message: "lastName is empty" });
    const email = (fields.email ?? "").trim();
    if (!EMAIL.test(email)) {
      problems.push({
        code: "invalid-email",
        message:
          email === ""
            ? "email is empty"
            : "email is not a valid address (one @, a dotted domain, no spaces)",
      });
    }
    const phoneNumber = (fields.phoneNumber ?? "").trim();
    if (phoneNumber !== "" && !(PHONE.test(phoneNumber) && digitCount(phoneNumber) >= MIN_PHONE_DIGITS)) {
      problems.push({
        code: "invalid-phone",
        message: `phoneNumber is not a phone number (at least ${MIN_PHONE_DIGITS} digits, optional leading +, spaces, -, ., ())`,
      });
    }
    const rawDate = (fields.dateAgreed ?? "").trim();
    let dateAgreed = "";
    if (rawDate === "") problems.push({ code: "invalid-date", message: "dateAgreed is empty" });
    else {
      const parsed = dates.read(rawDate);
      if ("code" in parsed) problems.push({ code: parsed.code, message: parsed.message });
      else {
        dateAgreed = parsed.iso;
        if (parsed.ms < EARLIEST_DATE_MS)
          problems.push({
            code: "invalid-date",
            message: `dateAgreed ${dateAgreed.slice(0, 10)} is before 2000-01-01 (an empty spreadsheet date reads as 1899 or 1900)`,
          });
        else if (parsed.ms > now())
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
