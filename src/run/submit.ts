import type { PartnerCenterClient, RequestIds } from "../partner-center/client.js";
import { findAgreement } from "../partner-center/answers.js";
import { ALREADY_EXISTS } from "../partner-center/verdict.js";
import type { Acceptance, Outcome } from "../types.js";
import { callWithRetries, type CallContext, type CallTarget } from "../engine/call.js";
import { parseDirectStatus } from "../partner-center/direct-status.js";
import {
  acceptedDirectlyOutcome,
  alreadyConfirmedOutcome,
  callOutcome,
  onRecordOutcome,
  validOutcome,
  type Unfinished,
} from "./outcomes.js";

interface RowJob {
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
 * userId and the dateAgreed on record like a 201 would, and is confirmed only when that record
 * is of the current template (onRecordOutcome). A run stopped during the lookup leaves the row
 * unfinished: resumed, it is sent again under the same MS-RequestId and looked up again.
 */
async function withRecord(
  sender: RowSender,
  target: Omit<CallTarget, "what">,
  acceptance: Acceptance,
  confirmed: { readonly outcome: Outcome; readonly ids: RequestIds },
): Promise<RowResult> {
  const listed = await listAgreements(sender, target, acceptance);
  const outcome = confirmed.outcome;
  if (listed.result.end === "stopped")
    return { unfinished: { attempts: outcome.attempts, ids: confirmed.ids } };
  if (listed.result.end !== "ok")
    return { outcome: onRecordOutcome(outcome, { unread: listed.result.verdict.message }) };
  const { agreementType, templateId } = sender;
  const record = findAgreement(listed.result.verdict.body, acceptance, agreementType, templateId);
  if (!record) return { outcome: onRecordOutcome(outcome, { notListed: true }) };
  return { outcome: onRecordOutcome(outcome, { found: record, currentTemplateId: templateId }) };
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
    const record = findAgreement(listed.result.verdict.body, acceptance, agreementType, sender.templateId);
    // A record of an older template is no confirmation of the current one: the row is sent,
    // and the API's 600061 leads to the message that says what to do.
    if (record && record.templateId === sender.templateId.toLowerCase())
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
    return withRecord(sender, target, acceptance, { outcome: result.outcome, ids: call.ids });
  }
  return result;
}
