import type { PartnerCenterClient, RequestIds } from "../partner-center/client.js";
import { hasConfirmation } from "../partner-center/answers.js";
import type { Acceptance, Outcome } from "../types.js";
import { callWithRetries, type CallContext } from "./call.js";
import { alreadyConfirmedOutcome, callOutcome, validOutcome, type Unfinished } from "./outcomes.js";

export interface RowJob {
  readonly rowNumber: number;
  readonly acceptance: Acceptance;
  /** Ids recorded by an interrupted run: re-sent so the API can answer from its idempotency record. */
  readonly resumeIds?: RequestIds;
}

/** What every row sends alike. */
export interface RowSender {
  readonly context: CallContext;
  readonly client: PartnerCenterClient;
  readonly templateId: string;
  readonly agreementType: string;
  readonly skipConfirmed: boolean;
  /** --dry-run: everything up to the confirmation, which is not sent. */
  readonly dryRun: boolean;
}

/** A finished row, or how far it got before the run stopped (the pipeline marks it not-run). */
export type RowResult = { readonly outcome: Outcome } | { readonly unfinished: Unfinished };

function resultOf(rowNumber: number, call: Parameters<typeof callOutcome>[1], now: number): RowResult {
  const outcome = callOutcome(rowNumber, call, now);
  return outcome ? { outcome } : { unfinished: { attempts: call.attempts, ids: call.ids } };
}

/** --skip-confirmed, then the confirmation itself. */
export async function submitRow(sender: RowSender, job: RowJob): Promise<RowResult> {
  const { context, client, agreementType } = sender;
  const acceptance = job.acceptance;
  const target = { rowNumber: job.rowNumber, customerId: acceptance.customerTenantId };
  if (sender.skipConfirmed) {
    const listed = await callWithRetries(context, { ...target, what: "list" }, (ids) =>
      client.listAgreements(acceptance.customerTenantId, agreementType, ids),
    );
    if (listed.result.end !== "ok") return resultOf(job.rowNumber, listed, context.clock.now());
    if (hasConfirmation(listed.result.verdict.body, acceptance, agreementType)) {
      return { outcome: alreadyConfirmedOutcome(job.rowNumber, listed, context.clock.now()) };
    }
  }
  if (sender.dryRun) return { outcome: validOutcome(job.rowNumber) };
  const call = await callWithRetries(
    context,
    { ...target, what: "confirm" },
    (ids) => client.confirm(acceptance, sender.templateId, agreementType, ids),
    job.resumeIds,
  );
  return resultOf(job.rowNumber, call, context.clock.now());
}
