// Which customers go into the pending file, and what their row says (docs/cli.md "`pending`").
// Pure: a customer and what its agreement list said in, a row (or nothing) out.

import type { AgreementRecord, CustomerSummary } from "../partner-center/customer-list.js";
import { FIELDS } from "../types.js";

/**
 * missing: customers with no confirmation of the agreement type on record;
 * before: also those whose latest confirmation is older than `before` (epoch ms, a UTC midnight);
 * all: every customer.
 */
export type Selection =
  | { readonly kind: "missing" }
  | { readonly kind: "before"; readonly before: number }
  | { readonly kind: "all" };

/** What a customer's agreement list said, or why it could not be read. */
export type Lookup = { readonly records: readonly AgreementRecord[] } | { readonly error: string };

/** Why a customer is in the file. */
export type Reason = "no-confirmation" | "older" | "current" | "lookup-failed";

/**
 * The pending file's columns: the input columns to fill first (the fields `run` reads, so a filled
 * file runs as it is), then what helps filling them.
 */
export const PENDING_COLUMNS = [
  ...FIELDS,
  "companyName",
  "domain",
  "lastDateAgreed",
  "lastTemplateId",
  "lookupError",
] as const;

export type PendingRow = Readonly<Record<(typeof PENDING_COLUMNS)[number], string>>;

interface Pending {
  readonly row: PendingRow;
  readonly reason: Reason;
}

/** Longest server text kept in a cell; a company name or an email is far shorter. */
const MAX_TEXT = 256;

/**
 * Server strings go into a file a person opens: control characters (terminal escapes, line
 * breaks that would make a cell look like two rows) are removed and the length capped.
 * Formula escaping is the writer's job.
 */
function cleanText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const visible = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim();
  return visible.length > MAX_TEXT ? visible.slice(0, MAX_TEXT) : visible;
}

/** The latest record: the greatest dateAgreed; one without a readable date only when none has one. */
export function latestRecord(records: readonly AgreementRecord[]): AgreementRecord | undefined {
  let latest: AgreementRecord | undefined;
  for (const record of records) {
    if (!latest || (record.agreedAt ?? -Infinity) > (latest.agreedAt ?? -Infinity)) latest = record;
  }
  return latest;
}

function reasonFor(latest: AgreementRecord | undefined, selection: Selection): Reason | undefined {
  if (!latest) return "no-confirmation";
  // A record whose date cannot be read is not evidence of a recent confirmation.
  const older =
    selection.kind === "before" && (latest.agreedAt === undefined || latest.agreedAt < selection.before);
  if (older) return "older";
  return selection.kind === "all" ? "current" : undefined;
}

/**
 * The customer's row in the pending file, or undefined when it needs nothing. dateAgreed is
 * always empty: the date the customer accepted is what the operator has to supply. The latest
 * record's contact is filled in (the person usually stays the same); the operator checks it.
 */
export function selectPending(
  customer: CustomerSummary,
  lookup: Lookup,
  selection: Selection,
): Pending | undefined {
  const profile = {
    customerTenantId: customer.id,
    companyName: cleanText(customer.companyName),
    domain: cleanText(customer.domain),
  };
  const empty = { firstName: "", lastName: "", email: "", phoneNumber: "", dateAgreed: "" };
  if ("error" in lookup) {
    const row = { ...profile, ...empty, lastDateAgreed: "", lastTemplateId: "" };
    return { row: { ...row, lookupError: cleanText(lookup.error) }, reason: "lookup-failed" };
  }
  const latest = latestRecord(lookup.records);
  const reason = reasonFor(latest, selection);
  if (reason === undefined) return undefined;
  const contact = latest
    ? {
        firstName: cleanText(latest.firstName),
        lastName: cleanText(latest.lastName),
        email: cleanText(latest.email),
        phoneNumber: cleanText(latest.phoneNumber),
        dateAgreed: "",
      }
    : empty;
  return {
    row: {
      ...profile,
      ...contact,
      lastDateAgreed: latest ? cleanText(latest.dateAgreed) : "",
      lastTemplateId: latest ? cleanText(latest.templateId) : "",
      lookupError: "",
    },
    reason,
  };
}
