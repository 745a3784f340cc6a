// Unit tests of the pure pieces of the main path: error bodies, verdicts, retry delays,
// template choice, exit codes, file naming, the base-URL rule, and the request the client sends.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { parseErrorBody } from "../src/partner-center/errors.js";
import { parseRetryAfter, verdictOf as verdictAt } from "../src/partner-center/verdict.js";
import { createClient, type Attempt } from "../src/partner-center/client.js";
import { retryDelay, type RetryPolicy } from "../src/run/retry.js";
import { pickTemplate } from "../src/partner-center/answers.js";
import { exitCodeOf } from "../src/output/summary.js";
import { checkBaseUrl, defaultFailedPath, defaultOutPath } from "../src/config.js";
import { UsageError } from "../src/errors.js";
import type { RunReport } from "../src/output/report.js";
import type { TokenProvider } from "../src/auth/types.js";

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
    expect(v).toMatchObject({ kind: "retryable", httpStatus: status, throttled: status === 429 });
  });

  it("parses Retry-After in seconds and as an HTTP date", () => {
    const body = { statusCode: 429, message: "Rate limit is exceeded. Try again in 57 seconds." };
    expect(verdictOf(response(429, body, "57"))).toMatchObject({
      kind: "retryable",
      retryAfterMs: 57_000,
      throttled: true,
    });
    const now = Date.parse("2026-01-01T00:00:00Z");
    const v = verdictOf(response(503, "", "Thu, 01 Jan 2026 00:00:05 GMT"), now);
    expect(v).toMatchObject({ kind: "retryable", retryAfterMs: 5_000, throttled: false });
  });

  it("no response is retryable: timeout or network-error", () => {
    expect(verdictOf({ kind: "no-response", reason: "timeout", message: "t", durationMs: 1 })).toMatchObject({
      kind: "retryable",
      code: "timeout",
    });
    expect(verdictOf({ kind: "no-response", reason: "network", message: "n", durationMs: 1 })).toMatchObject({
      kind: "retryable",
      code: "network-error",
    });
  });
});

describe("retryDelay (full jitter)", () => {
  const policy: RetryPolicy = { maxAttempts: 10, baseMs: 1_000, capMs: 60_000 };
  const randoms = [0, 0.25, 0.5, 0.999_999];

  it("stays within [0, min(cap, base·2^(attempt-1))) for any random value", () => {
    for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
      const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      for (const r of randoms) {
        const d = retryDelay(attempt, undefined, policy, () => r)!;
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
        expect(d).toBe(Math.floor(r * ceiling));
      }
    }
  });

  it("never exceeds the cap however many attempts", () => {
    expect(retryDelay(9, undefined, policy, () => 0.999_999)).toBeLessThan(60_000);
    expect(retryDelay(9, undefined, policy, () => 0.999_999)).toBeGreaterThan(59_000);
  });

  it("uses Retry-After as a floor, never shortening it", () => {
    expect(retryDelay(1, 5_000, policy, () => 0)).toBe(5_000);
    expect(retryDelay(1, 57_000, policy, () => 0.999)).toBe(57_000);
    expect(retryDelay(6, 100, policy, () => 0.5)).toBe(16_000); // the backoff is longer than Retry-After
  });

  it("stops when the attempts are used up", () => {
    expect(retryDelay(10, undefined, policy, () => 0)).toBeUndefined();
    expect(retryDelay(1, undefined, { ...policy, maxAttempts: 1 }, () => 0)).toBeUndefined();
    expect(retryDelay(5, 1_000, { ...policy, maxAttempts: 6 }, () => 0)).toBe(1_000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  it("reads seconds", () => {
    expect(parseRetryAfter("57", now)).toBe(57_000);
    expect(parseRetryAfter(" 1 ", now)).toBe(1_000);
    expect(parseRetryAfter("0", now)).toBe(0);
  });
  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores absent, empty and unreadable values", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
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

describe("exitCodeOf", () => {
  const report = (byStatus: Record<string, number>, stop?: RunReport["stop"]) =>
    ({ counts: { rows: 0, failedRows: 0, byStatus, byError: new Map() }, stop }) as unknown as RunReport;

  it("0 when every row is confirmed, skipped or valid", () => {
    expect(exitCodeOf(report({ confirmed: 3, skipped: 1 }))).toBe(0);
    expect(exitCodeOf(report({ valid: 2, skipped: 1 }))).toBe(0);
    expect(exitCodeOf(report({}))).toBe(0);
    expect(exitCodeOf(report({ confirmed: 1, invalid: 0 }))).toBe(0);
  });
  it.each(["invalid", "rejected", "failed", "not-run"])("1 when a row is %s", (status) => {
    expect(exitCodeOf(report({ confirmed: 5, [status]: 1 }))).toBe(1);
  });
  it("3 when the run stopped early, 130 when interrupted", () => {
    expect(exitCodeOf(report({ "not-run": 4 }, { kind: "auth-failed", message: "m" }))).toBe(3);
    expect(exitCodeOf(report({ "not-run": 4 }, { kind: "template-unresolved", message: "m" }))).toBe(3);
    expect(exitCodeOf(report({ confirmed: 1, "not-run": 4 }, { kind: "interrupted", message: "m" }))).toBe(
      130,
    );
  });
});

describe("default file names", () => {
  it("puts results and failed files beside the input", () => {
    expect(defaultOutPath("x.csv", "results")).toBe("x.results.csv");
    expect(defaultFailedPath("x.results.csv")).toBe("x.failed.csv");
    expect(defaultOutPath("dir/acceptances.csv", "validation")).toBe("dir/acceptances.validation.csv");
    expect(defaultOutPath("dir/X.CSV", "results")).toBe("dir/X.results.csv");
  });
  it("keeps a tab-separated input's .tsv extension", () => {
    expect(defaultOutPath("x.tsv", "results")).toBe("x.results.tsv");
    expect(defaultFailedPath("x.results.tsv")).toBe("x.failed.tsv");
  });
  it("re-runs x.failed.csv into x.failed.results.csv", () => {
    expect(defaultOutPath("x.failed.csv", "results")).toBe("x.failed.results.csv");
    expect(defaultFailedPath(defaultOutPath("x.failed.csv", "results"))).toBe("x.failed.failed.csv");
  });
  it("gives any other --out a .failed name of its own", () => {
    expect(defaultFailedPath("out.csv")).toBe("out.failed.csv");
    expect(defaultFailedPath("out")).toBe("out.failed.csv");
  });
});

describe("checkBaseUrl", () => {
  it("accepts https anywhere and drops a trailing slash", () => {
    expect(checkBaseUrl("https://api.partnercenter.microsoft.com/", "--base-url")).toBe(
      "https://api.partnercenter.microsoft.com",
    );
  });
  it.each(["http://127.0.0.1:8080", "http://localhost:1234/", "http://[::1]:9000", "http://127.1.2.3"])(
    "accepts http on loopback: %s",
    (url) => {
      expect(() => checkBaseUrl(url, "--base-url")).not.toThrow();
    },
  );
  it.each([
    "http://example.com",
    "http://10.0.0.1:8080",
    "http://127.evil.example",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
  ])("refuses http on a non-loopback host: %s", (url) => {
    expect(() => checkBaseUrl(url, "--base-url")).toThrow(UsageError);
    expect(() => checkBaseUrl(url, "--base-url")).toThrow(/--base-url.*http:/);
  });
  it("refuses other schemes and non-URLs", () => {
    expect(() => checkBaseUrl("ftp://127.0.0.1", "--base-url")).toThrow(UsageError);
    expect(() => checkBaseUrl("api.partnercenter.microsoft.com", "PARTNER_CENTER_BASE_URL")).toThrow(
      /PARTNER_CENTER_BASE_URL/,
    );
  });
});

describe("the confirmation request", () => {
  it("sends the contract headers and leaves phoneNumber out when it is empty", async () => {
    const seen: { headers: http.IncomingHttpHeaders; body: string; url: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        seen.push({ headers: req.headers, body, url: req.url ?? "" });
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
