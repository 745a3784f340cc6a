// The demo's monthly cycle on the simulator: the sample's customers become the partner's
// customer list (some with a confirmation on record already), `pending` lists those that need
// one, and the pending file is filled in from the sample, as an operator would from the CRM.

import { escapeFormula } from "../input/escape.js";
import { openInput } from "../input/read.js";
import { createAtomicCsv } from "../output/atomic-csv.js";
import type { Simulator } from "../simulator/index.js";
import { FIELDS, type Field } from "../types.js";
import { normalizeTenantId } from "../validate.js";

/** Every third customer of the sample has confirmed already: pending leaves it out. */
const CONFIRMED_EVERY = 3;
/** Every seventh (of those not confirmed) accepted the MCA directly: pending leaves it out too. */
const DIRECT_EVERY = 7;

type SampleContact = Readonly<Partial<Record<Field, string>>>;

/** The sample's rows by customer (first row wins), for customer ids that are GUIDs. */
async function sampleByCustomer(sample: string): Promise<Map<string, SampleContact>> {
  const byCustomer = new Map<string, SampleContact>();
  const input = await openInput(sample);
  try {
    for await (const row of input.rows()) {
      const id = normalizeTenantId(row.fields.customerTenantId ?? "");
      if (id !== undefined && !byCustomer.has(id)) byCustomer.set(id, row.fields);
    }
  } finally {
    input.close();
  }
  return byCustomer;
}

/** Puts the sample's customers into the simulator's customer list; returns how many. */
export async function seedSampleCustomers(sim: Simulator, sample: string): Promise<number> {
  const customers = await sampleByCustomer(sample);
  let position = 0;
  for (const [id, contact] of customers) {
    const company = (contact.email ?? "").split("@")[1] ?? "example";
    sim.customers.add({ id, companyName: company.split(".")[0], domain: company });
    if (++position % CONFIRMED_EVERY === 0 && contact.firstName && contact.lastName && contact.email) {
      sim.seedConfirmation(
        id,
        { firstName: contact.firstName, lastName: contact.lastName, email: contact.email },
        "2025-11-01",
      );
    } else if (position % DIRECT_EVERY === 0) {
      sim.customers.acceptDirectly(id);
    }
  }
  return customers.size;
}

/**
 * Writes `filled`: the pending file with its empty fields taken from the sample's row of the
 * same customer (its problems included, so the run shows how they are reported). Returns the rows.
 */
export async function fillFromSample(pending: string, sample: string, filled: string): Promise<number> {
  const contacts = await sampleByCustomer(sample);
  const input = await openInput(pending);
  const { columns, fieldColumn } = input.header;
  const out = createAtomicCsv(filled, columns);
  let rows = 0;
  try {
    for await (const row of input.rows()) {
      const cells = [...row.cells];
      const contact = contacts.get(row.fields.customerTenantId ?? "") ?? {};
      for (const field of FIELDS) {
        const column = fieldColumn[field];
        const value = contact[field];
        if (column !== undefined && cells[column] === "" && value) cells[column] = escapeFormula(value);
      }
      await out.write(cells);
      rows++;
    }
    await out.commit();
  } catch (err) {
    out.discard();
    throw err;
  } finally {
    input.close();
  }
  return rows;
}
