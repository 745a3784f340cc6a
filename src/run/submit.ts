import type { RequestIds } from "../partner-center/client.js";
import type { RunStoppedError } from "../errors.js";
import type { Acceptance, Outcome } from "../types.js";
import { callWithRetries, type CallResult, type Session } from "./call.js";

export interface RowJob {
  readonly rowNumber: number;
  readonly acceptance: Acceptance;
  /** Ids recorded by an interrupted run: re-sent so the API can answer from its idempotency record. */
  readonly resumeIds?: RequestIds;
}

export interface RowSettings {
  readonly templateId: string;
  readonly agreementType: string;
  readonly skipConfirmed: boolean;
}

/** A finished row, or one the run stopped before it finished (the pipeline marks it not-run). */
export type RowResult =
  | { readonly outcome: Outcome }
  | { readonly unfinished: { attempts: number; ids: RequestIds }; readonly fatal?: RunStoppedError };

function userIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { userId?: unknown }).userId;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

interface Contact {
  firstName?: string;
  lastName?: string;
  email?: string;
  phoneNumber?: string;
}

/** Whether a listing of the customer's agreements holds this exact contact. */
export function hasConfirmation(body: string, a: Acceptance, agreementType: string): boolean {
  let items: { primaryContact?: Contact; type?: string; agreementType?: string }[] = [];
  try {
    const parsed = JSON.parse(body) as { items?: typeof items };
    items = Array.isArray(parsed.items) ? parsed.items : [];
  } catch {
    return false;
  }
  const same = (x: string | undefined, y: string | undefined) => (x ?? "").trim() === (y ?? "").trim();
  return items.some((i) => {
    const c = i.primaryContact ?? {};
    const type = i.type ?? i.agreementType;
    return (
      (type === undefined || String(type).toLowerCase() === agreementType.toLowerCase()) &&
      same(c.firstName, a.firstName) &&
      same(c.lastName, a.lastName) &&
      (c.email ?? "").trim().toLowerCase() === a.email.toLowerCase() &&
      same(c.phoneNumber, a.phoneNumber)
    );
  });
}

/** Turns the end of a call into the row's outcome. */
function outcomeOf(rowNumber: number, call: CallResult, now: () => number): RowResult {
  const r = call.result;
  const base = {
    rowNumber,
    attempts: call.attempts,
    requestId: call.answered?.requestId ?? call.ids.requestId,
    correlationId: call.answered?.correlationId ?? call.ids.correlationId,
    completedAt: new Date(now()).toISOString(),
  };
  switch (r.end) {
    case "ok":
      return {
        outcome: {
          ...base,
          status: "confirmed",
          userId: userIdOf(r.verdict.body),
          httpStatus: r.verdict.httpStatus,
          errorCode: r.verdict.code,
          errorMessage: r.verdict.code ? `already on record: ${r.verdict.message}` : undefined,
        },
      };
    case "rejected":
      return {
        outcome: {
          ...base,
          status: "rejected",
          httpStatus: r.verdict.httpStatus,
          errorCode: r.verdict.code,
          errorMessage: r.verdict.message,
        },
      };
    case "failed":
      return {
        outcome: {
          ...base,
          status: "failed",
          httpStatus: r.verdict.httpStatus,
          errorCode: r.verdict.code,
          errorMessage: r.verdict.message,
        },
      };
    case "fatal":
      return { unfinished: { attempts: call.attempts, ids: call.ids }, fatal: r.error };
    case "stopped":
      return { unfinished: { attempts: call.attempts, ids: call.ids } };
  }
}

export async function submitRow(s: Session, settings: RowSettings, job: RowJob): Promise<RowResult> {
  const a = job.acceptance;
  const target = { rowNumber: job.rowNumber, customerId: a.customerTenantId };
  if (settings.skipConfirmed) {
    const listed = await callWithRetries(s, { ...target, what: "list" }, (ids) =>
      s.client.listAgreements(a.customerTenantId, settings.agreementType, ids),
    );
    if (listed.result.end !== "ok") return outcomeOf(job.rowNumber, listed, () => s.clock.now());
    if (hasConfirmation(listed.result.verdict.body, a, settings.agreementType)) {
      return {
        outcome: {
          rowNumber: job.rowNumber,
          status: "skipped",
          errorCode: "already-confirmed",
          errorMessage: "the customer already has this confirmation on record",
          attempts: 0,
          requestId: listed.answered?.requestId ?? listed.ids.requestId,
          correlationId: listed.ids.correlationId,
          completedAt: new Date(s.clock.now()).toISOString(),
        },
      };
    }
  }
  const call = await callWithRetries(
    s,
    { ...target, what: "confirm" },
    (ids) => s.client.confirm(a, settings.templateId, settings.agreementType, ids),
    job.resumeIds,
  );
  return outcomeOf(job.rowNumber, call, () => s.clock.now());
}
