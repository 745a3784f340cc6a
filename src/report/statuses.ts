// Every status the report knows, declared once: what it means, whether its rows need action
// (fixed first, or re-run later: docs/cli.md "Statuses") and the word the verdict uses. The
// verdict, the status filter, the listing and the counts are all derived from this table, so a
// new status is one line here.

/** What a row of this status asks of the operator. */
export type Action = "fix" | "rerun" | "none";

export interface StatusInfo {
  readonly action: Action;
  readonly meaning: string;
}

export const STATUSES = {
  invalid: { action: "fix", meaning: "failed the checks; never sent" },
  rejected: { action: "fix", meaning: "the API refused it for good" },
  failed: { action: "rerun", meaning: "attempts used up on passing errors" },
  "not-run": { action: "rerun", meaning: "the run stopped before this row" },
  confirmed: { action: "none", meaning: "the API recorded the confirmation (or already had it)" },
  skipped: { action: "none", meaning: "duplicate row, or already confirmed" },
  valid: { action: "none", meaning: "checked, would be sent (dry run or validate)" },
} as const satisfies Readonly<Record<string, StatusInfo>>;

/** A status outside the table (a hand-edited file) is looked at: it counts as one to fix. */
const OTHER: StatusInfo = { action: "fix", meaning: "not a status of mca-confirm" };

/** Filter classes in display order: the table's statuses, then "other". */
export const FILTER_STATUSES: readonly string[] = [...Object.keys(STATUSES), "other"];

export function statusInfo(status: string): StatusInfo {
  return Object.hasOwn(STATUSES, status) ? STATUSES[status as keyof typeof STATUSES] : OTHER;
}

/** The filter class of a status: itself when the table has it, "other" else. */
export function filterClass(status: string): string {
  return Object.hasOwn(STATUSES, status) ? status : "other";
}

export function needsAction(status: string): boolean {
  return statusInfo(status).action !== "none";
}

/** Display order of a status: the table's order, unknown ones last. */
export function statusOrder(status: string): number {
  return FILTER_STATUSES.indexOf(filterClass(status));
}
