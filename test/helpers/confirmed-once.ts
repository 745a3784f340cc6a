// What every fault test checks of a confirmed row, against the simulator's own records: one
// record per customer, as many requests as attempts, and the userId the simulator issued for it.
import { expect } from "vitest";
import type { Simulator } from "../../src/simulator/index.js";
import { userIdOf } from "../../src/simulator/store.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The invariants every fault test checks for a confirmed row, against the simulator's records. */
export function expectConfirmedOnce(s: Simulator, rows: Record<string, string>[]): void {
  for (const row of rows) {
    const id = row.customerTenantId;
    expect(row, `row ${row.rowNumber}`).toMatchObject({
      status: "confirmed",
      httpStatus: "201",
      errorCode: "",
    });
    expect(s.stats.recordsPerCustomer(id), `records of row ${row.rowNumber}`).toBe(1);
    expect(Number(row.attempts), `attempts of row ${row.rowNumber}`).toBe(s.stats.requestsPerCustomer(id));
    expect(row.requestId).toMatch(GUID);
    expect(row.correlationId).toMatch(GUID);
  }
  expect(s.stats.customersWithDuplicateRecords()).toEqual([]);
  // Every userId is one the simulator issued, and no two rows got the same one (a replayed
  // answer for the wrong MS-RequestId would hand a row another row's userId).
  const issued = new Set(Array.from({ length: s.stats.totalRecords() + 1 }, (_, i) => userIdOf(i)));
  const userIds = rows.map((r) => r.userId);
  expect(userIds.every((u) => issued.has(u))).toBe(true);
  expect(new Set(userIds).size).toBe(rows.length);
}
