import { afterEach, describe, expect, it } from "vitest";
import got, { type Response } from "got";
import { CURRENT_MCA_TEMPLATE_ID, startSimulator, type Simulator } from "../src/simulator/index.js";
import { closeSimulators, trackedSimulator } from "./helpers/cli.js";

const MCA = "MicrosoftCustomerAgreement";
const CUSTOMER = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const start = trackedSimulator;
afterEach(() => closeSimulators());

const HEADERS = { authorization: "Bearer token", "ms-contract-version": "v1", accept: "application/json" };
const OPTS = { retry: { limit: 0 }, throwHttpErrors: false } as const;

function agreement(over: Record<string, unknown> = {}, contact: Record<string, unknown> = {}) {
  return {
    primaryContact: {
      firstName: "Tania",
      lastName: "Carr",
      email: "tania@example.com",
      phoneNumber: "1234567890",
      ...contact,
    },
    templateId: CURRENT_MCA_TEMPLATE_ID,
    dateAgreed: "2018-06-14T00:00:00.000Z",
    type: MCA,
    ...over,
  };
}

function post(
  sim: Simulator,
  body: unknown,
  opts: { customer?: string; headers?: Record<string, string | undefined> } = {},
) {
  return got.post(`${sim.url}/v1/customers/${opts.customer ?? CUSTOMER}/agreements`, {
    ...OPTS,
    json: body,
    headers: { ...HEADERS, ...opts.headers },
  });
}

function get(sim: Simulator, path: string, headers: Record<string, string | undefined> = {}) {
  return got(`${sim.url}${path}`, { ...OPTS, headers: { ...HEADERS, ...headers } });
}

const json = (r: Response<string>) => JSON.parse(r.body) as Record<string, any>;

describe("agreement metadata", () => {
  it("lists the MCA templates, one of them naming the field `type`", async () => {
    const sim = await start();
    const r = await get(sim, `/v1/agreements?agreementType=${MCA}`);
    expect(r.statusCode).toBe(200);
    const b = json(r);
    expect(b.totalCount).toBe(2);
    expect(b.attributes).toEqual({ objectType: "Collection" });
    expect(b.items.map((i: any) => i.agreementType ?? i.type)).toEqual([MCA, MCA]);
    expect(b.items.some((i: any) => "type" in i && !("agreementType" in i))).toBe(true);
    const current = b.items.find((i: any) => i.versionRank === 0);
    expect(current.templateId).toBe(CURRENT_MCA_TEMPLATE_ID);
  });

  it("answers for the Cloud Agreement when no agreementType is given", async () => {
    const sim = await start();
    const b = json(await get(sim, "/v1/agreements"));
    expect(b.totalCount).toBe(1);
    expect(b.items[0].agreementType).toBe("MicrosoftCloudAgreement");
  });

  it("fails with metadataStatus so a templateId cannot be resolved", async () => {
    const sim = await start({ faults: { metadataStatus: 500 } });
    expect((await get(sim, `/v1/agreements?agreementType=${MCA}`)).statusCode).toBe(500);
    sim.setFaults({ metadataStatus: null });
    expect((await get(sim, `/v1/agreements?agreementType=${MCA}`)).statusCode).toBe(200);
  });
});

describe("confirming an agreement", () => {
  it("records it and answers 201 with the agreement and a userId, echoing the tracing ids", async () => {
    const sim = await start();
    const r = await post(sim, agreement(), {
      headers: { "ms-requestid": "req-1", "ms-correlationid": "corr-1" },
    });
    expect(r.statusCode).toBe(201);
    const b = json(r);
    expect(b.userId).toMatch(GUID);
    expect(b.primaryContact).toEqual(agreement().primaryContact);
    expect(b).toMatchObject({
      templateId: CURRENT_MCA_TEMPLATE_ID,
      type: MCA,
      dateAgreed: "2018-06-14T00:00:00.000Z",
    });
    expect(r.headers["ms-requestid"]).toBe("req-1");
    expect(r.headers["ms-correlationid"]).toBe("corr-1");
    expect(sim.stats.recordsPerCustomer(CUSTOMER)).toBe(1);
  });

  it("generates tracing ids when the request has none", async () => {
    const sim = await start();
    const r = await post(sim, agreement());
    expect(r.headers["ms-requestid"]).toMatch(GUID);
    expect(r.headers["ms-correlationid"]).toMatch(GUID);
  });

  it("answers 600061 for the same contact again, and records a changed contact", async () => {
    const sim = await start();
    const first = await post(sim, agreement());
    expect(first.statusCode).toBe(201);
    const again = await post(sim, agreement());
    expect(again.statusCode).toBe(400);
    expect(json(again)).toMatchObject({ code: 600061, errorName: "PartnerConfirmedAgreementAlreadyExists" });
    const changed = await post(sim, agreement({}, { phoneNumber: "555" }));
    expect(changed.statusCode).toBe(201);
    expect(json(changed).userId).not.toBe(json(first).userId);
    expect(sim.stats.recordsPerCustomer(CUSTOMER)).toBe(2);
    expect(sim.stats.customersWithDuplicateRecords()).toEqual([]);
  });

  it("treats an absent phone number as an empty one", async () => {
    const sim = await start();
    const noPhone = agreement();
    delete (noPhone.primaryContact as { phoneNumber?: string }).phoneNumber;
    expect((await post(sim, noPhone)).statusCode).toBe(201);
    expect(json(await post(sim, agreement({}, { phoneNumber: "" }))).code).toBe(600061);
  });

  it("refuses a date in the future with 600002", async () => {
    const now = Date.parse("2025-01-01T00:00:00.000Z");
    const sim = await start({ now: () => now });
    const r = await post(sim, agreement({ dateAgreed: "2025-01-01T00:00:01.000Z" }));
    expect(r.statusCode).toBe(400);
    expect(json(r)).toMatchObject({
      code: 600002,
      description: "Date of agreement cannot be greater than the current date",
    });
    expect((await post(sim, agreement({ dateAgreed: "2025-01-01T00:00:00.000Z" }))).statusCode).toBe(201);
  });

  it.each([
    ["an unknown templateId", agreement({ templateId: "00000000-0000-0000-0000-000000000001" })],
    ["an older template version", agreement({ templateId: "0b6a2e9c-4f1d-4c3a-9d57-2a6e8f0c1b44" })],
    ["a type that does not match the template", agreement({ type: "MicrosoftCloudAgreement" })],
    ["a local-time date", agreement({ dateAgreed: "2018-06-14T00:00:00+02:00" })],
    ["a date-only value", agreement({ dateAgreed: "2018-06-14" })],
    ["an impossible calendar date", agreement({ dateAgreed: "2018-02-30T00:00:00.000Z" })],
    ["a missing email", agreement({}, { email: undefined })],
    ["a blank last name", agreement({}, { lastName: "  " })],
    ["a body that is not an agreement", "nonsense"],
  ])("refuses %s with 400 800002", async (_what, body) => {
    const sim = await start();
    const r = await post(sim, body);
    expect(r.statusCode).toBe(400);
    expect(json(r).code).toBe(800002);
    expect(sim.stats.totalRecords()).toBe(0);
  });
});

describe("customer id triggers", () => {
  it.each([
    ["00000404-0000-4000-8000-000000000001", 404, 60003],
    ["00000403-0000-4000-8000-000000000001", 403, 20002],
    ["00000400-0000-4000-8000-000000000001", 400, 900118],
    ["not-a-guid", 400, 900118],
  ])("%s → %i code %i", async (customer, status, code) => {
    const sim = await start();
    const r = await post(sim, agreement(), { customer });
    expect(r.statusCode).toBe(status);
    expect(json(r).code).toBe(code);
  });

  it("00000500-… always answers 503", async () => {
    const sim = await start();
    for (let i = 0; i < 3; i++) {
      expect(
        (await post(sim, agreement(), { customer: "00000500-0000-4000-8000-000000000001" })).statusCode,
      ).toBe(503);
    }
  });

  it("00000429-… always answers 429 with Retry-After 1", async () => {
    const sim = await start();
    const r = await post(sim, agreement(), { customer: "00000429-0000-4000-8000-000000000001" });
    expect(r.statusCode).toBe(429);
    expect(r.headers["retry-after"]).toBe("1");
    expect(json(r).statusCode).toBe(429);
    expect(sim.stats.throttled).toBe(1);
  });
});

describe("authentication and headers", () => {
  it("answers 401 800001 in the older shape without a bearer token", async () => {
    const sim = await start();
    const r = await post(sim, agreement(), { headers: { authorization: undefined } });
    expect(r.statusCode).toBe(401);
    expect(json(r)).toEqual({
      code: 800001,
      description: "Authorization token is missing or invalid",
      data: [],
      source: "PartnerFD",
    });
  });

  it("answers 401 for a token acceptToken refuses", async () => {
    const sim = await start({ acceptToken: (t) => t === "good" });
    expect((await get(sim, "/v1/agreements", { authorization: "Bearer bad" })).statusCode).toBe(401);
    expect((await get(sim, "/v1/agreements", { authorization: "Bearer good" })).statusCode).toBe(200);
  });

  it("answers 400 800002 without MS-Contract-Version: v1", async () => {
    const sim = await start();
    const r = await post(sim, agreement(), { headers: { "ms-contract-version": undefined } });
    expect(r.statusCode).toBe(400);
    expect(json(r).code).toBe(800002);
  });

  it("refuses every request with the authError fault", async () => {
    const sim = await start();
    sim.setFaults({ authError: { status: 401, code: 900421 } });
    const r = await get(sim, "/v1/agreements");
    expect(r.statusCode).toBe(401);
    expect(json(r).code).toBe(900421);
    expect((await post(sim, agreement())).statusCode).toBe(401);
    expect(sim.stats.totalRecords()).toBe(0);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After and the gateway body once the bucket is empty", async () => {
    const sim = await start({ rateLimit: { perSecond: 0.5, burst: 2 } });
    expect((await get(sim, "/v1/agreements")).statusCode).toBe(200);
    expect((await post(sim, agreement())).statusCode).toBe(201);
    const r = await get(sim, `/v1/customers/${CUSTOMER}/agreements`);
    expect(r.statusCode).toBe(429);
    // One token takes 2 s at 0.5/s.
    expect(r.headers["retry-after"]).toBe("2");
    expect(json(r)).toEqual({ statusCode: 429, message: "Rate limit is exceeded. Try again in 2 seconds." });
    expect(sim.stats.throttled).toBe(1);
    sim.setRateLimit(null);
    expect((await get(sim, "/v1/agreements")).statusCode).toBe(200);
  });

  it("refills at perSecond", async () => {
    const sim = await start({ rateLimit: { perSecond: 20, burst: 1 } });
    expect((await get(sim, "/v1/agreements")).statusCode).toBe(200);
    const throttled = await get(sim, "/v1/agreements");
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("1");
    await new Promise((r) => setTimeout(r, 120));
    expect((await get(sim, "/v1/agreements")).statusCode).toBe(200);
  });
});

describe("MS-RequestId idempotency", () => {
  it("replays the original answer for a repeated request id and records nothing new", async () => {
    const sim = await start();
    const headers = { "ms-requestid": "7d3c1a52-0000-4000-8000-000000000001" };
    const a = await post(sim, agreement(), { headers });
    const b = await post(sim, agreement(), { headers });
    expect(b.statusCode).toBe(201);
    expect(json(b).userId).toBe(json(a).userId);
    expect(sim.stats.recordsPerCustomer(CUSTOMER)).toBe(1);
    // A new request id for the same contact is a new request: 600061.
    expect(json(await post(sim, agreement())).code).toBe(600061);
  });

  it("replays a stored 4xx answer too", async () => {
    const sim = await start();
    await post(sim, agreement());
    const headers = { "ms-requestid": "7d3c1a52-0000-4000-8000-000000000002" };
    const a = await post(sim, agreement(), { headers });
    const b = await post(sim, agreement({}, { firstName: "Changed" }), { headers });
    expect([a.statusCode, b.statusCode]).toEqual([400, 400]);
    expect(b.body).toBe(a.body);
    expect(sim.stats.recordsPerCustomer(CUSTOMER)).toBe(1);
  });

  it("keeps the record of a request whose socket was reset after commit", async () => {
    const sim = await start({ faults: { resetAfterCommitRate: 1 } });
    const headers = { "ms-requestid": "7d3c1a52-0000-4000-8000-000000000003" };
    await expect(post(sim, agreement(), { headers })).rejects.toThrow();
    expect(sim.stats.recordsPerCustomer(CUSTOMER)).toBe(1);
    sim.setFaults({ resetAfterCommitRate: 0 });
    const again = await post(sim, agreement(), { headers });
    expect(again.statusCode).toBe(201);
    expect(json(again).userId).toMatch(GUID);
    expect(sim.stats.recordsPerCustomer(CUSTOMER)).toBe(1);
    expect(sim.stats.requestsPerCustomer(CUSTOMER)).toBe(2);
  });

  it("records nothing and stores no answer on a reset before commit", async () => {
    const sim = await start({ faults: { resetBeforeCommitRate: 1 } });
    const headers = { "ms-requestid": "7d3c1a52-0000-4000-8000-000000000004" };
    await expect(post(sim, agreement(), { headers })).rejects.toThrow();
    expect(sim.stats.totalRecords()).toBe(0);
    sim.setFaults({ resetBeforeCommitRate: 0 });
    expect((await post(sim, agreement(), { headers })).statusCode).toBe(201);
  });
});

describe("faults", () => {
  it("answers 500 or 503 at errorRate 1 and does not store the answer", async () => {
    const sim = await start({ faults: { errorRate: 1 } });
    const headers = { "ms-requestid": "7d3c1a52-0000-4000-8000-000000000005" };
    for (let i = 0; i < 10; i++) {
      expect([500, 503]).toContain((await post(sim, agreement(), { headers })).statusCode);
    }
    expect(sim.stats.totalRecords()).toBe(0);
    sim.setFaults({ errorRate: 0 });
    expect((await post(sim, agreement(), { headers })).statusCode).toBe(201);
  });

  it("answers 408 at timeoutRate 1", async () => {
    const sim = await start({ faults: { timeoutRate: 1 } });
    expect((await post(sim, agreement())).statusCode).toBe(408);
  });

  it("draws the same faults for the same seed", async () => {
    const outcomes = async () => {
      const sim = await start({ seed: 42, faults: { errorRate: 0.5 } });
      const out: number[] = [];
      for (let i = 0; i < 12; i++)
        out.push((await post(sim, agreement({}, { firstName: `N${i}` }))).statusCode);
      return out;
    };
    const a = await outcomes();
    expect(await outcomes()).toEqual(a);
    expect(a).toContain(201);
    expect(a.some((s) => s >= 500)).toBe(true);
  });

  it("leaves a hung request open until close() destroys it", async () => {
    const sim = await startSimulator({ faults: { hangRate: 1 } });
    const pending = post(sim, agreement());
    const settled = pending.then(
      () => "answered",
      () => "destroyed",
    );
    for (let i = 0; i < 100 && sim.stats.inFlight === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sim.stats.inFlight).toBe(1);
    const race = await Promise.race([settled, new Promise((r) => setTimeout(() => r("still hanging"), 200))]);
    expect(race).toBe("still hanging");
    await sim.close();
    expect(await settled).toBe("destroyed");
  });
});

describe("listing a customer's agreements", () => {
  it("lists seeded and recorded confirmations of the asked type", async () => {
    const sim = await start();
    sim.seedConfirmation(
      CUSTOMER.toUpperCase(),
      { firstName: "Ann", lastName: "Lee", email: "ann@example.com" },
      "2020-01-02T03:04:05.000Z",
    );
    const r = await get(sim, `/v1/customers/${CUSTOMER}/agreements?agreementType=${MCA}`);
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({
      totalCount: 1,
      items: [
        {
          primaryContact: { firstName: "Ann", lastName: "Lee", email: "ann@example.com" },
          templateId: CURRENT_MCA_TEMPLATE_ID,
          dateAgreed: "2020-01-02T03:04:05.000Z",
          type: MCA,
          agreementLink: "https://aka.ms/customeragreement",
        },
      ],
    });
    // The seeded confirmation makes the same contact a 600061.
    const again = await post(
      sim,
      agreement({}, { firstName: "Ann", lastName: "Lee", email: "ann@example.com", phoneNumber: undefined }),
    );
    expect(json(again).code).toBe(600061);
  });

  it("lists Cloud Agreements (none) without agreementType, and nothing for an unknown customer", async () => {
    const sim = await start();
    sim.seedConfirmation(CUSTOMER, { firstName: "Ann", lastName: "Lee", email: "ann@example.com" });
    expect(json(await get(sim, `/v1/customers/${CUSTOMER}/agreements`))).toMatchObject({
      totalCount: 0,
      items: [],
    });
    const other = "11111111-2222-4333-8444-555555555555";
    expect(json(await get(sim, `/v1/customers/${other}/agreements?agreementType=${MCA}`)).totalCount).toBe(0);
  });

  it("applies the customer id triggers", async () => {
    const sim = await start();
    expect(
      (await get(sim, `/v1/customers/00000404-0000-4000-8000-000000000001/agreements?agreementType=${MCA}`))
        .statusCode,
    ).toBe(404);
  });
});

describe("stats and the server", () => {
  it("counts requests by kind, per customer and in flight", async () => {
    const sim = await start({ latencyMs: 100 });
    await Promise.all([
      get(sim, `/v1/agreements?agreementType=${MCA}`),
      get(sim, `/v1/customers/${CUSTOMER}/agreements`),
      ...Array.from({ length: 4 }, (_, i) => post(sim, agreement({}, { firstName: `P${i}` }))),
    ]);
    const s = sim.stats;
    expect([s.requests, s.metadataRequests, s.listRequests, s.confirmRequests]).toEqual([6, 1, 1, 4]);
    expect(s.peakInFlight).toBe(6);
    expect(s.inFlight).toBe(0);
    expect(s.requestsPerCustomer(CUSTOMER.toUpperCase())).toBe(4);
    expect(s.recordsPerCustomer(CUSTOMER)).toBe(4);
    expect(s.totalRecords()).toBe(4);
    sim.setLatency(0);
  });

  it("sums the time accepted requests stay open, and not a refused one's", async () => {
    // A cap of 2 at 100 ms: three at once, two served for about 100 ms each, the third refused.
    const sim = await start({ latencyMs: 100, rateLimit: { kind: "max-open", maxOpen: 2 } });
    const codes = await Promise.all([1, 2, 3].map(() => get(sim, "/v1/agreements"))).then((rs) =>
      rs.map((r) => r.statusCode).sort(),
    );
    expect(codes).toEqual([200, 200, 429]);
    const s = sim.stats;
    expect(s.acceptedOpenMs).toBeGreaterThanOrEqual(2 * 99);
    // Well under three requests' worth: the 429 is answered at once and counts nothing.
    expect(s.acceptedOpenMs).toBeLessThan(2 * 100 + 80);
    // Mean open over the busy span, as bench (d) reads a cap's share: at most the cap.
    expect(s.acceptedOpenMs / (s.lastAnswerAt - s.firstRequestAt)).toBeLessThanOrEqual(2.05);
  });

  it("answers unknown paths with a plain 404", async () => {
    const sim = await start();
    const r = await get(sim, "/v2/nothing");
    expect(r.statusCode).toBe(404);
    expect(r.headers["content-type"]).toMatch(/text\/plain/);
    expect(sim.stats.requests).toBe(0);
  });

  it("refuses to listen on anything but loopback", async () => {
    await expect(startSimulator({ host: "0.0.0.0" })).rejects.toThrow(/loopback/);
  });
});
