import type { Agent as HttpAgent } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { CancelError, got, type CancelableRequest, type Got, RequestError, type Response } from "got";
import type { TokenProvider } from "../auth/types.js";
import { describeNetworkFailure, type FailureContext } from "../network/describe.js";
import { httpAgentFor, httpsAgentFor, ProxySettings } from "../network/proxy.js";

interface Agents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}
import type { Acceptance } from "../types.js";
import { maskUrlPasswords, stripControls } from "./sanitize.js";

/** Which API call an attempt was: each has its own shape of a good answer (verdict.ts). */
export type CallKind = "confirm" | "list" | "metadata" | "customers" | "direct";

/**
 * Bodies are read up to this many bytes. An Agreement is under 1 KiB and a customer's list a
 * few KiB; a larger answer is no answer of this API (a proxy, a wrong base URL), and holding it
 * whole cost 3 GB for five 400 MB bodies.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What one HTTP attempt came back with; retry and outcome decisions are made elsewhere. */
export type Attempt =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly body: string;
      readonly contentType?: string;
      /** The body was larger than MAX_BODY_BYTES and was not read (`body` is empty). */
      readonly oversized?: boolean;
      readonly call?: CallKind;
      /** The contact values the request carried, masked wherever the answer echoes them. */
      readonly sentContact?: readonly string[];
      /** A confirmation's request: the Agreement its answer must match (verdict.ts). */
      readonly sent?: SentAgreement;
      readonly retryAfter?: string;
      /** A redirect's target, server text: never followed, only named (sanitised). */
      readonly location?: string;
      /** The ids the answer echoed: server text, compared with the ones sent, never recorded. */
      readonly requestId?: string;
      readonly correlationId?: string;
      readonly durationMs: number;
    }
  | {
      readonly kind: "no-response";
      readonly reason: "timeout" | "network";
      /** Node's error code (ECONNRESET, ETIMEDOUT, ECONNREFUSED, …), which decides whether to retry. */
      readonly code?: string;
      readonly message: string;
      readonly durationMs: number;
    };

/** What a confirmation sent, as its answer is checked against it (docs/partner-center-api.md). */
export interface SentAgreement {
  readonly customerId: string;
  readonly templateId: string;
  readonly type: string;
  readonly dateAgreed: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phoneNumber?: string;
}

export interface RequestIds {
  readonly requestId: string;
  readonly correlationId: string;
}

interface ClientOptions {
  readonly baseUrl: string;
  readonly tokens: TokenProvider;
  readonly timeoutMs: number;
  /** Sockets kept per host: the run's concurrency, so no request waits for a socket. */
  readonly maxSockets: number;
  /** `--proxy` and the *_PROXY variables; default: no proxy. */
  readonly proxy?: ProxySettings;
  /**
   * Called as each request has been handed to the OS: when it left, which the start the rate
   * controller gave it only approximates (rate/pace.ts).
   */
  readonly onWritten?: () => void;
}

/** The first page of the customer list, or the one after a page whose links.next carried this token. */
export type CustomerPageRequest = { readonly size: number } | { readonly continuationToken: string };

export interface PartnerCenterClient {
  getAgreementMetadata(agreementType: string, ids: RequestIds): Promise<Attempt>;
  confirm(
    acceptance: Acceptance,
    templateId: string,
    agreementType: string,
    ids: RequestIds,
  ): Promise<Attempt>;
  listAgreements(customerId: string, agreementType: string, ids: RequestIds): Promise<Attempt>;
  listCustomers(page: CustomerPageRequest, ids: RequestIds): Promise<Attempt>;
  /** Whether the customer accepted the MCA directly (docs/partner-center-api.md "Direct acceptance"). */
  directAcceptance(customerId: string, ids: RequestIds): Promise<Attempt>;
  close(): void;
}

// docs/partner-center-api.md "The partner's customers": the first page by its size, every later
// one by the continuation token alone, passed back exactly as it came.
function customerPagePath(page: CustomerPageRequest): string {
  return "size" in page ? `v1/customers?size=${page.size}` : "v1/customers?seek_operation=next";
}

function customerPageHeaders(page: CustomerPageRequest): Record<string, string> {
  return "size" in page ? {} : { "ms-continuationtoken": page.continuationToken };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * got has no size limit of its own and, for promises, hands the response over only once the
 * whole body is in memory: stop reading once the body passes MAX_BODY_BYTES (or announces that
 * it will). The CancelError that follows still carries the response's status line.
 */
function capBody(request: CancelableRequest<Response<string>>): void {
  // on() returns the request promise itself, which the caller awaits.
  void request.on("downloadProgress", (p: { transferred: number; total?: number }) => {
    if (p.transferred > MAX_BODY_BYTES || (p.total ?? 0) > MAX_BODY_BYTES) request.cancel();
  });
}

/** The answer whose body was cut at the cap: what its status line said, no body. */
function oversized(err: CancelError, call: CallKind, durationMs: number): Attempt | undefined {
  const res = err.response;
  if (!res) return undefined;
  return {
    kind: "response",
    status: res.statusCode,
    contentType: header(res.headers["content-type"]),
    body: "",
    oversized: true,
    call,
    durationMs,
  };
}

/** A request that got no HTTP answer; anything but a timeout is described for the user (host, proxy, what to check). */
function noResponse(err: RequestError, failure: FailureContext, durationMs: number): Attempt {
  const timeout = err.name === "TimeoutError" || err.code === "ETIMEDOUT";
  const raw = err.code ? `${err.code}: ${err.message}` : err.message;
  return {
    kind: "no-response",
    reason: timeout ? "timeout" : "network",
    code: err.code,
    // Node's messages name the host and port; never a password, never a control character.
    message: maskUrlPasswords(stripControls(timeout ? raw : describeNetworkFailure(err, failure))),
    durationMs,
  };
}

/** The got instance every call goes through: the contract's headers, the run's timeout and agents. */
function apiFor(baseUrl: string, timeoutMs: number, agent: Agents): Got {
  return got.extend({
    prefixUrl: baseUrl,
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    timeout: { request: timeoutMs },
    agent,
    headers: {
      accept: "application/json",
      "content-type": "application/json",
      "ms-contract-version": "v1",
      "user-agent": "mca-confirm",
    },
  });
}

/** The Agreement to record (docs/partner-center-api.md): phoneNumber left out when empty. */
function confirmationBody(acceptance: Acceptance, templateId: string, type: string) {
  return {
    primaryContact: {
      firstName: acceptance.firstName,
      lastName: acceptance.lastName,
      email: acceptance.email,
      ...(acceptance.phoneNumber ? { phoneNumber: acceptance.phoneNumber } : {}),
    },
    templateId,
    dateAgreed: acceptance.dateAgreed,
    type,
  };
}

function sentAgreement(acceptance: Acceptance, templateId: string, type: string): SentAgreement {
  return { ...acceptance, customerId: acceptance.customerTenantId, templateId, type };
}

/** The contact values of a request, masked wherever its answer echoes them. */
function contactOf(sent: SentAgreement): readonly string[] {
  return [sent.firstName, sent.lastName, sent.email, sent.phoneNumber ?? ""];
}

/** The headers of one attempt: the token, and the ids that tie it to its row (docs/cli.md "Runs"). */
function requestHeaders(
  token: string,
  ids: RequestIds,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    "ms-requestid": ids.requestId,
    "ms-correlationid": ids.correlationId,
    ...extra,
  };
}

/** One request of the client: what it is, where it goes, and what it carries. */
interface SendOptions {
  readonly call: CallKind;
  readonly method: "GET" | "POST";
  /** Relative to the API root. */
  readonly url: string;
  readonly ids: RequestIds;
  /** The JSON body (a POST). */
  readonly json?: unknown;
  /** The Agreement a confirmation sends, checked against its answer and masked in it. */
  readonly sent?: SentAgreement;
  /** Headers beside the token and the request ids (a page's continuation token). */
  readonly headers?: Record<string, string>;
}

/** One got instance with the contract's headers; got's own retry is off because the run owns retries. */
export function createClient(o: ClientOptions): PartnerCenterClient {
  const agentOptions = { keepAlive: true, maxSockets: o.maxSockets };
  const target = new URL(o.baseUrl);
  // One API root per run, so one route: a proxy (or none) chosen once for every call.
  const route = (o.proxy ?? ProxySettings.none()).route(target);
  const agent = { http: httpAgentFor(agentOptions), https: httpsAgentFor(route, agentOptions) };
  const failure: FailureContext = { target, route, hostSetting: "--base-url (or PARTNER_CENTER_BASE_URL)" };
  const api = apiFor(o.baseUrl, o.timeoutMs, agent);

  async function send({ call, method, url, ids, json, sent, headers = {} }: SendOptions): Promise<Attempt> {
    const started = performance.now();
    const token = await o.tokens.getToken();
    try {
      const request = api(url, { method, json, headers: requestHeaders(token, ids, headers) });
      capBody(request);
      const { onWritten } = o;
      // on() hands back the request itself, a promise awaited below.
      if (onWritten) void request.on("request", (req) => req.once("finish", onWritten));
      const res = await request;
      return {
        kind: "response",
        status: res.statusCode,
        body: res.body,
        contentType: header(res.headers["content-type"]),
        call,
        ...(sent ? { sent, sentContact: contactOf(sent) } : {}),
        retryAfter: header(res.headers["retry-after"]),
        location: header(res.headers.location),
        requestId: header(res.headers["ms-requestid"]),
        correlationId: header(res.headers["ms-correlationid"]),
        durationMs: performance.now() - started,
      };
    } catch (err) {
      const durationMs = performance.now() - started;
      const cut = err instanceof CancelError ? oversized(err, call, durationMs) : undefined;
      if (cut) return cut;
      if (err instanceof RequestError) return noResponse(err, failure, durationMs);
      throw err;
    }
  }

  return callsOf(send, () => {
    agent.http.destroy();
    agent.https.destroy();
  });
}

/** The client's calls, each one request made by `send`. */
function callsOf(send: (options: SendOptions) => Promise<Attempt>, close: () => void): PartnerCenterClient {
  return {
    getAgreementMetadata: (type, ids) =>
      send({
        call: "metadata",
        method: "GET",
        url: `v1/agreements?agreementType=${encodeURIComponent(type)}`,
        ids,
      }),
    confirm: (acceptance, templateId, type, ids) =>
      send({
        call: "confirm",
        method: "POST",
        url: `v1/customers/${encodeURIComponent(acceptance.customerTenantId)}/agreements`,
        ids,
        json: confirmationBody(acceptance, templateId, type),
        sent: sentAgreement(acceptance, templateId, type),
      }),
    listAgreements: (customerId, type, ids) =>
      send({
        call: "list",
        method: "GET",
        url: `v1/customers/${encodeURIComponent(customerId)}/agreements?agreementType=${encodeURIComponent(type)}`,
        ids,
      }),
    listCustomers: (page, ids) =>
      send({
        call: "customers",
        method: "GET",
        url: customerPagePath(page),
        ids,
        headers: customerPageHeaders(page),
      }),
    directAcceptance: (customerId, ids) =>
      send({
        call: "direct",
        method: "GET",
        url: `v1/customers/${encodeURIComponent(customerId)}/directSignedMicrosoftCustomerAgreementStatus`,
        ids,
      }),
    close,
  };
}
