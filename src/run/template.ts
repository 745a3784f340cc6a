import type { PartnerCenterClient } from "../partner-center/client.js";
import { pickTemplate } from "../partner-center/answers.js";
import { callWithRetries, type CallContext } from "../engine/call.js";

/**
 * Looks the templateId up once, retrying transient errors. When it cannot be had the run
 * stops (template-unresolved, or whatever stopped it meanwhile) and this returns undefined.
 */
export async function resolveTemplateId(
  context: CallContext,
  client: PartnerCenterClient,
  agreementType: string,
): Promise<string | undefined> {
  const { result } = await callWithRetries(context, { what: "metadata" }, (ids) =>
    client.getAgreementMetadata(agreementType, ids),
  );
  if (result.end === "ok") {
    const templateId = pickTemplate(result.verdict.body, agreementType);
    if (templateId) {
      context.logger.info({ event: "template", templateId });
      return templateId;
    }
    context.stop.stop(
      "template-unresolved",
      `The API lists no current ${agreementType} template; check --agreement-type or pass --template-id.`,
    );
    return undefined;
  }
  // A run already stopped keeps its own reason: the first one wins.
  context.stop.stop("template-unresolved", unresolvedMessage(agreementType, result.verdict));
  return undefined;
}

function unresolvedMessage(
  agreementType: string,
  verdict:
    { kind: string; httpStatus?: number; code?: string; message?: string; retry?: boolean } | undefined,
): string {
  // A name that does not resolve, a refused port, a proxy or a certificate: waiting will not help.
  if (verdict?.kind === "transient" && verdict.retry === false)
    return `The ${agreementType} templateId could not be looked up, and nothing was sent. ${verdict.message}`;
  const why = verdict
    ? ` (${verdict.kind === "transient" && !verdict.httpStatus ? verdict.code : `HTTP ${verdict.httpStatus}`}: ${verdict.message})`
    : "";
  return `The ${agreementType} templateId could not be looked up${why}; nothing was sent. Try again later, or pass --template-id.`;
}
