// The shapes of a good answer to the two agreement calls of a row: the Agreement a confirmation
// returns, and the customer's list of them (PARTNER-CENTER.md "Second round": the list carries
// each record's userId, which is how a 600061 "already exists" is tied to its record).
import type { Acceptance } from "../types.js";

/** A record as the API lists it, reduced to what the results file keeps. */
export interface RecordedAgreement {
  readonly userId?: string;
  readonly dateAgreed?: string;
}

interface Contact {
  firstName?: unknown;
  lastName?: unknown;
  email?: unknown;
  phoneNumber?: unknown;
}

interface Item {
  primaryContact?: Contact;
  type?: unknown;
  agreementType?: unknown;
  userId?: unknown;
  dateAgreed?: unknown;
}

const text = (v: unknown): string => (typeof v === "string" ? v.trim() : "");

/**
 * The customer's record of exactly this contact and agreement type in a listing, or undefined.
 * The API keys "the same confirmation" on first name, last name, e-mail and phone; e-mail is
 * compared without case, an absent phone equals an empty one.
 */
export function findAgreement(
  body: string,
  a: Acceptance,
  agreementType: string,
): RecordedAgreement | undefined {
  let items: Item[];
  try {
    const parsed = JSON.parse(body) as { items?: unknown };
    items = Array.isArray(parsed.items) ? (parsed.items as Item[]) : [];
  } catch {
    return undefined;
  }
  const match = items.find((i) => {
    const c = i.primaryContact ?? {};
    const type = i.type ?? i.agreementType;
    return (
      (type === undefined || text(type).toLowerCase() === agreementType.toLowerCase()) &&
      text(c.firstName) === a.firstName.trim() &&
      text(c.lastName) === a.lastName.trim() &&
      text(c.email).toLowerCase() === a.email.trim().toLowerCase() &&
      text(c.phoneNumber) === (a.phoneNumber ?? "").trim()
    );
  });
  if (!match) return undefined;
  const userId = text(match.userId);
  const dateAgreed = text(match.dateAgreed);
  return { userId: userId || undefined, dateAgreed: dateAgreed || undefined };
}

/** The userId of a confirmation's 201 answer (verdict.ts has already checked it is there). */
export function userIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { userId?: unknown }).userId;
    return typeof id === "string" && id.trim() !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}
