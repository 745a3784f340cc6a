// The customer list end to end below the command: the simulator's paging (size, links.next,
// MS-ContinuationToken), its checks and failures, its seeded confirmations, and the client
// and parsers that read it.
import { afterEach, describe, expect, it } from "vitest";
import got, { type Response } from "got";
import { generatedCustomer, type Simulator } from "../src/simulator/index.js";
import { closeSimulators, trackedSimulator } from "./helpers/cli.js";
import { createClient, type CustomerPageRequest } from "../src/partner-center/client.js";
import { parseAgreementRecords, parseCustomerPage } from "../src/partner-center/customer-list.js";

const MCA = "MicrosoftCustomerAgreement";
const HEADERS = { authorization: "Bearer token", "ms-contract-version": "v1", accept: "application/json" };
const OPTS = { retry: { limit: 0 }, throwHttpErrors: false, timeout: { request: 5_000 } } as const;
const IDS = {
  requestId: "8b7a2c1e-0f3d-4e5a-9b6c-7d8e9f0a1b2c",
  correlationId: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
};

const start = trackedSimulator;
afterEach(() => closeSimulators());

function get(sim: Simulator, path: string, headers: Record<string, string | undefined> = {}) {
  return got(`${sim.url}${path}`, { ...OPTS, headers: { ...HEADERS, ...headers } });
}

const json = (r: Response<string>) => JSON.parse(r.body) as Record<string, any>;

/** links.next's token, read the way the documented answer carries it. */
function nextToken(body: Record<string, any>): string | undefined {
  const headers = body.links?.next?.headers as { key: string; value: string }[] | undefined;
  return headers?.find((h) => h.key === "MS-ContinuationToken")?.value;
}

describe("the simulator's customer list", () => {
  it("pages through every customer with size and MS-ContinuationToken until no links.next", async () => {
    const sim = await start({ customers: 7 });
    const first = await get(sim, "/v1/customers?size=3");
    expect(first.statusCode).toBe(200);
    const pages = [json(first)];
    for (let token = nextToken(pages[0]); token !== undefined && pages.length < 10;) {
      const page = await get(sim, "/v1/customers?seek_operation=next", { "ms-continuationtoken": token });
      expect(page.statusCode).toBe(200);
      pages.push(json(page));
      token = nextToken(pages[pages.length - 1]);
    }
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.totalCount)).toEqual([3, 3, 1]);
    expect(pages[2].links.next).toBeUndefined();
    expect(pages[0].links.next).toMatchObject({ uri: "/customers?seek_operation=next", method: "GET" });
    const ids = pages.flatMap((p) => p.items.map((i: { id: string }) => i.id));
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6].map((p) => generatedCustomer(p).id));
    expect(pages[0].items[0]).toMatchObject({
      id: ids[0],
      companyProfile: {
        tenantId: ids[0],
        domain: generatedCustomer(0).domain,
        companyName: generatedCustomer(0).companyName,
      },
      relationshipToPartner: "reseller",
    });
    expect(sim.customers.pageRequests).toBe(3);
    expect(sim.stats.requests).toBe(3);
  });

  it("lists customers added by a test after the generated ones", async () => {
    const sim = await start({ customers: 1 });
    sim.customers.add({
      id: "6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B",
      companyName: "Added",
      domain: "added.example",
    });
    const page = json(await get(sim, "/v1/customers?size=500"));
    expect(page.items.map((i: { id: string }) => i.id)).toEqual([
      generatedCustomer(0).id,
      "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
    ]);
    expect(page.links.next).toBeUndefined();
  });

  it("answers an empty list as one page without links.next", async () => {
    const sim = await start();
    const page = json(await get(sim, "/v1/customers?size=10"));
    expect(page).toMatchObject({ totalCount: 0, items: [] });
    expect(page.links.next).toBeUndefined();
  });

  it("refuses sizes outside 1..500 and missing, made-up or altered continuation tokens", async () => {
    const sim = await start({ customers: 5 });
    for (const size of ["0", "501", "abc", "2.5", "-1"]) {
      const r = await get(sim, `/v1/customers?size=${size}`);
      expect(r.statusCode, size).toBe(400);
      expect(json(r).code).toBe(800002);
    }
    const token = nextToken(json(await get(sim, "/v1/customers?size=2")))!;
    const altered = Buffer.from(Buffer.from(token, "base64").toString().replace(/^2\./, "0.")).toString(
      "base64",
    );
    for (const bad of [undefined, "AQAAAA==", altered, `${token}x`]) {
      const r = await get(sim, "/v1/customers?seek_operation=next", { "ms-continuationtoken": bad });
      expect(r.statusCode, String(bad)).toBe(400);
    }
    expect(
      (await get(sim, "/v1/customers?seek_operation=next", { "ms-continuationtoken": token })).statusCode,
    ).toBe(200);
  });

  it("checks the token and the contract version, and throttles, like the other endpoints", async () => {
    const sim = await start({ customers: 3 });
    expect((await get(sim, "/v1/customers?size=1", { authorization: undefined })).statusCode).toBe(401);
    expect((await get(sim, "/v1/customers?size=1", { "ms-contract-version": undefined })).statusCode).toBe(
      400,
    );
    sim.setFaults({ authError: { status: 403, code: 900308 } });
    expect((await get(sim, "/v1/customers?size=1")).statusCode).toBe(403);
    sim.setFaults({ authError: null });
    sim.setRateLimit({ perSecond: 1, burst: 1 });
    await get(sim, "/v1/customers?size=1");
    const throttled = await get(sim, "/v1/customers?size=1");
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("1");
  });

  it("fails page requests on purpose: once, then the same page again", async () => {
    const sim = await start({ customers: 4 });
    sim.customers.failPages({ after: 1, times: 1, status: 503 });
    const first = json(await get(sim, "/v1/customers?size=2"));
    const token = nextToken(first)!;
    const failed = await get(sim, "/v1/customers?seek_operation=next", { "ms-continuationtoken": token });
    expect(failed.statusCode).toBe(503);
    const again = await get(sim, "/v1/customers?seek_operation=next", { "ms-continuationtoken": token });
    expect(again.statusCode).toBe(200);
    expect(json(again).items.map((i: { id: string }) => i.id)).toEqual(
      [2, 3].map((p) => generatedCustomer(p).id),
    );
  });

  it("seeds a mix of customers with no, old, recent and renewed MCA confirmations", async () => {
    const count = 60;
    const sim = await start({ customers: count });
    const latest: (number | undefined)[] = [];
    let renewed = 0;
    for (let p = 0; p < count; p++) {
      const r = await get(sim, `/v1/customers/${generatedCustomer(p).id}/agreements?agreementType=${MCA}`);
      const records = parseAgreementRecords(r.body, MCA)!;
      if (records.length > 1) renewed++;
      latest.push(records.length ? Math.max(...records.map((x) => x.agreedAt!)) : undefined);
    }
    const cut = Date.UTC(2024, 0, 1);
    const none = latest.filter((t) => t === undefined).length;
    const old = latest.filter((t) => t !== undefined && t < cut).length;
    const recent = latest.filter((t) => t !== undefined && t >= cut).length;
    expect(none).toBeGreaterThan(count / 5);
    expect(old).toBeGreaterThan(count / 10);
    expect(recent).toBeGreaterThan(count / 5);
    expect(renewed).toBeGreaterThan(0);
    expect(none + old + recent).toBe(count);
    // Some of those without an MCA have a Cloud Agreement on record: a different agreement.
    let cloudOnly = 0;
    for (let p = 0; p < count; p++) {
      if (latest[p] !== undefined) continue;
      const cloud = await get(sim, `/v1/customers/${generatedCustomer(p).id}/agreements`);
      if (json(cloud).totalCount > 0) cloudOnly++;
    }
    expect(cloudOnly).toBeGreaterThan(0);
    expect(generatedCustomer(13).companyName.startsWith("=")).toBe(true);
  });
});

describe("the client's customer pages", () => {
  it("asks for the first page by size and the next by the token, sent back exactly as it came", async () => {
    const sim = await start({ customers: 1_203 });
    const client = createClient({
      baseUrl: sim.url,
      tokens: { description: "test", getToken: async () => "token", renew: async () => undefined },
      timeoutMs: 5_000,
      maxSockets: 2,
    });
    try {
      const seen = new Set<string>();
      let request: CustomerPageRequest | undefined = { size: 500 };
      let pages = 0;
      while (request && pages < 10) {
        const attempt = await client.listCustomers(request, IDS);
        if (attempt.kind !== "response") throw new Error(attempt.message);
        expect(attempt.status).toBe(200);
        expect(attempt.requestId).toBe(IDS.requestId);
        const page = parseCustomerPage(attempt.body);
        if ("problem" in page) throw new Error(page.problem);
        for (const c of page.customers) seen.add(c.id);
        pages++;
        request =
          page.continuationToken === undefined ? undefined : { continuationToken: page.continuationToken };
      }
      expect(pages).toBe(3);
      expect(seen.size).toBe(1_203);
      expect(seen.has(generatedCustomer(1_202).id)).toBe(true);
    } finally {
      client.close();
    }
  });
});

describe("parseCustomerPage", () => {
  const item = (id: unknown, extra: Record<string, unknown> = {}) => ({
    id,
    companyProfile: { tenantId: id, domain: "contoso.example", companyName: "Contoso" },
    ...extra,
  });

  it("reads items, the token of links.next in either header shape, and counts unusable items", () => {
    const id = "6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B";
    const listed = parseCustomerPage(
      JSON.stringify({
        totalCount: 3,
        items: [item(id), item("not-a-guid"), "junk"],
        links: {
          next: {
            uri: "/customers?seek_operation=next",
            method: "GET",
            headers: [{ key: "ms-continuationtoken", value: "a+b/c==" }],
          },
        },
      }),
    );
    expect(listed).toEqual({
      customers: [{ id: id.toLowerCase(), companyName: "Contoso", domain: "contoso.example" }],
      continuationToken: "a+b/c==",
      unusable: 2,
    });
    const mapped = parseCustomerPage(
      JSON.stringify({ items: [], links: { next: { headers: { "MS-ContinuationToken": "xyz" } } } }),
    );
    expect(mapped).toMatchObject({ customers: [], continuationToken: "xyz" });
    expect(parseCustomerPage(JSON.stringify({ items: [], links: {} }))).toMatchObject({
      continuationToken: undefined,
    });
  });

  it("reports a body that is no page, and a next link without a usable token", () => {
    for (const body of ["<html>login</html>", "", "[]", JSON.stringify({ items: "x" })]) {
      expect(parseCustomerPage(body), body).toHaveProperty("problem");
    }
    for (const headers of [
      [],
      [{ key: "MS-ContinuationToken", value: "" }],
      [{ key: "MS-ContinuationToken", value: "a\r\nX-Evil: 1" }],
    ]) {
      expect(parseCustomerPage(JSON.stringify({ items: [], links: { next: { headers } } }))).toHaveProperty(
        "problem",
      );
    }
  });
});

describe("parseAgreementRecords", () => {
  it("keeps records of the asked type (or without a type), with their dates read", () => {
    const body = JSON.stringify({
      totalCount: 3,
      items: [
        {
          primaryContact: { firstName: "A", lastName: "B", email: "a@b.example" },
          dateAgreed: "2020-01-02T00:00:00Z",
          templateId: "t1",
          type: MCA,
        },
        { primaryContact: { firstName: "C" }, dateAgreed: "soon", templateId: "t2" },
        {
          primaryContact: { firstName: "D" },
          dateAgreed: "2021-01-01T00:00:00Z",
          templateId: "t3",
          agreementType: "MicrosoftCloudAgreement",
        },
      ],
    });
    const records = parseAgreementRecords(body, MCA)!;
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      firstName: "A",
      lastName: "B",
      email: "a@b.example",
      phoneNumber: "",
      dateAgreed: "2020-01-02T00:00:00Z",
      agreedAt: Date.UTC(2020, 0, 2),
      templateId: "t1",
    });
    expect(records[1].agreedAt).toBeUndefined();
    expect(parseAgreementRecords("<html/>", MCA)).toBeUndefined();
  });
});
