// The shapes of the API's successful answers the run reads: an Agreement (its userId), a
// customer's list of agreements (is this contact on record?) and the agreement metadata
// (the current templateId). A body that does not parse reads as "not there".
import type { Acceptance } from "../types.js";
import type { SentAgreement } from "./client.js";

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
  /** The template the record is of (lower case); absent when the listing did not say. */
  readonly templateId?: string;
}

interface AgreementItem {
  primaryContact?: { firstName?: unknown; lastName?: unknown; email?: unknown; phoneNumber?: unknown };
  type?: unknown;
  agreementType?: unknown;
  userId?: unknown;
  dateAgreed?: unknown;
  templateId?: unknown;
}

const textOf = (value: unknown): string => (typeof value === "string" ? value.trim() : "");

/**
 * The customer's record of exactly this contact and agreement type in a listing, if any. The
 * API keys "the same confirmation" on first name, last name, email and phone, whatever the
 * template (docs/partner-center-api.md "Confirm one customer's acceptance"); email is compared without case,
 * and an absent phone equals an empty one. Should the listing hold several, the one of
 * `templateId` (the current template) is taken, else the latest.
 */
export function findAgreement(
  body: string,
  acceptance: Acceptance,
  agreementType: string,
  templateId?: string,
): RecordedAgreement | undefined {
  const matches = itemsOf<AgreementItem>(body)
    .filter((item) => item && typeof item === "object")
    .filter((item) => {
      const contact = item.primaryContact ?? {};
      const type = item.type ?? item.agreementType;
      return (
        (type === undefined || textOf(type).toLowerCase() === agreementType.toLowerCase()) &&
        textOf(contact.firstName) === acceptance.firstName.trim() &&
        textOf(contact.lastName) === acceptance.lastName.trim() &&
        textOf(contact.email).toLowerCase() === acceptance.email.trim().toLowerCase() &&
        textOf(contact.phoneNumber) === (acceptance.phoneNumber ?? "").trim()
      );
    })
    .map(recordOf);
  const wanted = templateId?.toLowerCase();
  const latest = (a: RecordedAgreement, b: RecordedAgreement) =>
    Date.parse(b.dateAgreed ?? "") - Date.parse(a.dateAgreed ?? "") || 0;
  return (
    matches.find((record) => wanted !== undefined && record.templateId === wanted) ?? matches.sort(latest)[0]
  );
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the results keep of a listed record: only values of the expected shapes. */
function recordOf(item: AgreementItem): RecordedAgreement {
  const dateAgreed = textOf(item.dateAgreed);
  const templateId = textOf(item.templateId);
  return {
    userId: isUserId(item.userId) ? item.userId : undefined,
    dateAgreed: ISO_DATE.test(dateAgreed) ? dateAgreed : undefined,
    templateId: GUID.test(templateId) ? templateId.toLowerCase() : undefined,
  };
}

/** The primaryContact fields an Agreement answer must echo unchanged, when it echoes them. */
const CONTACT_FIELDS = ["firstName", "lastName", "email", "phoneNumber"] as const;

/**
 * Why an Agreement answered to a confirmation is not the one sent, or undefined when it is
 * (docs/partner-center-api.md "Confirm one customer's acceptance"): its type, templateId, customer id,
 * dateAgreed (the same instant) and contact, each when the answer carries it (at least one of
 * templateId, dateAgreed and contact), and a userId.
 * The text names the field; contact values are never quoted, other values only by shape.
 */
export function agreementMismatch(body: Record<string, unknown>, sent: SentAgreement): string | undefined {
  if (!isUserId(body.userId)) return "it carries no userId";
  // A userId alone ties the answer to nothing that was sent: Partner Center's Agreement
  // echoes the templateId, dateAgreed and contact (docs/partner-center-api.md).
  if (body.templateId === undefined && body.dateAgreed === undefined && body.primaryContact === undefined)
    return "it names no templateId, dateAgreed or primaryContact, so nothing ties it to the request";
  const type = body.type ?? body.agreementType;
  if (type !== undefined && !sameText(type, sent.type)) return `its type is not ${sent.type}`;
  if (body.templateId !== undefined && !sameText(body.templateId, sent.templateId))
    return `its templateId is not the one sent (${sent.templateId})`;
  for (const field of ["customerId", "customerTenantId"] as const) {
    if (body[field] !== undefined && !sameText(body[field], sent.customerId))
      return `its ${field} is not the customer the request was for`;
  }
  if (body.dateAgreed !== undefined) {
    const at = typeof body.dateAgreed === "string" ? Date.parse(body.dateAgreed) : Number.NaN;
    if (at !== Date.parse(sent.dateAgreed)) return `its dateAgreed is not the one sent (${sent.dateAgreed})`;
  }
  const contact = body.primaryContact;
  if (contact === undefined) return undefined;
  if (!contact || typeof contact !== "object" || Array.isArray(contact))
    return "its primaryContact is not an object";
  const echoed = contact as Record<string, unknown>;
  for (const field of CONTACT_FIELDS) {
    const value = echoed[field];
    if (value === undefined || (field === "phoneNumber" && value === null)) continue;
    const same =
      field === "email"
        ? sameText(value, sent.email)
        : typeof value === "string" && value.trim() === (sent[field] ?? "").trim();
    if (!same) return `its primaryContact.${field} is not the one sent`;
  }
  return undefined;
}

function sameText(value: unknown, expected: string): boolean {
  return typeof value === "string" && value.trim().toLowerCase() === expected.trim().toLowerCase();
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
