// The partner's customer list (docs/partner-center-api.md "The partner's customers"):
// GET /v1/customers?size=1..500 answers one page; when more follow, links.next carries an
// MS-ContinuationToken, and GET /v1/customers?seek_operation=next with that header answers the
// next page, until a page comes without links.next.
//
// Generated customers are derived from their position, so a list of 500k costs no memory of its
// own; only customers added by a test are stored. Seeding puts a realistic mix of existing
// confirmations into the store: none at all (or a Cloud Agreement only), an old MCA record under
// the retired template, a recent one, and customers whose record was renewed with a new contact.

import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { contactKey, type Contact, type Store } from "./store.js";
import { CLOUD, MCA, typeOf, type TemplateCatalog } from "./templates.js";
import { triggerFor } from "./triggers.js";
import * as R from "./responses.js";

export interface CustomerProfile {
  readonly id: string;
  readonly companyName: string;
  readonly domain: string;
}

/** How a run of page requests fails on purpose: after `after` answered pages, the next `times`. */
export interface PageFailure {
  readonly after: number;
  readonly times: number;
  readonly status: 401 | 403 | 429 | 500 | 503;
  readonly code?: number;
}

/** The page size range Partner Center accepts. */
const MAX_PAGE_SIZE = 500;

const FIRST_NAMES = ["Tania", "Ravi", "Mei", "Jonas", "Amara", "Lucía", "Kofi", "Ingrid", "Hiro", "Zoë"];
const LAST_NAMES = ["Carr", "Iyer", "Chen", "Berg", "Okafor", "García", "Mensah", "Holm", "Sato", "O'Neil"];
const COMPANIES = [
  "Contoso",
  "Fabrikam",
  "Northwind",
  "Tailspin",
  "Wingtip",
  "Litware",
  "Adatum",
  "Proseware",
];
const DAY_MS = 86_400_000;
const OLD_FROM = Date.UTC(2019, 0, 1);
const RECENT_FROM = Date.UTC(2025, 0, 1);

/** A well-mixed 32-bit hash of a position, so the seeded mix looks random but never changes. */
function mix(position: number, salt: number): number {
  let h = Math.imul(position ^ salt, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

/** The generated customer at a position; its id never falls on a prefix of triggers.ts. */
export function generatedCustomer(position: number): CustomerProfile {
  let scatter = mix(position, 0x0c057);
  if (triggerFor(`${scatter.toString(16).padStart(8, "0")}-`)) scatter ^= 0x80000000;
  const id = `${scatter.toString(16).padStart(8, "0")}-c057-4000-8000-${position.toString(16).padStart(12, "0")}`;
  const company = COMPANIES[position % COMPANIES.length];
  // Every 97th name starts like a formula: the pending file must still open harmlessly.
  const companyName = position % 97 === 13 ? `=${company}+${position}` : `${company} ${position}`;
  return { id, companyName, domain: `${company.toLowerCase()}${position}.onmicrosoft.com` };
}

function contactOf(position: number, salt: number): Contact {
  const h = mix(position, salt);
  const firstName = FIRST_NAMES[h % FIRST_NAMES.length];
  const lastName = LAST_NAMES[(h >>> 8) % LAST_NAMES.length];
  return {
    firstName,
    lastName,
    // Addresses are ASCII even where the name is not (Lucía → lucia).
    email: `${firstName
      .normalize("NFD")
      .replace(/[^a-z]/gi, "")
      .toLowerCase()}.${position}@example.com`,
    ...(h % 3 === 0 ? {} : { phoneNumber: `+1 425 555 ${String(h % 10_000).padStart(4, "0")}` }),
  };
}

/**
 * The confirmations a generated customer has on record, by position: 30 % none, 10 % a Cloud
 * Agreement only, 20 % an MCA record from 2019–2021 under the retired template, 30 % a recent one,
 * 10 % an old record and a newer one with another contact (the newer one is the latest).
 */
function seedOne(position: number, id: string, store: Store, catalog: TemplateCatalog): void {
  const kind = mix(position, 0x5eed) % 10;
  const day = (from: number, span: number, salt: number) => from + (mix(position, salt) % span) * DAY_MS;
  const index = (type: string, retired: boolean) => {
    const current = catalog.currentIndexOfType(type);
    if (!retired) return current;
    const older = catalog.all.findIndex((t, i) => i !== current && typeOf(t) === type);
    return older < 0 ? current : older;
  };
  const add = (contact: Contact, type: string, retired: boolean, date: number) => {
    const tpl = index(type, retired);
    if (tpl !== undefined) store.add(id, contactKey(contact), tpl, date);
  };
  if (kind < 3) return;
  if (kind === 3) return add(contactOf(position, 1), CLOUD, false, day(OLD_FROM, 1000, 2));
  if (kind === 4 || kind === 5 || kind === 9) add(contactOf(position, 1), MCA, true, day(OLD_FROM, 1000, 2));
  if (kind >= 6) add(contactOf(position, kind === 9 ? 3 : 1), MCA, false, day(RECENT_FROM, 480, 4));
}

function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** What tests and the demo may do with the customer list. */
export interface Customers {
  /** Customers in the list, generated and added. */
  readonly size: number;
  /** GET /v1/customers requests received. */
  readonly pageRequests: number;
  /** Appends a customer to the end of the list (its confirmations: seedConfirmation). */
  add(customer: CustomerProfile): void;
  /** Makes page requests fail on purpose; null ends it. */
  failPages(failure: PageFailure | null): void;
  /** The customer accepted the MCA directly (in the Microsoft 365 admin center). */
  acceptDirectly(id: string): void;
  /** Whether the customer accepted directly: marked so, or a generated one in the seeded share. */
  acceptedDirectly(id: string): boolean;
}

/** Share of generated customers who accepted the MCA directly, unless the simulator says otherwise. */
const DEFAULT_DIRECT_SHARE = 0.05;
/** A generated customer's id: its position in the last group (generatedCustomer). */
const GENERATED_ID = /^[0-9a-f]{8}-c057-4000-8000-([0-9a-f]{12})$/;

export class CustomerDirectory implements Customers {
  private readonly added: CustomerProfile[] = [];
  private readonly direct = new Set<string>();
  /** Signs continuation tokens, so a made-up or altered one is refused like a stale one. */
  private readonly secret = randomBytes(16);
  private failure: PageFailure | undefined;
  private answeredPages = 0;
  private failedPages = 0;
  pageRequests = 0;

  constructor(
    private readonly generated: number,
    store: Store,
    catalog: TemplateCatalog,
    private readonly directShare = DEFAULT_DIRECT_SHARE,
  ) {
    if (!(directShare >= 0 && directShare <= 1))
      throw new RangeError(`directShare must be from 0 to 1, not ${directShare}`);
    if (!Number.isSafeInteger(generated) || generated < 0)
      throw new RangeError(`customers must be a whole number of at least 0, not ${generated}`);
    for (let p = 0; p < generated; p++) seedOne(p, generatedCustomer(p).id, store, catalog);
  }

  get size(): number {
    return this.generated + this.added.length;
  }

  add(customer: CustomerProfile): void {
    this.added.push({ ...customer, id: customer.id.toLowerCase() });
  }

  acceptDirectly(id: string): void {
    this.direct.add(id.toLowerCase());
  }

  acceptedDirectly(id: string): boolean {
    const key = id.toLowerCase();
    if (this.direct.has(key)) return true;
    const position = GENERATED_ID.exec(key)?.[1];
    if (position === undefined) return false;
    const p = parseInt(position, 16);
    return (
      p < this.generated &&
      generatedCustomer(p).id === key &&
      mix(p, 0xd12ec7) % 1000 < this.directShare * 1000
    );
  }

  failPages(failure: PageFailure | null): void {
    this.failure = failure ?? undefined;
    this.answeredPages = 0;
    this.failedPages = 0;
  }

  private at(position: number): CustomerProfile {
    return position < this.generated ? generatedCustomer(position) : this.added[position - this.generated];
  }

  private token(offset: number, size: number): string {
    const state = `${offset}.${size}`;
    const mac = createHmac("sha256", this.secret).update(state).digest("base64").slice(0, 16);
    // Standard base64 (with + / =) like the real tokens: a client that re-encodes it breaks.
    return base64(`${state}.${mac}`);
  }

  private untoken(token: string): { offset: number; size: number } | undefined {
    const [offset, size, mac] = Buffer.from(token, "base64").toString("utf8").split(".");
    if (mac === undefined || this.token(Number(offset), Number(size)) !== token) return undefined;
    return { offset: Number(offset), size: Number(size) };
  }

  /** Where the request starts and how many it wants, or the text of a 400. */
  private cursor(req: IncomingMessage, query: URLSearchParams): { offset: number; size: number } | string {
    if (query.get("seek_operation") === "next") {
      const token = req.headers["ms-continuationtoken"];
      if (typeof token !== "string" || token === "") return "MS-ContinuationToken header is missing";
      return this.untoken(token) ?? "The continuation token is invalid or has expired";
    }
    const sizeText = query.get("size") ?? String(MAX_PAGE_SIZE);
    const size = Number(sizeText);
    if (!/^\d+$/.test(sizeText) || size < 1 || size > MAX_PAGE_SIZE)
      return `size must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
    return { offset: 0, size };
  }

  /** Answers one GET /v1/customers (auth and contract version already checked). */
  answer(req: IncomingMessage, res: ServerResponse, query: string, trace: R.Trace): void {
    this.pageRequests++;
    const failure = this.failure;
    if (failure && this.answeredPages >= failure.after && this.failedPages < failure.times) {
      this.failedPages++;
      const body =
        failure.status === 429
          ? R.throttledBody(1)
          : failure.status === 401 || failure.status === 403
            ? R.authErrorBody(failure.code ?? 800001)
            : R.newError(
                failure.code ?? failure.status,
                "The service is temporarily unavailable",
                "ServiceUnavailable",
                true,
              );
      return R.send(
        res,
        failure.status,
        body,
        trace,
        failure.status === 429 ? { "retry-after": "1" } : undefined,
      );
    }
    const cursor = this.cursor(req, new URLSearchParams(query));
    if (typeof cursor === "string")
      return R.send(res, 400, R.newError(800002, cursor, "InvalidInput"), trace);
    this.answeredPages++;
    const end = Math.min(this.size, cursor.offset + cursor.size);
    const items = [];
    for (let p = cursor.offset; p < end; p++) items.push(this.item(this.at(p)));
    const links: Record<string, unknown> = {
      self: { uri: `/customers?size=${cursor.size}`, method: "GET", headers: [] },
    };
    if (end < this.size) {
      links.next = {
        uri: "/customers?seek_operation=next",
        method: "GET",
        headers: [{ key: "MS-ContinuationToken", value: this.token(end, cursor.size) }],
      };
    }
    R.sendJson(
      res,
      200,
      { totalCount: items.length, items, links, attributes: { objectType: "Collection" } },
      trace,
    );
  }

  private item(c: CustomerProfile): object {
    return {
      id: c.id,
      companyProfile: {
        tenantId: c.id,
        domain: c.domain,
        companyName: c.companyName,
        attributes: { objectType: "CustomerCompanyProfile" },
      },
      relationshipToPartner: "reseller",
      allowDelegatedAccess: true,
      attributes: { objectType: "Customer" },
    };
  }
}
