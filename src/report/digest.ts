// What the report says about a chain's final rows, gathered row by row as the merge streams
// them: counts, the error codes with a sample message, the --date-format check, and the rows
// the page lists (all of them up to MAX_LISTED_ROWS; past that only those needing attention).
import type { DateFormat } from "../validate.js";
import { createDateFormatCheck } from "./date-format-check.js";
import type { ReportRow } from "./merge.js";
import { maskContacts } from "./privacy.js";

/**
 * Beyond this many rows the page lists only rows that need attention: 20,000 rows make a page of
 * about 5 MB, which a browser opens in a few seconds and a mail system still takes as an attachment.
 */
export const MAX_LISTED_ROWS = 20_000;
export const NEEDS_WORK: ReadonlySet<string> = new Set(["invalid", "rejected", "failed", "not-run"]);

export interface Problem {
  readonly code: string;
  rows: number;
  readonly statuses: Set<string>;
  sample: string;
}

export interface Digest {
  readonly total: number;
  readonly byStatus: ReadonlyMap<string, number>;
  /** Confirmed rows by how: `new-record`, `already-on-record` (the API answered 600061). */
  readonly confirmedBy: { readonly "new-record": number; readonly "already-on-record": number };
  /** Most frequent first. */
  readonly problems: readonly Problem[];
  readonly listed: readonly ReportRow[];
  /** Why fewer rows are listed than there are. */
  readonly listNote?: string;
  readonly dateWarning?: string;
}

export function createDigest(dateFormat: DateFormat | undefined) {
  const byStatus = new Map<string, number>();
  const problems = new Map<string, Problem>();
  const confirmedBy = { "new-record": 0, "already-on-record": 0 };
  const dates = createDateFormatCheck(dateFormat);
  let listed: ReportRow[] = [];
  let attentionOnly = false;
  let attention = 0;
  let total = 0;

  function addProblems(row: ReportRow): void {
    // Rows out of attempts on answers without an API code count under their HTTP status.
    const codes =
      row.errorCode || (row.httpStatus && NEEDS_WORK.has(row.status) ? `HTTP ${row.httpStatus}` : "");
    if (!codes) return;
    for (const code of codes.split(";")) {
      const problem = problems.get(code) ?? { code, rows: 0, statuses: new Set<string>(), sample: "" };
      problem.rows++;
      problem.statuses.add(row.status);
      if (!problem.sample && row.errorMessage) problem.sample = maskContacts(row.errorMessage, row.contact);
      problems.set(code, problem);
    }
  }

  function addListed(row: ReportRow): void {
    const needsWork = NEEDS_WORK.has(row.status);
    if (needsWork) attention++;
    if (!attentionOnly && listed.length >= MAX_LISTED_ROWS) {
      attentionOnly = true;
      listed = listed.filter((r) => NEEDS_WORK.has(r.status));
    }
    if ((!attentionOnly || needsWork) && listed.length < MAX_LISTED_ROWS) listed.push(row);
  }

  return {
    add(row: ReportRow): void {
      total++;
      byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
      if (row.status === "confirmed")
        confirmedBy[row.errorCode === "600061" ? "already-on-record" : "new-record"]++;
      addProblems(row);
      addListed(row);
      dates.observe(row.dateAgreed, row.errorCode);
    },
    done(): Digest {
      const sorted = [...problems.values()].sort((a, b) => b.rows - a.rows || (a.code < b.code ? -1 : 1));
      const listNote = attentionOnly
        ? `${total} rows are too many for one page: listed here are the ${listed.length} rows that need attention` +
          `${attention > listed.length ? ` (the first ${listed.length} of ${attention})` : ""}. Every row is in the results file.`
        : undefined;
      return {
        total,
        byStatus,
        confirmedBy,
        problems: sorted,
        listed,
        listNote,
        dateWarning: dates.warning(),
      };
    },
  };
}
