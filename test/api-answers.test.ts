// What the API's answers mean to the tool: error bodies in both shapes, the verdict of every
// answer (ok, rejected, transient, stop the run), which ones are retried, the templateId of a
// metadata answer, and the request the client sends.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { TokenProvider } from "../src/auth/types.js";
import { pickTemplate } from "../src/partner-center/answers.js";
import { createClient, type Attempt } from "../src/partner-center/client.js";
import { parseErrorBody } from "../src/partner-center/errors.js";
import { isRetryableNoResponse, verdictOf as verdictAt } from "../src/partner-center/verdict.js";

/** An attempt's verdict now (the time matters only for a Retry-After given as a date). */
const verdictOf = (attempt: Attempt, now = Date.now()) => verdictAt(attempt, now);

const MCA = "MicrosoftCustomerAgreement";

function response(status: number, body: unknown, retryAfter?: string): Attempt {
  return {
    kind: "response",
    status,
    body: typeof body === "string" ? body : JSON.stringify(body),
    retryAfter,
    durationMs: 1,
  };
}

const answer = (status: number, body: unknown = {}, retryAfter?: string): Attempt => ({
  kind: "response",
  status,
  body: typeof body === "string" ? body : JSON.stringify(body),
  retryAfter,
  durationMs: 1,
});
const reset: Attempt = {
  kind: "no-response",
  reason: "network",
  code: "ECONNRESET",
  message: "ECONNRESET: socket hang up",
  durationMs: 1,
};
const timeout: Attempt = {
  kind: "no-response",
  reason: "timeout",
  code: "ETIMEDOUT",
  message: "ETIMEDOUT",
  durationMs: 1,
};

describe("parseErrorBody", () => {
  it("reads the older shape {code, description, data, source}", () => {
    const info = parseErrorBody(
      404,
      JSON.stringify({ code: 60003, description: "Tenant not found", data: [], source: "PartnerFD" }),
    );
    expect(info.code).toBe("60003");
    expect(info.message).toBe("Tenant not found");
  });

  it("reads the newer shape with message, errorName and isRetryable", () => {
    const body = {
      code: 600061,
      description: "A partner confirmed agreement already exists",
      message: "A partner confirmed agreement already exists",
      errorName: "PartnerConfirmedAgreementAlreadyExists",
      isRetryable: false,
      parameters: {},
      errorMessageExtended: "details",
    };
    const info = parseErrorBody(400, JSON.stringify(body));
    expect(info).toMatchObject({ code: "600061", errorName: "PartnerConfirmedAgreementAlreadyExists" });
    expect(info.message).toBe("A partner confirmed agreement already exists");
  });

  it("takes `message` when a newer body has no description", () => {
    const info = parseErrorBody(
      403,
      JSON.stringify({ code: "20002", message: "No commerce relationship", errorName: "Forbidden" }),
    );
    expect(info.code).toBe("20002");
    expect(info.message).toBe("No commerce relationship");
  });

  it("reads the 429 shape {statusCode, message} without inventing a code", () => {
    const info = parseErrorBody(
      429,
      JSON.stringify({ statusCode: 429, message: "Rate limit is exceeded. Try again in 57 seconds." }),
    );
    expect(info.code).toBeUndefined();
    expect(info.message).toBe("Rate limit is exceeded. Try again in 57 seconds.");
  });

  it("falls back to the raw text, on one line and truncated, when the body is not JSON", () => {
    const html = `<html>\n<body>\n${"Bad gateway ".repeat(200)}</body></html>`;
    const info = parseErrorBody(502, html);
    expect(info.code).toBeUndefined();
    expect(info.message.startsWith("HTTP 502: <html> <body> Bad gateway")).toBe(true);
    expect(info.message).not.toMatch(/[\r\n]/);
    expect(info.message.length).toBeLessThanOrEqual(300);
    expect(info.message.endsWith("…")).toBe(true);
  });

  it("says so when the body is empty", () => {
    expect(parseErrorBody(503, "")).toEqual({ message: "HTTP 503 with an empty body" });
    expect(parseErrorBody(500, "  \n")).toEqual({ message: "HTTP 500 with an empty body" });
  });

  it("treats JSON that is not an object (array, string) as text", () => {
    expect(parseErrorBody(500, "[1,2]").code).toBeUndefined();
    expect(parseErrorBody(500, '"oops"').message).toBe('HTTP 500: "oops"');
  });
});

describe("verdictOf", () => {
  it("201 is ok and keeps the body (it carries userId)", () => {
    const v = verdictOf(response(201, { userId: "u" }));
    expect(v).toMatchObject({ kind: "ok", httpStatus: 201 });
    expect(v.kind === "ok" && JSON.parse(v.body)).toEqual({ userId: "u" });
  });

  it("400 600061 (already on record) is ok", () => {
    const v = verdictOf(
      response(400, {
        code: 600061,
        description: "exists",
        errorName: "PartnerConfirmedAgreementAlreadyExists",
      }),
    );
    expect(v).toMatchObject({ kind: "ok", httpStatus: 400, code: "600061" });
  });

  it("a plain 401 stops the run after one renewal", () => {
    expect(verdictOf(response(401, { code: 800001, description: "token missing" }))).toMatchObject({
      kind: "auth",
      renewable: true,
      httpStatus: 401,
    });
    expect(verdictOf(response(401, ""))).toMatchObject({ kind: "auth", renewable: true });
  });

  it("401 900421 (MFA) and 403 900308 / 900309 stop the run without renewal", () => {
    expect(verdictOf(response(401, { code: 900421, description: "MFA required" }))).toMatchObject({
      kind: "auth",
      renewable: false,
      code: "900421",
    });
    expect(verdictOf(response(403, { code: 900308, description: "Insufficient privileges" }))).toMatchObject({
      kind: "auth",
      renewable: false,
      code: "900308",
    });
    expect(verdictOf(response(403, { code: 900309, description: "Conditional Access" }))).toMatchObject({
      kind: "auth",
      renewable: false,
      code: "900309",
    });
  });

  it("403 20002 and the other documented 4xx answers reject the row", () => {
    expect(verdictOf(response(403, { code: 20002, description: "no relationship" }))).toMatchObject({
      kind: "rejected",
      httpStatus: 403,
      code: "20002",
    });
    expect(verdictOf(response(404, { code: 60003, description: "Tenant not found" }))).toMatchObject({
      kind: "rejected",
      code: "60003",
    });
    expect(verdictOf(response(400, { code: 900118, description: "invalid customer id" }))).toMatchObject({
      kind: "rejected",
      code: "900118",
    });
    expect(verdictOf(response(400, { code: 600002, description: "future" }))).toMatchObject({
      kind: "rejected",
      code: "600002",
    });
    expect(verdictOf(response(400, { code: 800002, description: "bad input" }))).toMatchObject({
      kind: "rejected",
      code: "800002",
    });
  });

  it.each([408, 429, 500, 502, 503, 504])("%i is retryable", (status) => {
    const v = verdictOf(response(status, ""));
    expect(v).toMatchObject({ kind: "transient", httpStatus: status, throttled: status === 429 });
  });

  it("parses Retry-After in seconds and as an HTTP date", () => {
    const body = { statusCode: 429, message: "Rate limit is exceeded. Try again in 57 seconds." };
    expect(verdictOf(response(429, body, "57"))).toMatchObject({
      kind: "transient",
      retryAfterMs: 57_000,
      throttled: true,
    });
    const now = Date.parse("2026-01-01T00:00:00Z");
    const v = verdictOf(response(503, "", "Thu, 01 Jan 2026 00:00:05 GMT"), now);
    expect(v).toMatchObject({ kind: "transient", retryAfterMs: 5_000, throttled: false });
  });

  it("no response is retryable: timeout or network-error", () => {
    expect(verdictOf({ kind: "no-response", reason: "timeout", message: "t", durationMs: 1 })).toMatchObject({
      kind: "transient",
      code: "timeout",
    });
    expect(verdictOf({ kind: "no-response", reason: "network", message: "n", durationMs: 1 })).toMatchObject({
      kind: "transient",
      code: "network-error",
    });
  });
});

describe("which answers are retried", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries HTTP %i", (status) => {
    expect(verdictOf(answer(status)).kind).toBe("transient");
  });

  it.each([400, 404, 405, 409, 413, 422, 501, 505])("does not retry HTTP %i", (status) => {
    expect(verdictOf(answer(status, { code: 800002 })).kind).toBe("rejected");
  });

  it("retries connection resets and timeouts, nothing else without an answer", () => {
    expect(verdictOf(reset)).toMatchObject({ kind: "transient", code: "network-error" });
    expect(verdictOf(reset)).not.toHaveProperty("final");
    expect(verdictOf(timeout)).toMatchObject({ kind: "transient", code: "timeout" });
    for (const code of ["ECONNRESET", "EPIPE", "ECONNABORTED", "ETIMEDOUT"])
      expect(isRetryableNoResponse("network", code)).toBe(true);
    for (const code of [
      "ECONNREFUSED",
      "ENOTFOUND",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "CERT_HAS_EXPIRED",
      undefined,
    ]) {
      expect(isRetryableNoResponse("network", code)).toBe(false);
      expect(
        verdictOf({ kind: "no-response", reason: "network", code, message: "x", durationMs: 1 }),
      ).toMatchObject({ retry: false });
    }
  });

  it("sees 401/403 auth answers and 403 20002 apart", () => {
    expect(verdictOf(answer(401, { code: 800001 }))).toMatchObject({ kind: "auth", renewable: true });
    expect(verdictOf(answer(401, { code: 900421 }))).toMatchObject({ kind: "auth", renewable: false });
    expect(verdictOf(answer(403, { code: 900308 }))).toMatchObject({ kind: "auth", renewable: false });
    expect(verdictOf(answer(403, { code: 900309 }))).toMatchObject({ kind: "auth", renewable: false });
    expect(verdictOf(answer(403, { code: 20002 }))).toMatchObject({ kind: "rejected", code: "20002" });
  });
});

describe("pickTemplate", () => {
  const CURRENT = "117a77b0-9360-443b-8795-c6dedc750cf9";
  const OLD = "0b6a2e9c-4f1d-4c3a-9d57-2a6e8f0c1b44";
  const CLOUD = "5c6e1f0a-93d2-4b8e-a7f4-1e2d3c4b5a69";
  const body = (items: object[]) =>
    JSON.stringify({ totalCount: items.length, items, attributes: { objectType: "Collection" } });

  it("reads the type from `agreementType` or from `type`", () => {
    expect(pickTemplate(body([{ templateId: CURRENT, agreementType: MCA, versionRank: 0 }]), MCA)).toBe(
      CURRENT,
    );
    expect(pickTemplate(body([{ templateId: CURRENT, type: MCA, versionRank: 0 }]), MCA)).toBe(CURRENT);
  });

  it("takes the lowest versionRank of the wanted type, whatever the order and field names", () => {
    const items = [
      { templateId: OLD, agreementType: MCA, versionRank: 1 },
      { templateId: CLOUD, agreementType: "MicrosoftCloudAgreement", versionRank: 0 },
      { templateId: CURRENT, type: MCA, versionRank: 0 },
    ];
    expect(pickTemplate(body(items), MCA)).toBe(CURRENT);
    expect(pickTemplate(body([...items].reverse()), MCA)).toBe(CURRENT);
  });

  it("ignores other agreement types", () => {
    const items = [{ templateId: CLOUD, agreementType: "MicrosoftCloudAgreement", versionRank: 0 }];
    expect(pickTemplate(body(items), MCA)).toBeUndefined();
    expect(pickTemplate(body([...items, { templateId: OLD, type: MCA, versionRank: 3 }]), MCA)).toBe(OLD);
  });

  it("finds nothing in an empty list or a body that is not JSON", () => {
    expect(pickTemplate(body([]), MCA)).toBeUndefined();
    expect(pickTemplate("<html>", MCA)).toBeUndefined();
    expect(pickTemplate("{}", MCA)).toBeUndefined();
  });
});

describe("the confirmation request", () => {
  it("sends the contract headers and leaves phoneNumber out when it is empty", async () => {
    const seen: { headers: http.IncomingHttpHeaders; body: string; url: string; left: number }[] = [];
    let left = 0;
    const server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        seen.push({ headers: req.headers, body, url: req.url ?? "", left });
        res.writeHead(201, { "content-type": "application/json" }).end('{"userId":"u"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createClient({
      baseUrl: url,
      tokens: {
        description: "test",
        getToken: async () => "tok",
        renew: async () => undefined,
      } satisfies TokenProvider,
      timeoutMs: 5_000,
      maxSockets: 2,
      onWritten: () => left++,
    });
    try {
      const ids = {
        requestId: "11111111-1111-4111-8111-111111111111",
        correlationId: "22222222-2222-4222-8222-222222222222",
      };
      const base = {
        customerTenantId: "6513270e-269e-4d37-b2a7-4de452e6b438",
        firstName: "Tania",
        lastName: "Carr",
        email: "t@contoso.example",
        dateAgreed: "2026-01-01T00:00:00.000Z",
      };
      const a1 = await client.confirm(base, "117a77b0-9360-443b-8795-c6dedc750cf9", MCA, ids);
      const a2 = await client.confirm(
        { ...base, phoneNumber: "+1 425 555 0100" },
        "117a77b0-9360-443b-8795-c6dedc750cf9",
        MCA,
        ids,
      );
      expect(a1).toMatchObject({ kind: "response", status: 201 });
      expect(a2).toMatchObject({ kind: "response", status: 201 });
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(seen).toHaveLength(2);
    // The rate controller hears that each request left before the API has it (rate/pace.ts).
    expect(seen.map((s) => s.left)).toEqual([1, 2]);
    const [first, second] = seen.map((s) => JSON.parse(s.body));
    expect(first.primaryContact).toEqual({
      firstName: "Tania",
      lastName: "Carr",
      email: "t@contoso.example",
    });
    expect("phoneNumber" in first.primaryContact).toBe(false);
    expect(second.primaryContact.phoneNumber).toBe("+1 425 555 0100");
    expect(first).toMatchObject({
      templateId: "117a77b0-9360-443b-8795-c6dedc750cf9",
      dateAgreed: "2026-01-01T00:00:00.000Z",
      type: MCA,
    });
    const h = seen[0].headers;
    expect(seen[0].url).toBe("/v1/customers/6513270e-269e-4d37-b2a7-4de452e6b438/agreements");
    expect(h.authorization).toBe("Bearer tok");
    expect(h.accept).toBe("application/json");
    expect(h["content-type"]).toMatch(/^application\/json/);
    expect(h["ms-contract-version"]).toBe("v1");
    expect(h["ms-requestid"]).toBe("11111111-1111-4111-8111-111111111111");
    expect(h["ms-correlationid"]).toBe("22222222-2222-4222-8222-222222222222");
  });
});
