// What `pending` tells its user at the end: counts, where the file is and what to do with it,
// or why no file was written. The JSON form carries the same facts for schedulers.

import type { SignedIn } from "../auth/claims.js";
import { EXIT, signalExitCode } from "../exit-codes.js";
import { formatDuration } from "../duration.js";
import type { StopKind } from "../engine/stop.js";
import { shellQuote, signedInJson, signedInLine, type SignedInJson } from "../output/summary.js";
import type { PendingConfig } from "./options.js";
import type { Reason } from "./select.js";

export interface PendingTally {
  /** Distinct customers read from the list. */
  read: number;
  /** Customers whose confirmations were looked up (successfully or not). */
  checked: number;
  /** Rows in the pending file. */
  listed: number;
  readonly byReason: Record<Reason, number>;
  /** Customers the list named a second time (read once). */
  duplicates: number;
  /** List items without a customer id. */
  unusable: number;
  /** Customers who accepted the MCA directly: left out of the file. */
  acceptedDirectly: number;
  /** Customers whose direct-acceptance status could not be read: treated as not accepted. */
  directUnread: number;
}

export interface PendingReport {
  readonly config: PendingConfig;
  readonly tally: PendingTally;
  readonly requests: number;
  readonly throttled: number;
  readonly elapsedMs: number;
  readonly stop?: { readonly kind: StopKind; readonly message: string; readonly signal?: NodeJS.Signals };
  /** The file was written (never when the listing stopped early: it would look complete). */
  readonly written: boolean;
  /** The partner tenant and user the token named (none for an opaque token). */
  readonly signedIn?: SignedIn;
}

interface PendingSummaryJson {
  readonly command: "pending";
  readonly customersRead: number;
  readonly needConfirmation: number;
  readonly rows: number;
  readonly noConfirmation: number;
  readonly olderThanBefore: number;
  readonly confirmedListed: number;
  readonly lookupFailed: number;
  readonly duplicates: number;
  readonly unusableItems: number;
  readonly acceptedDirectly: number;
  readonly directStatusUnread: number;
  readonly out: string | null;
  readonly requests: number;
  readonly throttled: number;
  readonly elapsedSeconds: number;
  readonly stopped?: { readonly reason: StopKind; readonly message: string };
  readonly signedIn: SignedInJson;
  /** The same shape as a refusal's (cli.ts): the stop's reason and message, or null. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly exitCode: number;
}

export function emptyTally(): PendingTally {
  return {
    read: 0,
    checked: 0,
    listed: 0,
    byReason: { "no-confirmation": 0, older: 0, current: 0, "lookup-failed": 0 },
    duplicates: 0,
    unusable: 0,
    acceptedDirectly: 0,
    directUnread: 0,
  };
}

/** As `run`: 130 Ctrl-C, 143 SIGTERM, 3 stopped early, 1 some customers could not be checked, else 0. */
export function pendingExitCode(report: PendingReport): number {
  if (report.stop)
    return report.stop.kind === "interrupted" ? signalExitCode(report.stop.signal) : EXIT.stopped;
  return report.tally.byReason["lookup-failed"] > 0 ? EXIT.needsWork : EXIT.done;
}

export function summarizePending(report: PendingReport): PendingSummaryJson {
  const reasons = report.tally.byReason;
  return {
    command: "pending",
    customersRead: report.tally.read,
    needConfirmation: reasons["no-confirmation"] + reasons.older,
    rows: report.written ? report.tally.listed : 0,
    noConfirmation: reasons["no-confirmation"],
    olderThanBefore: reasons.older,
    confirmedListed: reasons.current,
    lookupFailed: reasons["lookup-failed"],
    duplicates: report.tally.duplicates,
    unusableItems: report.tally.unusable,
    acceptedDirectly: report.tally.acceptedDirectly,
    directStatusUnread: report.tally.directUnread,
    out: report.written ? report.config.out : null,
    requests: report.requests,
    throttled: report.throttled,
    elapsedSeconds: Math.round(report.elapsedMs / 100) / 10,
    ...(report.stop ? { stopped: { reason: report.stop.kind, message: report.stop.message } } : {}),
    signedIn: signedInJson(report.signedIn),
    error: report.stop ? { code: report.stop.kind, message: report.stop.message } : null,
    exitCode: pendingExitCode(report),
  };
}

const count = (n: number) => n.toLocaleString("en-US");

function beforeText(config: PendingConfig): string {
  return config.selection.kind === "before"
    ? new Date(config.selection.before).toISOString().slice(0, 10)
    : "";
}

/** The lines under the headline: one per reason that occurred. */
function reasonLines(s: PendingSummaryJson, config: PendingConfig): string[] {
  const lines: string[] = [];
  if (s.noConfirmation > 0) lines.push(`  ${count(s.noConfirmation)} with no confirmation on record`);
  if (s.olderThanBefore > 0)
    lines.push(
      `  ${count(s.olderThanBefore)} whose latest confirmation is older than ${beforeText(config)} (its contact filled in)`,
    );
  if (s.confirmedListed > 0)
    lines.push(`  ${count(s.confirmedListed)} confirmed already (--all; latest confirmation shown)`);
  if (s.lookupFailed > 0)
    lines.push(
      `  ${count(s.lookupFailed)} whose confirmations could not be read (see lookupError; run pending again later)`,
    );
  if (s.duplicates > 0) lines.push(`  ${count(s.duplicates)} listed twice by the API (kept once)`);
  if (s.unusableItems > 0)
    lines.push(`  ${count(s.unusableItems)} list entries without a customer id (skipped)`);
  if (s.acceptedDirectly > 0)
    lines.push(
      `  accepted directly: ${count(s.acceptedDirectly)} (in the Microsoft 365 admin center; not listed)`,
    );
  if (s.directStatusUnread > 0)
    lines.push(
      `  ${count(s.directStatusUnread)} whose direct acceptance could not be read (treated as not accepted)`,
    );
  return lines;
}

/**
 * The summary; `program` spells the follow-up commands (none without it), which carry `carried`:
 * the options in force that they need to reach the same API the same way (--base-url, --proxy …).
 */
export function formatPendingSummary(
  report: PendingReport,
  program?: readonly string[],
  carried: readonly string[] = [],
): string {
  const s = summarizePending(report);
  const lines = [
    "",
    `${count(s.customersRead)} customers read, ${count(s.needConfirmation)} need a confirmation`,
    ...reasonLines(s, report.config),
    ...signedInLine(s.signedIn),
    `Requests: ${count(s.requests)}${s.throttled > 0 ? ` (${count(s.throttled)} throttled)` : ""} in ${formatDuration(s.elapsedSeconds, { tenths: true })}`,
  ];
  if (report.stop) {
    lines.push(
      report.stop.kind === "interrupted"
        ? "Interrupted: no file written (the list would be incomplete). Run pending again."
        : `Stopped early: ${report.stop.message}`,
      ...(report.stop.kind === "interrupted" ? [] : ["No file written: the list would be incomplete."]),
    );
  } else if (s.rows === 0) {
    lines.push(`Written: ${report.config.out} (no customer needs a confirmation: header only)`);
  } else if (!program) {
    lines.push(`Written: ${report.config.out} (${count(s.rows)} rows)`);
  } else {
    const file = report.config.out;
    lines.push(
      `Written: ${file} (${count(s.rows)} rows)`,
      "Next: fill in firstName, lastName, email and dateAgreed (phoneNumber is optional; check the contacts filled in), then:",
      `  ${[...program, "validate", file, ...carried].map(shellQuote).join(" ")}`,
      `  ${[...program, "run", file, ...carried].map(shellQuote).join(" ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
