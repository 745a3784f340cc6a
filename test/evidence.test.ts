// What counts as evidence of a confirmation (src/partner-center/verdict.ts), the response-body
// cap (src/partner-center/client.ts) against a tiny local server, and the Retry-After bound
// (src/engine/retry.ts).
import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import {
  createClient,
  MAX_BODY_BYTES,
  type Attempt,
  type CallKind,
  type SentAgreement,
} from "../src/partner-center/client.js";
import { MAX_RETRY_AFTER_MS, parseRetryAfter, verdictOf } from "../src/partner-center/verdict.js";
import { systemClock } from "../src/engine/clock.js";
import type { TokenProvider } from "../src/auth/types.js";
import { closeServers, listenOnLoopback } from "./helpers/cli.js";

const NOW = Date.UTC(2026, 2, 1);
const SENT = ["Tania", "Carr", "tania@contoso.example", "+1 425 555 0100"];
const TEMPLATE = "117a77b0-9360-443b-8795-c6dedc750cf9";
const CUSTOMER = "6513270e-269e-4d37-b2a7-000000000001";
const SENT_AGREEMENT: SentAgreement = {
  customerId: CUSTOMER,
  templateId: TEMPLATE,
  type: "MicrosoftCustomerAgreement",
  dateAgreed: "2024-03-01T00:00:00.000Z",
  firstName: "Tania",
  lastName: "Carr",
  email: "tania@contoso.example",
  phoneNumber: "+1 425 555 0100",
};

function answer(
  status: number,
  body: string,
  contentType: string | undefined,
  call: CallKind = "confirm",
): Attempt {
  return {
    kind: "response",
    status,
    body,
    contentType,
    call,
    sentContact: SENT,
    ...(call === "confirm" ? { sent: SENT_AGREEMENT } : {}),
    durationMs: 1,
  };
}

describe("an Agreement is a confirmation only when it is the one sent", () => {
  const agreement = {
    userId: "6f1c5e0a-5111-4000-8000-000000000001",
    type: "MicrosoftCustomerAgreement",
    templateId: TEMPLATE.toUpperCase(),
    customerId: CUSTOMER,
    dateAgreed: "2024-03-01T00:00:00Z",
    primaryContact: {
      firstName: "Tania",
      lastName: "Carr",
      email: "TANIA@contoso.example",
      phoneNumber: "+1 425 555 0100",
    },
  };

  it("the full Agreement echoing what was sent (the same instant written otherwise, email in another case) is ok", () => {
    expect(verdictOf(answer(201, JSON.stringify(agreement), "application/json"), NOW)).toMatchObject({
      kind: "ok",
      userId: agreement.userId,
    });
  });

  it.each([
    ["a Cloud Agreement", { type: "MicrosoftCloudAgreement" }, "type"],
    [
      "agreementType of another agreement",
      { type: undefined, agreementType: "MicrosoftCloudAgreement" },
      "type",
    ],
    ["another templateId", { templateId: "0b6a2e9c-4f1d-4c3a-9d57-2a6e8f0c1b44" }, "templateId"],
    ["another customer", { customerId: "00000000-0000-4000-8000-000000000000" }, "customerId"],
    ["a dateAgreed of 1999", { dateAgreed: "1999-01-01T00:00:00Z" }, "dateAgreed"],
    ["a dateAgreed that is no date", { dateAgreed: "soon" }, "dateAgreed"],
    [
      "another first name",
      { primaryContact: { ...agreement.primaryContact, firstName: "Mallory" } },
      "firstName",
    ],
    [
      "another last name",
      { primaryContact: { ...agreement.primaryContact, lastName: "Mallory" } },
      "lastName",
    ],
    ["another email", { primaryContact: { ...agreement.primaryContact, email: "x@y.example" } }, "email"],
    [
      "another phone",
      { primaryContact: { ...agreement.primaryContact, phoneNumber: "+1 425 555 0199" } },
      "phoneNumber",
    ],
    ["a primaryContact that is a string", { primaryContact: "Tania Carr" }, "primaryContact"],
    [
      "a userId and nothing that was sent",
      {
        type: undefined,
        templateId: undefined,
        customerId: undefined,
        dateAgreed: undefined,
        primaryContact: undefined,
      },
      "nothing ties it",
    ],
  ])("%s is failed as unexpected-response naming the field", (_, change, field) => {
    const body = JSON.stringify({ ...agreement, ...change });
    const v = verdictOf(answer(201, body, "application/json"), NOW);
    expect(v).toMatchObject({
      kind: "transient",
      retry: false,
      httpStatus: 201,
      code: "unexpected-response",
    });
    const message = v.kind === "transient" ? v.message : "";
    expect(message).toContain(field);
    // Contact values, sent or answered, are never quoted.
    expect(message).not.toMatch(/Tania|Carr|Mallory|contoso|555/);
  });
});

describe("a 2xx is a confirmation only when it carries the Agreement", () => {
  it("201 with a JSON Agreement and its userId is ok", () => {
    const body = JSON.stringify({ userId: "u-1", primaryContact: { email: "TANIA@contoso.example" } });
    expect(verdictOf(answer(201, body, "application/json; charset=utf-8"), NOW)).toMatchObject({
      kind: "ok",
      httpStatus: 201,
    });
  });

  it.each([
    ["an HTML 200 from a proxy", 200, "<html><body>Sign in to continue</body></html>", "text/html"],
    ["a 204 with no body", 204, "", undefined],
    ["a text/plain 'created'", 201, "created", "text/plain"],
    ["a 201 with broken JSON", 201, '{"userId":"u', "application/json"],
    ["a 201 JSON without userId", 201, '{"status":"ok"}', "application/json"],
    ["a 201 JSON array", 201, '[{"userId":"u"}]', "application/json"],
    ["a userId under an HTML content type", 200, '{"userId":"u"}', "text/html"],
  ])("%s is failed as unexpected-response, naming status, type and first bytes", (_, status, body, type) => {
    const v = verdictOf(answer(status, body, type), NOW);
    expect(v).toMatchObject({
      kind: "transient",
      retry: false,
      httpStatus: status,
      code: "unexpected-response",
    });
    const message = v.kind === "transient" ? v.message : "";
    expect(message).toContain(`HTTP ${status}`);
    expect(message).toContain(type ?? "no content type");
    if (body.trim() !== "") expect(message).toContain(body.slice(0, 10));
    else expect(message).toContain("an empty body");
  });

  it("quotes the first bytes of an unexpected body sanitised: no escapes, no contact, no token", () => {
    const body = `\x1b]0;owned\x07<p>Hello Tania, your token is Bearer abc.def</p>${"x".repeat(5000)}`;
    const v = verdictOf(answer(200, body, "text/html"), NOW);
    const message = v.kind === "transient" ? v.message : "";
    expect(message).not.toMatch(/Tania|abc\.def|owned/);
    expect(message).not.toContain("\x1b");
    expect(message.length).toBeLessThan(300);
  });

  it("the metadata and list calls need a JSON collection", () => {
    for (const call of ["metadata", "list"] as const) {
      expect(verdictOf(answer(200, '{"totalCount":0,"items":[]}', "application/json", call), NOW).kind).toBe(
        "ok",
      );
      expect(verdictOf(answer(200, "<html></html>", "text/html", call), NOW)).toMatchObject({
        code: "unexpected-response",
      });
      expect(verdictOf(answer(200, '{"userId":"u"}', "application/json", call), NOW)).toMatchObject({
        code: "unexpected-response",
      });
    }
  });
});

describe("the response-body cap", () => {
  afterAll(() => closeServers());

  /** A server answering every request with `status` and a body of `bytes` bytes, streamed in chunks. */
  async function bigBodyServer(status: number, bytes: number, announce: boolean): Promise<string> {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(status, {
        "content-type": "application/json",
        ...(announce ? { "content-length": String(bytes) } : {}),
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < bytes && !res.destroyed) {
          const n = Math.min(chunk.length, bytes - sent);
          sent += n;
          if (!res.write(chunk.subarray(0, n))) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    });
    return listenOnLoopback(server);
  }

  const tokens: TokenProvider = {
    description: "t",
    getToken: async () => "tok",
    renew: async () => undefined,
  };
  const ids = {
    requestId: "11111111-1111-4111-8111-111111111111",
    correlationId: "22222222-2222-4222-8222-222222222222",
  };
  const acceptance = {
    customerTenantId: "6513270e-269e-4d37-b2a7-4de452e6b438",
    firstName: "Tania",
    lastName: "Carr",
    email: "t@contoso.example",
    dateAgreed: "2026-01-01T00:00:00.000Z",
  };

  it.each([
    ["announced by Content-Length", true],
    ["streamed without a length", false],
  ])("a 201 body past 1 MiB (%s) is not read whole and is unexpected-response", async (_, announce) => {
    const url = await bigBodyServer(201, 50 * MAX_BODY_BYTES, announce);
    const client = createClient({ baseUrl: url, tokens, timeoutMs: 20_000, maxSockets: 1 });
    const before = process.memoryUsage().rss;
    try {
      const a = await client.confirm(acceptance, "117a77b0-9360-443b-8795-c6dedc750cf9", "X", ids);
      expect(a).toMatchObject({ kind: "response", status: 201, oversized: true, body: "" });
      expect(verdictOf(a, NOW)).toMatchObject({ code: "unexpected-response", retry: false });
      expect(verdictOf(a, NOW).kind === "transient" && verdictOf(a, NOW).message).toMatch(
        /larger than 1 MiB/,
      );
      // 50 MiB were offered; reading stops near the cap.
      expect(process.memoryUsage().rss - before).toBeLessThan(30 * MAX_BODY_BYTES);
    } finally {
      client.close();
    }
  });

  it("a body just under the cap is read as usual", async () => {
    const url = await bigBodyServer(500, MAX_BODY_BYTES - 1, true);
    const client = createClient({ baseUrl: url, tokens, timeoutMs: 20_000, maxSockets: 1 });
    try {
      const a = await client.listAgreements(acceptance.customerTenantId, "X", ids);
      expect(a).toMatchObject({ kind: "response", status: 500 });
      expect(a.kind === "response" && a.body.length).toBe(MAX_BODY_BYTES - 1);
    } finally {
      client.close();
    }
  });
});

describe("Retry-After is bounded", () => {
  const now = Date.UTC(2026, 2, 1, 12, 0, 0);
  it("caps seconds and dates far in the future at a week", () => {
    expect(parseRetryAfter("86400", now)).toBe(86_400_000);
    expect(parseRetryAfter("99999999999999999999999", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBeLessThan(2 ** 31 - 1);
  });

  it("a sleep longer than the timer limit neither fires early nor warns", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const stop = new AbortController();
    let woke = false;
    const sleeping = systemClock.sleep(Number.MAX_SAFE_INTEGER, stop.signal).then(() => (woke = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(woke).toBe(false);
    stop.abort();
    await sleeping;
    process.off("warning", onWarning);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });
});
