// Every Outcome of a run is built here: one record per input row, whatever happened to it.
import type { RequestIds } from "../partner-center/client.js";
import type { RecordedAgreement } from "../partner-center/answers.js";
import type { Outcome, Problem } from "../types.js";
import type { CallResult } from "../engine/call.js";
import type { RunStop } from "../engine/stop.js";

/** How far a row got before the run stopped: its attempts and the ids they carried. */
export interface Unfinished {
  readonly attempts: number;
  readonly ids: RequestIds;
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
    requestId: listed.ids.requestId,
    correlationId: listed.ids.correlationId,
    completedAt: new Date(now).toISOString(),
    recordedDateAgreed: record.dateAgreed,
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
    requestId: status.ids.requestId,
    correlationId: status.ids.correlationId,
    completedAt: new Date(now).toISOString(),
  };
}

/** What the listing read after a 600061 showed (docs/cli.md "The results file"). */
type RecordAfter600061 =
  | { readonly found: RecordedAgreement; readonly currentTemplateId: string }
  | { readonly notListed: true }
  | { readonly unread: string };

const ENTER_CURRENT =
  "Partner Center keeps one record per contact: to confirm the current version, enter the person " +
  "who accepted it (their own first name, last name, email and phone) and run the row again";

/**
 * A 600061 row with the record the listing showed. 600061 is about the contact, not the
 * template (docs/partner-center-api.md "Confirm one customer's acceptance"): confirmed only when the record is
 * of the current template; one of an older template is a refresh that did not happen.
 */
export function onRecordOutcome(outcome: Outcome, after: RecordAfter600061): Outcome {
  if ("unread" in after) {
    // The record exists but could not be read now: another run can check it.
    return {
      ...outcome,
      status: "failed",
      errorCode: "600061-unverified",
      errorMessage: `the API answered 600061 (this contact is on record), but the record could not be read: ${after.unread}`,
    };
  }
  if ("notListed" in after) {
    return {
      ...outcome,
      status: "rejected",
      errorCode: "600061-unverified",
      errorMessage: `the API answered 600061 (this contact is on record), but lists no record with this contact; check the customer's agreements in Partner Center. ${ENTER_CURRENT}`,
    };
  }
  const record = after.found;
  const date = record.dateAgreed ?? "an unknown date";
  if (record.templateId === undefined) {
    return {
      ...outcome,
      status: "rejected",
      errorCode: "600061-unverified",
      errorMessage: `the API answered 600061, but the record of this contact (${date}) names no template: it cannot be told to be of the current one. ${ENTER_CURRENT}`,
      recordedDateAgreed: record.dateAgreed,
    };
  }
  if (record.templateId !== after.currentTemplateId.toLowerCase()) {
    return {
      ...outcome,
      status: "rejected",
      errorCode: "600061-older-template",
      errorMessage:
        `the record of this contact is of ${date} under template ${record.templateId}, ` +
        `not the current ${after.currentTemplateId}. ${ENTER_CURRENT}`,
      recordedDateAgreed: record.dateAgreed,
    };
  }
  const userId = record.userId ? "" : "; the record shows no userId";
  return {
    ...outcome,
    userId: record.userId,
    errorMessage: `already on record (recorded dateAgreed ${date})${userId}`,
    recordedDateAgreed: record.dateAgreed,
  };
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
    requestId: call.ids.requestId,
    correlationId: call.ids.correlationId,
    completedAt: completedAt(now),
    httpStatus: verdict.httpStatus,
    errorCode: verdict.code,
    errorMessage: ok ? (verdict.code ? `already on record: ${verdict.message}` : undefined) : verdict.message,
  };
}
