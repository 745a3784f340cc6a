// Deterministic failures, chosen by the first group of the customer tenant id, so that tests,
// the demo and docs/simulator.md can produce every row outcome on purpose (that page copies this table):
//
//   00000404-…  → 404, code 60003   tenant not found                       (row: rejected)
//   00000403-…  → 403, code 20002   no commerce relationship with customer (row: rejected)
//   00000400-…  → 400, code 900118  invalid customer id                    (row: rejected)
//   00000500-…  → 503 on every attempt                                      (row: failed)
//   00000429-…  → 429 on every attempt, with Retry-After: 1                 (row: failed)
//
// They apply to POST and GET /v1/customers/{id}/agreements, before faults, idempotency and
// validation, so they answer the same however often they are asked.

type Trigger =
  | { kind: "error"; status: 400 | 403 | 404; code: number; description: string }
  | { kind: "unavailable" }
  | { kind: "throttled" };

const TRIGGERS: ReadonlyMap<string, Trigger> = new Map<string, Trigger>([
  ["00000404", { kind: "error", status: 404, code: 60003, description: "Tenant not found" }],
  [
    "00000403",
    {
      kind: "error",
      status: 403,
      code: 20002,
      description: "The partner does not have a commerce relationship with this customer",
    },
  ],
  ["00000400", { kind: "error", status: 400, code: 900118, description: "The customer id is invalid" }],
  ["00000500", { kind: "unavailable" }],
  ["00000429", { kind: "throttled" }],
]);

/** The trigger for a (lower-case) customer id, if its first group is one of the table above. */
export function triggerFor(customerId: string): Trigger | undefined {
  // Cheap on the hot path: only ids whose first group is all zeros-and-digits can match.
  if (customerId.charCodeAt(0) !== 48 /* '0' */ || customerId.charCodeAt(8) !== 45 /* '-' */)
    return undefined;
  return TRIGGERS.get(customerId.slice(0, 8));
}
