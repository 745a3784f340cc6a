// The checks Partner Center makes on POST /v1/customers/{id}/agreements, in the order it
// reports them, and the decision: refused (400), already on record (600061) or recorded (201).

import { contactKey, type Answer, type Store } from "./store.js";
import { newError } from "./responses.js";
import { typeOf, type TemplateCatalog } from "./templates.js";

// UTC only: "a classic bug is sending local time" (docs/partner-center-api.md), so offsets are refused.
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,7})?Z$/;

// Refusals are shared objects: idempotency records of 4xx answers then cost a reference each.
const refusals = new Map<string, Answer>();
function invalid(why: string): Answer {
  let answer = refusals.get(why);
  if (!answer) refusals.set(why, (answer = { status: 400, body: newError(800002, why, "InvalidInput") }));
  return answer;
}
const FUTURE_DATE: Answer = {
  status: 400,
  body: newError(600002, "Date of agreement cannot be greater than the current date", "InvalidDateAgreed"),
};
const ALREADY_EXISTS: Answer = {
  status: 400,
  body: newError(
    600061,
    "A partner confirmed agreement already exists with the same details",
    "PartnerConfirmedAgreementAlreadyExists",
  ),
};

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Epoch ms of a valid ISO UTC date-time (a real calendar date), or undefined. */
export function parseUtc(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const match = ISO_UTC.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2024-02-30 over to March: compare the calendar part back.
  const parsed = new Date(ms);
  if (
    parsed.getUTCFullYear() !== +match[1] ||
    parsed.getUTCMonth() + 1 !== +match[2] ||
    parsed.getUTCDate() !== +match[3]
  )
    return undefined;
  return ms;
}

export function decide(
  customerId: string,
  body: unknown,
  catalog: TemplateCatalog,
  store: Store,
  now: number,
): Answer {
  if (typeof body !== "object" || body === null) return invalid("The request body is not a valid agreement");
  const agreement = body as Record<string, unknown>;
  const primaryContact = (
    typeof agreement.primaryContact === "object" && agreement.primaryContact !== null
      ? agreement.primaryContact
      : {}
  ) as Record<string, unknown>;
  const firstName = str(primaryContact.firstName);
  const lastName = str(primaryContact.lastName);
  const email = str(primaryContact.email);
  if (!firstName || !lastName || !email)
    return invalid("primaryContact requires firstName, lastName and email");
  const sentPhone = primaryContact.phoneNumber;
  if (sentPhone !== undefined && sentPhone !== null && typeof sentPhone !== "string") {
    return invalid("primaryContact.phoneNumber must be a string");
  }
  const phoneNumber = typeof sentPhone === "string" ? sentPhone : "";

  const tpl =
    typeof agreement.templateId === "string" ? catalog.acceptedIndex(agreement.templateId) : undefined;
  if (tpl === undefined) return invalid("The template is no longer supported");
  const templateType = typeOf(catalog.all[tpl]);
  if (typeof agreement.type !== "string" || agreement.type.toLowerCase() !== templateType.toLowerCase()) {
    return invalid(`The agreement type does not match the template (expected ${templateType})`);
  }
  const date = parseUtc(agreement.dateAgreed);
  if (date === undefined) return invalid("dateAgreed must be a UTC date-time in ISO 8601 format");
  if (date > now) return FUTURE_DATE;

  const contact = contactKey({ firstName, lastName, email, phoneNumber });
  if (store.find(customerId, contact, tpl)) return ALREADY_EXISTS;
  return { rec: store.add(customerId, contact, tpl, date) };
}
