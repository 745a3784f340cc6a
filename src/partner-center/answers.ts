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

// A userId and a dateAgreed are server strings written into the results: only their shapes are
// taken (a GUID in practice; an ISO date), never free text.
const USER_ID = /^[\w.-]{1,100}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Whether a value is a userId as an Agreement carries it. */
export function isUserId(value: unknown): value is string {
  return typeof value === "string" && USER_ID.test(value);
}

/** A record as the customer's listing shows it, reduced to what the results keep. */
export interface RecordedAgreement {
  readonly userId?: string;
  readonly dateAgreed?: string;
}

interface AgreementItem {
  primaryContact?: { firstName?: unknown; lastName?: unknown; email?: unknown; phoneNumber?: unknown };
  type?: unknown;
  agreementType?: unknown;
  userId?: unknown;
  dateAgreed?: unknown;
}

const textOf = (value: unknown): string => (typeof value === "string" ? value.trim() : "");

/**
 * The customer's record of exactly this contact and agreement type in a listing, if any. The
 * API keys "the same confirmation" on first name, last name, email and phone (docs/
 * partner-center-api.md "Confirm acceptance"); email is compared without case, and an absent
 * phone equals an empty one.
 */
export function findAgreement(
  body: string,
  acceptance: Acceptance,
  agreementType: string,
): RecordedAgreement | undefined {
  const match = itemsOf<AgreementItem>(body).find((item) => {
    const contact = item.primaryContact ?? {};
    const type = item.type ?? item.agreementType;
    return (
      (type === undefined || textOf(type).toLowerCase() === agreementType.toLowerCase()) &&
      textOf(contact.firstName) === acceptance.firstName.trim() &&
      textOf(contact.lastName) === acceptance.lastName.trim() &&
      textOf(contact.email).toLowerCase() === acceptance.email.trim().toLowerCase() &&
      textOf(contact.phoneNumber) === (acceptance.phoneNumber ?? "").trim()
    );
  });
  if (!match) return undefined;
  const dateAgreed = textOf(match.dateAgreed);
  return {
    userId: isUserId(match.userId) ? match.userId : undefined,
    dateAgreed: ISO_DATE.test(dateAgreed) ? dateAgreed : undefined,
  };
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
