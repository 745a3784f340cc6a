// What the simulator remembers: confirmations per customer and answers per MS-RequestId.
// Sized for benchmarks of 500k customers, so a record is four small fields and a 201 answer
// is remembered as a reference to its record, not as a body.

import { typeOf, type TemplateCatalog } from "./templates.js";

export interface Contact {
  firstName: string;
  lastName: string;
  email: string;
  phoneNumber?: string;
}

interface Rec {
  /** JSON of [first, last, email, phone or ""]: compared exactly, absent phone == empty. */
  readonly contact: string;
  /** Index into the template catalog. */
  readonly tpl: number;
  /** dateAgreed in epoch ms (echoed in ISO form). */
  readonly date: number;
  /** Sequence number; the userId is derived from it, so it is stable per record. */
  readonly seq: number;
}

interface CustomerState {
  posts: number;
  recs: Rec[] | undefined;
}

/** A decided answer to a POST, replayed for a repeated MS-RequestId. */
export type Answer = { readonly rec: Rec } | { readonly status: number; readonly body: string };

/**
 * Partner Center does not say how long it keeps request ids; a cap keeps memory bounded in
 * long benchmarks (oldest forgotten first). 1M is beyond any single run we simulate.
 */
const MAX_REMEMBERED = 1_000_000;

export function contactKey(contact: Contact): string {
  return JSON.stringify([contact.firstName, contact.lastName, contact.email, contact.phoneNumber ?? ""]);
}

/** A GUID-shaped id that is unique per sequence number (the first group only scatters them). */
export function userIdOf(seq: number): string {
  const scatter = Math.imul(seq ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return `${scatter.toString(16).padStart(8, "0")}-5111-4000-8000-${seq.toString(16).padStart(12, "0")}`;
}

export class Store {
  private readonly customers = new Map<string, CustomerState>();
  private readonly answers = new Map<string, Answer>();
  private seq = 0;
  private records = 0;

  constructor(private readonly catalog: TemplateCatalog) {}

  private state(customerId: string): CustomerState {
    let customer = this.customers.get(customerId);
    if (!customer) this.customers.set(customerId, (customer = { posts: 0, recs: undefined }));
    return customer;
  }

  countPost(customerId: string): void {
    this.state(customerId).posts++;
  }

  /** The existing record of this contact for this agreement type, if any. */
  find(customerId: string, contact: string, tpl: number): Rec | undefined {
    const type = typeOf(this.catalog.all[tpl]);
    return this.customers
      .get(customerId)
      ?.recs?.find((rec) => rec.contact === contact && typeOf(this.catalog.all[rec.tpl]) === type);
  }

  add(customerId: string, contact: string, tpl: number, date: number): Rec {
    const rec: Rec = { contact, tpl, date, seq: ++this.seq };
    const customer = this.state(customerId);
    // An array literal is allocated at its exact size; push on [] would reserve 17 slots.
    if (customer.recs) customer.recs.push(rec);
    else customer.recs = [rec];
    this.records++;
    return rec;
  }

  /** Records of one agreement type, as list items: with their userId, which ties a 600061 to its record. */
  list(customerId: string, agreementType: string): object[] {
    const wanted = agreementType.toLowerCase();
    const recs = this.customers.get(customerId)?.recs ?? [];
    return recs
      .filter((rec) => typeOf(this.catalog.all[rec.tpl]).toLowerCase() === wanted)
      .map((rec) => this.agreement(rec));
  }

  /** The agreement as the API shows it, in a 201 answer and in a listing alike. */
  agreement(rec: Rec): object {
    const [firstName, lastName, email, phoneNumber] = JSON.parse(rec.contact) as string[];
    const template = this.catalog.all[rec.tpl];
    return {
      primaryContact: phoneNumber
        ? { firstName, lastName, email, phoneNumber }
        : { firstName, lastName, email },
      templateId: template.templateId,
      dateAgreed: new Date(rec.date).toISOString(),
      type: typeOf(template),
      agreementLink: template.agreementLink,
      userId: userIdOf(rec.seq),
    };
  }

  answered(requestId: string): Answer | undefined {
    return this.answers.get(requestId);
  }

  remember(requestId: string, answer: Answer): void {
    if (this.answers.size >= MAX_REMEMBERED) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(requestId, answer);
  }

  // --- for SimulatorStats ---
  postsFor(customerId: string): number {
    return this.customers.get(customerId.toLowerCase())?.posts ?? 0;
  }
  recordsFor(customerId: string): number {
    return this.customers.get(customerId.toLowerCase())?.recs?.length ?? 0;
  }
  totalRecords(): number {
    return this.records;
  }
  /** Customers holding two records of the same contact and type: must never happen. O(records). */
  duplicates(): string[] {
    const out: string[] = [];
    for (const [id, customer] of this.customers) {
      if (!customer.recs || customer.recs.length < 2) continue;
      const seen = new Set(customer.recs.map((rec) => `${typeOf(this.catalog.all[rec.tpl])}|${rec.contact}`));
      if (seen.size < customer.recs.length) out.push(id);
    }
    return out;
  }
}
