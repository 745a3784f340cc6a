// A --date-format that reads day and month the wrong way round goes unnoticed while every day
// is 12 or less: `12/01/2025` read as MM/DD/YYYY is sent as 1 December. The rows that give it
// away are the invalid-date ones: `13/01/2025` is no date as MM/DD/YYYY but a real one as
// DD/MM/YYYY. When such rows exist and no accepted date proves the chosen order (a part above 12
// where the format expects the day), the summary and the report say "check --date-format".
import type { DateFormat } from "../validate.js";

const DAY_MONTH = /^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T].*)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const realDate = (day: number, month: number) =>
  month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH[month - 1];

interface DateFormatCheck {
  /** One row's date as the input gave it, and its errorCode. */
  observe(dateAgreed: string, errorCode: string): void;
  /** The warning, or undefined when nothing looks wrong. */
  warning(): string | undefined;
}

/** Counts, row by row, what tells a --date-format reading the wrong way round. */
export function createDateFormatCheck(format: DateFormat | undefined): DateFormatCheck {
  const dayFirst = format?.startsWith("DD") ?? false;
  let readableOtherWay = 0;
  let proving = 0;
  let accepted = 0;
  return {
    observe(dateAgreed, errorCode) {
      if (format === undefined || format === "YYYY/MM/DD") return;
      const parts = DAY_MONTH.exec(dateAgreed);
      if (!parts) return;
      const first = Number(parts[1]);
      const second = Number(parts[3]);
      const [day, month] = dayFirst ? [first, second] : [second, first];
      if (errorCode.split(";").includes("invalid-date")) {
        if (!realDate(day, month) && realDate(month, day)) readableOtherWay++;
      } else if (realDate(day, month)) {
        accepted++;
        if (day > 12) proving++;
      }
    },
    warning() {
      if (format === undefined || readableOtherWay === 0 || proving > 0) return undefined;
      const separator = format[2];
      const other = dayFirst ? `MM${separator}DD${separator}YYYY` : `DD${separator}MM${separator}YYYY`;
      return (
        `check --date-format: ${readableOtherWay} ${readableOtherWay === 1 ? "date is" : "dates are"} invalid as ${format} ` +
        `but real as ${other}, and none of the ${accepted} accepted dates has a day above 12, so they may have been ` +
        `read the wrong way round (see the dateSent column)`
      );
    },
  };
}
