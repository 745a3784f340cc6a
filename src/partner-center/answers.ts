// The shapes of the API's successful answers the run reads: an Agreement (its userId), a
// customer's list of agreements (is this contact on record?) and the agreement metadata
// (the current templateId). A body that does not parse reads as "not there".
import type { Acceptance } from "../types.js";

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The `items` array of a collection answer; empty when the body has none. */
function itemsOf<Item>(body: string): Item[] {
  const parsed = parseJson(body) as { items?: unknown } | undefined;
  return parsed && Array.isArray(parsed.items) ? (parsed.items as Item[]) : [];
}

/** The userId of an Agreement answer, when it has one. */
export function userIdOf(body: string): string | undefined {
  const userId = (parseJson(body) as { userId?: unknown } | undefined)?.userId;
  return typeof userId === "string" ? userId : undefined;
}

interface Contact {
  firstName?: string;
  lastName?: string;
  email?: string;
  phoneNumber?: string;
}

interface AgreementItem {
  primaryContact?: Contact;
  type?: string;
  agreementType?: string;
}

/** Whether a listing of the customer's agreements holds this exact contact. */
export function hasConfirmation(body: string, acceptance: Acceptance, agreementType: string): boolean {
  const same = (left: string | undefined, right: string | undefined) =>
    (left ?? "").trim() === (right ?? "").trim();
  return itemsOf<AgreementItem>(body).some((item) => {
    const contact = item.primaryContact ?? {};
    const type = item.type ?? item.agreementType;
    return (
      (type === undefined || String(type).toLowerCase() === agreementType.toLowerCase()) &&
      same(contact.firstName, acceptance.firstName) &&
      same(contact.lastName, acceptance.lastName) &&
      (contact.email ?? "").trim().toLowerCase() === acceptance.email.toLowerCase() &&
      same(contact.phoneNumber, acceptance.phoneNumber)
    );
  });
}

interface TemplateItem {
  templateId?: unknown;
  agreementType?: unknown;
  type?: unknown;
  versionRank?: unknown;
}

function typeOf(item: TemplateItem): string {
  const type = item.agreementType ?? item.type;
  return typeof type === "string" ? type : "";
}

/**
 * The current template of `agreementType` from a metadata answer: items of that type
 * (named `agreementType` or, in some documents, `type`), lowest versionRank first.
 */
export function pickTemplate(body: string, agreementType: string): string | undefined {
  const wanted = agreementType.toLowerCase();
  const rank = (item: TemplateItem) =>
    typeof item.versionRank === "number" ? item.versionRank : Number.MAX_SAFE_INTEGER;
  const best = itemsOf<TemplateItem>(body)
    .filter((item) => typeOf(item).toLowerCase() === wanted)
    .filter((item) => typeof item.templateId === "string" && /^[0-9a-f-]{36}$/i.test(item.templateId))
    .sort((left, right) => rank(left) - rank(right))[0];
  return best ? (best.templateId as string).toLowerCase() : undefined;
}
