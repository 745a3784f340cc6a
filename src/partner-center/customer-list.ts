// The answer shapes of the customer list and of a customer's agreement list
// (docs/partner-center-api.md "The partner's customers", "A customer's existing confirmations").
// Everything read from them is a server string: ids are checked, texts stay texts, and a body
// that is not the documented shape is reported as such instead of being half-used.

/** One customer of the partner, as much as the pending file needs. */
export interface CustomerSummary {
  /** The customer tenant id, lower-case. */
  readonly id: string;
  readonly companyName: string;
  readonly domain: string;
}

interface CustomerPage {
  readonly customers: readonly CustomerSummary[];
  /** MS-ContinuationToken of links.next; absent on the last page. */
  readonly continuationToken?: string;
  /** Items without a usable customer id (never expected; counted so that nothing vanishes unseen). */
  readonly unusable: number;
}

/** One confirmation on record, with the fields the pending file shows. */
export interface AgreementRecord {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phoneNumber: string;
  /** As the API wrote it. */
  readonly dateAgreed: string;
  /** dateAgreed in epoch ms, when it is a date at all. */
  readonly agreedAt?: number;
  readonly templateId: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A header value must be visible ASCII: anything else could not be sent back (or would inject). */
const TOKEN = /^[\x21-\x7e]{1,4096}$/;

type Json = Record<string, unknown>;

function objectOf(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function parseObject(body: string): Json | undefined {
  try {
    return objectOf(JSON.parse(body));
  } catch {
    return undefined;
  }
}

/**
 * links.next's MS-ContinuationToken. Microsoft's answers list headers as [{key, value}]; a map
 * {name: value} is read too. Header names are case-insensitive.
 */
function continuationOf(links: unknown): string | undefined {
  const next = objectOf(objectOf(links)?.next);
  if (!next) return undefined;
  const wanted = "ms-continuationtoken";
  const headers = next.headers;
  if (Array.isArray(headers)) {
    for (const h of headers) {
      const entry = objectOf(h);
      if (text(entry?.key).toLowerCase() === wanted) return text(entry?.value);
    }
    return "";
  }
  const map = objectOf(headers) ?? {};
  const name = Object.keys(map).find((k) => k.toLowerCase() === wanted);
  return name === undefined ? "" : text(map[name]);
}

function customerOf(item: unknown): CustomerSummary | undefined {
  const customer = objectOf(item);
  const profile = objectOf(customer?.companyProfile);
  const id = text(customer?.id) || text(profile?.tenantId);
  if (!GUID.test(id)) return undefined;
  return { id: id.toLowerCase(), companyName: text(profile?.companyName), domain: text(profile?.domain) };
}

/**
 * One page of GET /v1/customers, or a description of why the body is not one. A links.next
 * without a usable token is an error too: reading on without it would silently end the list early.
 */
export function parseCustomerPage(body: string): CustomerPage | { readonly problem: string } {
  const page = parseObject(body);
  if (!page || !Array.isArray(page.items)) return { problem: "the answer is not a page of customers" };
  const customers: CustomerSummary[] = [];
  for (const item of page.items as unknown[]) {
    const customer = customerOf(item);
    if (customer) customers.push(customer);
  }
  const token = continuationOf(page.links);
  if (token !== undefined && !TOKEN.test(token))
    return { problem: "the page links to a next page without a usable MS-ContinuationToken" };
  return { customers, continuationToken: token, unusable: page.items.length - customers.length };
}

/**
 * The records of one agreement type in GET /v1/customers/{id}/agreements, or undefined when the
 * body is not such a list. An item without a type is taken as asked for (the query names it).
 */
export function parseAgreementRecords(body: string, agreementType: string): AgreementRecord[] | undefined {
  const list = parseObject(body);
  if (!list || !Array.isArray(list.items)) return undefined;
  const wanted = agreementType.toLowerCase();
  const records: AgreementRecord[] = [];
  for (const item of list.items as unknown[]) {
    const record = objectOf(item);
    if (!record) continue;
    const type = text(record.type) || text(record.agreementType);
    if (type !== "" && type.toLowerCase() !== wanted) continue;
    const contact = objectOf(record.primaryContact) ?? {};
    const dateAgreed = text(record.dateAgreed);
    const agreedAt = Date.parse(dateAgreed);
    records.push({
      firstName: text(contact.firstName),
      lastName: text(contact.lastName),
      email: text(contact.email),
      phoneNumber: text(contact.phoneNumber),
      dateAgreed,
      ...(Number.isNaN(agreedAt) ? {} : { agreedAt }),
      templateId: text(record.templateId),
    });
  }
  return records;
}
