// The first line of the report: what the operator has to do, read off the final counts
// (docs/cli.md "The HTML report"). Interrupted wins: resuming comes before any fixing or re-running.
import type { Need } from "../statuses.js";
import { needsAction, statusInfo, statusOrder } from "./statuses.js";

export interface Verdict {
  readonly kind: "complete" | "action" | "interrupted";
  /** The first line, e.g. "13 rows need action". */
  readonly headline: string;
  /** The line under it: how many to fix and how many to re-run, by status. */
  readonly detail: string;
  /** The command that continues an interrupted run, when known. */
  readonly resumeCommand?: string;
}

const rows = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "row" : "rows"}`;

function byNeed(byStatus: ReadonlyMap<string, number>, need: Need): [string, number][] {
  return [...byStatus]
    .filter(([status, n]) => n > 0 && statusInfo(status).need === need)
    .sort((a, b) => statusOrder(a[0]) - statusOrder(b[0]));
}

const sum = (entries: [string, number][]) => entries.reduce((n, [, count]) => n + count, 0);
const list = (entries: [string, number][]) => entries.map(([s, n]) => `${s} ${n}`).join(", ");

/** "8 to fix, then re-run (invalid 5, rejected 3); 5 to re-run later (failed 4, not-run 1)". */
function actionDetail(byStatus: ReadonlyMap<string, number>): string {
  const fix = byNeed(byStatus, "to-fix");
  const rerun = byNeed(byStatus, "re-run-later");
  const parts: string[] = [];
  if (fix.length > 0) parts.push(`${sum(fix)} to fix, then re-run (${list(fix)})`);
  if (rerun.length > 0) parts.push(`${sum(rerun)} to re-run later (${list(rerun)})`);
  return parts.join("; ");
}

export function verdictOf(
  byStatus: ReadonlyMap<string, number>,
  interrupted?: { readonly resumeCommand?: string },
): Verdict {
  const action = [...byStatus].reduce((n, [status, count]) => n + (needsAction(status) ? count : 0), 0);
  if (interrupted) {
    const how = interrupted.resumeCommand ?? "the run's own command and --resume";
    return {
      kind: "interrupted",
      headline: `Interrupted: resume with ${how}`,
      detail: action > 0 ? `${rows(action)} need action so far: ${actionDetail(byStatus)}` : "",
      resumeCommand: interrupted.resumeCommand,
    };
  }
  if (action > 0)
    return {
      kind: "action",
      headline: `${rows(action)} ${action === 1 ? "needs" : "need"} action`,
      detail: actionDetail(byStatus),
    };
  const done = byNeed(byStatus, "done");
  return {
    kind: "complete",
    headline:
      done.length === 0
        ? "Complete: the file has no rows"
        : `Complete: every row ${done.map(([status]) => status).join(" or ")}`,
    detail: done.length > 1 ? list(done) : "",
  };
}
