import type { PartnerCenterClient, RequestIds } from "../partner-center/client.js";
import { findAgreement } from "../partner-center/answers.js";
import { ALREADY_EXISTS } from "../partner-center/verdict.js";
import type { Acceptance, Outcome } from "../types.js";
import { callWithRetries, type CallContext, type CallTarget } from "./call.js";
import { parseDirectStatus } from "../partner-center/direct-status.js";
import {
  acceptedDirectlyOutcome,
  alreadyConfirmedOutcome,
  callOutcome,
  onRecordOutcome,
  validOutcome,
  type Unfinished,
} from "./outcomes.js";

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
  /** Customers whose direct-acceptance status could not be read (--skip-confirmed), said once at the end. */
  readonly directStatus: { unread: number };
}

/** A finished row, or how far it got before the run stopped (the pipeline marks it not-run). */
export type RowResult = { readonly outcome: Outcome } | { readonly unfinished: Unfinished };

function resultOf(rowNumber: number, call: Parameters<typeof callOutcome>[1], now: number): RowResult {
  const outcome = callOutcome(rowNumber, call, now);
  return outcome ? { outcome } : { unfinished: { attempts: call.attempts, ids: call.ids } };
}

/** The customer's listing, through the same gate (breaker, slots, rate) as every request. */
function listAgreements(sender: RowSender, target: Omit<CallTarget, "what">, acceptance: Acceptance) {
  return callWithRetries(sender.context, { ...target, what: "list" }, (ids) =>
    sender.client.listAgreements(acceptance.customerTenantId, sender.agreementType, ids),
  );
}

/**
 * After a 600061 ("already exists"): the record it refers to, so the row carries the API's
 * userId (and the dateAgreed on record) like a 201 would. The row is confirmed either way; a
 * lookup that fails only says so in the message.
 */
async function withRecord(
  sender: RowSender,
  target: Omit<CallTarget, "what">,
  acceptance: Acceptance,
  outcome: Outcome,
): Promise<Outcome> {
  const listed = await listAgreements(sender, target, acceptance);
  if (listed.result.end !== "ok") {
    const why = listed.result.verdict?.message ?? "the run stopped before the lookup";
    return onRecordOutcome(outcome, { unread: why });
  }
  const record = findAgreement(listed.result.verdict.body, acceptance, sender.agreementType);
  if (!record?.userId) return onRecordOutcome(outcome, { unread: "no listed record has this contact" });
  return onRecordOutcome(outcome, record);
}

/**
 * --skip-confirmed, first step: did the customer accept the MCA directly (docs/partner-center-api.md
 * "Direct acceptance")? A row skipped, a row stopped, or undefined to go on; a status that cannot
 * be read counts as not accepted (and is counted, for the summary).
 */
async function directlyAccepted(
  sender: RowSender,
  target: Omit<CallTarget, "what">,
  customerId: string,
): Promise<RowResult | undefined> {
  const rowNumber = target.rowNumber ?? 0;
  const status = await callWithRetries(sender.context, { ...target, what: "direct" }, (ids) =>
    sender.client.directAcceptance(customerId, ids),
  );
  if (status.result.end === "stopped") return { unfinished: { attempts: status.attempts, ids: status.ids } };
  const isSigned = status.result.end === "ok" ? parseDirectStatus(status.result.verdict.body) : undefined;
  if (isSigned === true)
    return { outcome: acceptedDirectlyOutcome(rowNumber, status, sender.context.clock.now()) };
  if (isSigned === undefined) sender.directStatus.unread++;
  return undefined;
}

/** --skip-confirmed, then the confirmation itself, then (after a 600061) its record. */
export async function submitRow(sender: RowSender, job: RowJob): Promise<RowResult> {
  const { context, client, agreementType } = sender;
  const acceptance = job.acceptance;
  const target = { rowNumber: job.rowNumber, customerId: acceptance.customerTenantId };
  if (sender.skipConfirmed) {
    const direct = await directlyAccepted(sender, target, acceptance.customerTenantId);
    if (direct) return direct;
    const listed = await listAgreements(sender, target, acceptance);
    if (listed.result.end !== "ok") return resultOf(job.rowNumber, listed, context.clock.now());
    const record = findAgreement(listed.result.verdict.body, acceptance, agreementType);
    if (record)
      return { outcome: alreadyConfirmedOutcome(job.rowNumber, listed, context.clock.now(), record) };
  }
  if (sender.dryRun) return { outcome: validOutcome(job.rowNumber) };
  const call = await callWithRetries(
    context,
    { ...target, what: "confirm" },
    (ids) => client.confirm(acceptance, sender.templateId, agreementType, ids),
    job.resumeIds,
  );
  const result = resultOf(job.rowNumber, call, context.clock.now());
  if (
    "outcome" in result &&
    result.outcome.status === "confirmed" &&
    result.outcome.errorCode === ALREADY_EXISTS
  ) {
    return { outcome: await withRecord(sender, target, acceptance, result.outcome) };
  }
  return result;
}
