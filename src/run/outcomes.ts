// Every Outcome of a run is built here: one record per input row, whatever happened to it.
import type { RequestIds } from "../partner-center/client.js";
import type { RecordedAgreement } from "../partner-center/answers.js";
import type { Verdict } from "../partner-center/verdict.js";
import type { Outcome, Problem } from "../types.js";
import type { RunStop } from "./stop.js";

/** How far a row got before the run stopped: its attempts and the ids they carried. */
export interface Unfinished {
  readonly attempts: number;
  readonly ids: RequestIds;
}

/** How a call with its retries ended; `stopped` when the run stopped first. */
export type CallEnd =
  | { readonly end: "ok"; readonly verdict: Extract<Verdict, { kind: "ok" }> }
  | { readonly end: "rejected"; readonly verdict: Extract<Verdict, { kind: "rejected" }> }
  | { readonly end: "failed"; readonly verdict: Extract<Verdict, { kind: "retryable" }> }
  | { readonly end: "stopped"; readonly verdict?: Verdict };

export interface CallResult {
  readonly result: CallEnd;
  readonly attempts: number;
  readonly ids: RequestIds;
  /** Ids the API echoed on its last answer, when it answered. */
  readonly answered?: { requestId?: string; correlationId?: string };
}

export function invalidOutcome(rowNumber: number, problems: readonly Problem[]): Outcome {
  return {
    rowNumber,
    status: "invalid",
    errorCode: problems.map((problem) => problem.code).join(";"),
    errorMessage: problems.map((problem) => problem.message).join("; "),
    attempts: 0,
  };
}

export function duplicateOutcome(rowNumber: number): Outcome {
  return {
    rowNumber,
    status: "skipped",
    errorCode: "duplicate-customer",
    errorMessage: "this customer appears on an earlier row; only the first is sent",
    attempts: 0,
  };
}

/** A bulk tool row the partner did not mark as attested (input/bulk-tool.ts): never sent. */
export function notAttestedOutcome(rowNumber: number): Outcome {
  return {
    rowNumber,
    status: "skipped",
    errorCode: "not-attested",
    errorMessage:
      "PartnerAttestationCompleted is not True: the customer's acceptance was not attested, so it is not sent",
    attempts: 0,
  };
}

/** `validate`: the row would be sent. */
export function validOutcome(rowNumber: number): Outcome {
  return { rowNumber, status: "valid", attempts: 0 };
}

/** A row the run stopped before it finished; its ids only when it was sent at least once. */
export function notRunOutcome(rowNumber: number, stop: RunStop, unfinished?: Unfinished): Outcome {
  const kind = stop.reason?.kind;
  const sent = unfinished !== undefined && unfinished.attempts > 0;
  return {
    rowNumber,
    status: "not-run",
    errorCode: kind === "interrupted" || kind === "auth-failed" ? kind : undefined,
    errorMessage: stop.reason?.message ?? "the run stopped before this row was sent",
    attempts: unfinished?.attempts ?? 0,
    requestId: sent ? unfinished.ids.requestId : undefined,
    correlationId: sent ? unfinished.ids.correlationId : undefined,
  };
}

/** --skip-confirmed found this contact on record: nothing is sent; the row carries the record's userId. */
export function alreadyConfirmedOutcome(
  rowNumber: number,
  listed: CallResult,
  now: number,
  record: RecordedAgreement,
): Outcome {
  return {
    rowNumber,
    status: "skipped",
    userId: record.userId,
    errorCode: "already-confirmed",
    errorMessage: "the customer already has this confirmation on record",
    attempts: 0,
    requestId: listed.answered?.requestId ?? listed.ids.requestId,
    correlationId: listed.ids.correlationId,
    completedAt: new Date(now).toISOString(),
  };
}

/** --skip-confirmed: the customer accepted the MCA directly, so no confirmation is needed or sent. */
export function acceptedDirectlyOutcome(rowNumber: number, status: CallResult, now: number): Outcome {
  return {
    rowNumber,
    status: "skipped",
    errorCode: "accepted-directly",
    errorMessage:
      "the customer accepted the MCA directly (Microsoft 365 admin center): no confirmation needed",
    attempts: 0,
    requestId: status.answered?.requestId ?? status.ids.requestId,
    correlationId: status.ids.correlationId,
    completedAt: new Date(now).toISOString(),
  };
}

/**
 * A 600061 row with the record the listing showed, or with why it could not be read: the row is
 * confirmed either way (the API said so), but the evidence names what is missing.
 */
export function onRecordOutcome(
  outcome: Outcome,
  record: RecordedAgreement | { readonly unread: string },
): Outcome {
  if ("unread" in record) {
    return {
      ...outcome,
      errorMessage: `already on record, but the userId could not be read: ${record.unread}`,
    };
  }
  const since = record.dateAgreed ? ` (recorded dateAgreed ${record.dateAgreed})` : "";
  return { ...outcome, userId: record.userId, errorMessage: `already on record${since}` };
}

/** The last time made into text, and its text: a busy run finishes several rows a millisecond. */
let lastCompleted = { at: Number.NaN, text: "" };

function completedAt(now: number): string {
  if (now !== lastCompleted.at) lastCompleted = { at: now, text: new Date(now).toISOString() };
  return lastCompleted.text;
}

/** The outcome of a row whose call ended; undefined when the run stopped it. */
export function callOutcome(rowNumber: number, call: CallResult, now: number): Outcome | undefined {
  const result = call.result;
  if (result.end === "stopped") return undefined;
  const verdict = result.verdict;
  const ok = result.end === "ok";
  // One literal of one shape, not a spread of a shared base: this runs once per row.
  return {
    rowNumber,
    status: ok ? "confirmed" : result.end,
    userId: ok ? result.verdict.userId : undefined,
    attempts: call.attempts,
    requestId: call.answered?.requestId ?? call.ids.requestId,
    correlationId: call.answered?.correlationId ?? call.ids.correlationId,
    completedAt: completedAt(now),
    httpStatus: verdict.httpStatus,
    errorCode: verdict.code,
    errorMessage: ok ? (verdict.code ? `already on record: ${verdict.message}` : undefined) : verdict.message,
  };
}
