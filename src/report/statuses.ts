// The report's view of the one status table (src/statuses.ts): what each status means, whether
// its rows need action (fixed first, or re-run later: docs/cli.md "The results file"). The verdict, the
// status filter, the listing and the counts are all derived from it.

import { STATUS_LIST, STATUSES, isStatus, type Need } from "../statuses.js";

interface ReportStatus {
  readonly need: Need;
  readonly meaning: string;
}

/** A status outside the table (a hand-edited file) is looked at: it counts as one to fix. */
const OTHER: ReportStatus = { need: "to-fix", meaning: "not a status of mca-confirm" };

const NEED_ORDER: readonly Need[] = ["to-fix", "re-run-later", "done"];

/** Filter classes in display order: statuses that need action first, then "other". */
export const FILTER_STATUSES: readonly string[] = [
  ...NEED_ORDER.flatMap((need) => STATUS_LIST.filter((status) => STATUSES[status].need === need)),
  "other",
];

export function statusInfo(status: string): ReportStatus {
  return isStatus(status) ? STATUSES[status] : OTHER;
}

/** The filter class of a status: itself when the table has it, "other" else. */
export function filterClass(status: string): string {
  return isStatus(status) ? status : "other";
}

export function needsAction(status: string): boolean {
  return statusInfo(status).need !== "done";
}

/** Display order of a status: the table's order, unknown ones last. */
export function statusOrder(status: string): number {
  return FILTER_STATUSES.indexOf(filterClass(status));
}
