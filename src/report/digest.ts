// What the report says about a chain's final rows, gathered row by row as the merge streams
// them: counts, the error codes with a sample message, the --date-format check, and the rows
// the page lists (all of them up to MAX_LISTED_ROWS; past that only those needing action).
import type { DateFormat } from "../validate.js";
import { createDateFormatCheck } from "./date-format-check.js";
import type { ReportRow } from "./merge.js";
import { maskContacts } from "./privacy.js";
import { needsAction } from "./statuses.js";

/**
 * The most rows a page lists. Headless Chromium opens a page of 10,000 listed rows in well under
 * 2 s and applies a filter in under 0.5 s (test/report-browser.test.ts); past that the page lists
 * the rows that need action and counts the others (docs/cli.md "The HTML report").
 */
export const MAX_LISTED_ROWS = 10_000;

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
  /** The rows the page lists, in input order; every row that needs action comes first to be kept. */
  readonly listed: readonly ReportRow[];
  /** Why fewer rows are listed than there are. */
  readonly listNote?: string;
  /** Rows that need action that the page does not list (past MAX_LISTED_ROWS). */
  readonly unlistedActionRows: number;
  readonly dateWarning?: string;
}

interface Ordered {
  readonly row: ReportRow;
  readonly order: number;
}

export function createDigest(dateFormat: DateFormat | undefined) {
  const byStatus = new Map<string, number>();
  const problems = new Map<string, Problem>();
  const confirmedBy = { "new-record": 0, "already-on-record": 0 };
  const dates = createDateFormatCheck(dateFormat);
  const action: Ordered[] = [];
  let others: Ordered[] | undefined = [];
  let attention = 0;
  let total = 0;

  function addProblems(row: ReportRow): void {
    // Rows out of attempts on answers without an API code count under their HTTP status.
    const codes =
      row.errorCode || (row.httpStatus && needsAction(row.status) ? `HTTP ${row.httpStatus}` : "");
    if (!codes) return;
    for (const code of codes.split(";")) {
      const problem = problems.get(code) ?? { code, rows: 0, statuses: new Set<string>(), sample: "" };
      problem.rows++;
      problem.statuses.add(row.status);
      if (!problem.sample && row.errorMessage) problem.sample = maskContacts(row.errorMessage, row.contact);
      problems.set(code, problem);
    }
  }

  // Rows needing action are kept up to the limit; the others only while they all still fit.
  function addListed(ordered: Ordered): void {
    const row = ordered.row;
    if (needsAction(row.status)) {
      attention++;
      if (action.length < MAX_LISTED_ROWS) action.push(ordered);
    } else if (others !== undefined) {
      others.push(ordered);
      if (others.length + attention > MAX_LISTED_ROWS) others = undefined;
    }
  }

  function listing(): Pick<Digest, "listed" | "listNote" | "unlistedActionRows"> {
    if (others !== undefined && others.length + attention <= MAX_LISTED_ROWS) {
      const listed = [...action, ...others].sort((a, b) => a.order - b.order).map((r) => r.row);
      return { listed, unlistedActionRows: 0 };
    }
    const unlisted = attention - action.length;
    const listNote =
      `${total.toLocaleString("en-US")} rows are more than one page lists: it lists ` +
      (unlisted > 0
        ? `the first ${action.length.toLocaleString("en-US")} of the ${attention.toLocaleString("en-US")} rows that need action`
        : `every row that needs action (${attention.toLocaleString("en-US")})`) +
      `; the others are counted under Rows per status. Every row is in the results file.`;
    return { listed: action.map((r) => r.row), listNote, unlistedActionRows: unlisted };
  }

  return {
    add(row: ReportRow): void {
      total++;
      byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
      if (row.status === "confirmed")
        confirmedBy[row.errorCode === "600061" ? "already-on-record" : "new-record"]++;
      addProblems(row);
      addListed({ row, order: total });
      dates.observe(row.dateAgreed, row.errorCode);
    },
    done(): Digest {
      const sorted = [...problems.values()].sort((a, b) => b.rows - a.rows || (a.code < b.code ? -1 : 1));
      return { total, byStatus, confirmedBy, problems: sorted, ...listing(), dateWarning: dates.warning() };
    },
  };
}
