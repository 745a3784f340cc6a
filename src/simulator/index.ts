// The bundled fake Partner Center: the endpoints of docs/partner-center-api.md on loopback,
// with switchable faults, a rate limit and latency. Used by `mca-confirm demo`, the end-to-end
// tests and the benchmark (20k–500k requests), so the hot path does no logging and O(1) work.
//
// Order of checks for an API request (each step can answer and stop):
//   route (unknown → 404 plain) → rate limit (429) → latency → authError fault → Bearer token
//   (401 800001) → MS-Contract-Version: v1 (400 800002) → endpoint.
// For POST /v1/customers/{id}/agreements the endpoint continues:
//   id-prefix trigger (see triggers.ts) → customer id is a GUID (400 900118) → read body →
//   one seeded draw picks a fault: error (500/503) | reset before commit | hang | timeout (408) |
//   reset after commit | none → replay of a stored MS-RequestId answer, else validation and
//   recording (confirm.ts) → answer stored under the MS-RequestId → reply (or reset after commit).
// GET /v1/customers (the customer list and its paging) continues in customers.ts.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  createLimiter,
  NO_FAULTS,
  pickFault,
  seededRandom,
  type Faults,
  type Limiter,
  type ApiLimit,
  type RateLimit,
} from "./faults.js";
import { decide, parseUtc } from "./confirm.js";
import { contactKey, Store, type Answer, type Contact } from "./store.js";
import { CLOUD, DEFAULT_TEMPLATES, MCA, TemplateCatalog, type AgreementTemplate } from "./templates.js";
import { triggerFor } from "./triggers.js";
import { CustomerDirectory, type Customers } from "./customers.js";
import * as R from "./responses.js";

export type { ApiLimit, Faults, RateLimit, AgreementTemplate, Contact };
export type { CustomerProfile, Customers, PageFailure } from "./customers.js";
export { generatedCustomer } from "./customers.js";
export { DEFAULT_TEMPLATES, CURRENT_MCA_TEMPLATE_ID } from "./templates.js";

export interface SimulatorOptions {
  /** Default "127.0.0.1"; anything that is not loopback is refused. */
  host?: string;
  port?: number;
  latencyMs?: number;
  /** Each answer's delay drawn evenly from latencyMs to this (a seeded draw of its own). */
  latencyMaxMs?: number;
  faults?: Partial<Faults>;
  /** A token bucket, fixed or sliding window or a cap on open requests, optionally both (see limiter.ts). */
  rateLimit?: ApiLimit;
  templates?: AgreementTemplate[];
  acceptToken?: (token: string) => boolean;
  seed?: number;
  now?: () => number;
  /** Serve https with this certificate (see certificate.ts) instead of plain http. */
  tls?: { readonly cert: string; readonly key: string };
  /** Customers generated into GET /v1/customers, with a seeded mix of existing confirmations. */
  customers?: number;
  /**
   * The share (0..1) of generated customers who accepted the MCA directly in the Microsoft 365
   * admin center (GET …/directSignedMicrosoftCustomerAgreementStatus answers true); default 0.05.
   * Added customers accept directly only through customers.acceptDirectly.
   */
  directShare?: number;
  /**
   * The confirmation call answers as retired (410, "deprecated and no longer supported"), as the
   * legacy attestation API may for a partner since January 2026 (docs/partner-center-api.md "A retired call").
   */
  retired?: boolean;
}

export interface SimulatorStats {
  requests: number;
  confirmRequests: number;
  metadataRequests: number;
  listRequests: number;
  /** GET …/directSignedMicrosoftCustomerAgreementStatus requests. */
  directStatusRequests: number;
  throttled: number;
  inFlight: number;
  peakInFlight: number;
  /** When the first API request came and the latest answer went (epoch ms; 0 before any). */
  firstRequestAt: number;
  lastAnswerAt: number;
  /** When the latest 429 went out (epoch ms; 0 before any). */
  lastThrottledAt: number;
  /**
   * Requests open × time, in ms: each accepted request's time from the limiter's acceptance to
   * the end of its answer, summed. ÷ (lastAnswerAt − firstRequestAt) it is the mean number of
   * requests open, what a cap on open requests measures (the latency actually served included).
   */
  acceptedOpenMs: number;
  requestsPerCustomer(id: string): number;
  recordsPerCustomer(id: string): number;
  customersWithDuplicateRecords(): string[];
  totalRecords(): number;
}

export interface Simulator {
  readonly url: string;
  readonly stats: SimulatorStats;
  readonly customers: Customers;
  setFaults(faults: Partial<Faults>): void;
  setRateLimit(rateLimit: ApiLimit | null): void;
  setLatency(ms: number): void;
  /** Switch the retired confirmation call on or off (see SimulatorOptions.retired). */
  setRetired(retired: boolean): void;
  /**
   * Puts a confirmation of `contact` on record, under the current template or (`older`) under
   * an older one of the same type: a refresh that never happened, which a later confirmation of
   * the same contact meets as 600061 (docs/partner-center-api.md "Confirm one customer's acceptance").
   */
  seedConfirmation(
    customerId: string,
    contact: Contact,
    dateAgreed?: string,
    options?: { readonly template?: "current" | "older" },
  ): void;
  close(): Promise<void>;
}

class Stats implements SimulatorStats {
  requests = 0;
  confirmRequests = 0;
  metadataRequests = 0;
  listRequests = 0;
  directStatusRequests = 0;
  throttled = 0;
  inFlight = 0;
  peakInFlight = 0;
  firstRequestAt = 0;
  lastAnswerAt = 0;
  lastThrottledAt = 0;
  acceptedOpenMs = 0;
  constructor(private readonly store: Store) {}
  requestsPerCustomer(id: string): number {
    return this.store.postsFor(id);
  }
  recordsPerCustomer(id: string): number {
    return this.store.recordsFor(id);
  }
  customersWithDuplicateRecords(): string[] {
    return this.store.duplicates();
  }
  totalRecords(): number {
    return this.store.totalRecords();
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BEARER = /^bearer\s+(\S.*)$/i;
const CUSTOMERS = "/v1/customers/";
const AGREEMENTS = "/agreements";
/** Bodies are a few hundred bytes; anything far larger is a client bug, not a confirmation. */
const MAX_BODY = 64 * 1024;
const DEFAULT_SEED = 0x5eed;
/** What a retired legacy attestation call might answer: the wording is a guess, the status too. */
const RETIRED_CONFIRMATION = R.newError(
  410,
  "This API is deprecated and no longer supported; use the enhanced attestation API",
  "ApiRetired",
);

type Route =
  { kind: "metadata" } | { kind: "customers" } | { kind: "list" | "confirm" | "direct"; customerId: string };
const DIRECT_STATUS = "/directsignedmicrosoftcustomeragreementstatus";

function customerIdIn(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function route(method: string | undefined, path: string): Route | undefined {
  const p = path.toLowerCase();
  if (p === "/v1/agreements") return method === "GET" ? { kind: "metadata" } : undefined;
  if (p === "/v1/customers") return method === "GET" ? { kind: "customers" } : undefined;
  if (p.startsWith(CUSTOMERS) && p.endsWith(DIRECT_STATUS) && method === "GET") {
    const id = p.slice(CUSTOMERS.length, p.length - DIRECT_STATUS.length);
    return id === "" || id.includes("/") ? undefined : { kind: "direct", customerId: customerIdIn(id) };
  }
  if (!p.startsWith(CUSTOMERS) || !p.endsWith(AGREEMENTS)) return undefined;
  const id = p.slice(CUSTOMERS.length, p.length - AGREEMENTS.length);
  if (id === "" || id.includes("/")) return undefined;
  let customerId: string;
  try {
    customerId = decodeURIComponent(id);
  } catch {
    customerId = id;
  }
  if (method === "GET") return { kind: "list", customerId };
  if (method === "POST") return { kind: "confirm", customerId };
  return undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) {
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
      }
    });
    req.on("end", () => resolve(body));
    req.on("error", () => resolve(undefined));
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

interface SimulatorState {
  readonly catalog: TemplateCatalog;
  readonly store: Store;
  readonly stats: Stats;
  readonly customers: CustomerDirectory;
  readonly rng: () => number;
  readonly now: () => number;
  readonly acceptToken: (token: string) => boolean;
  faults: Faults;
  limiter: Limiter | undefined;
  latencyMs: number;
  retired: boolean;
  latencyMaxMs: number;
  readonly latencyRandom: () => number;
  closed: boolean;
}

function createState(options: SimulatorOptions): SimulatorState {
  const catalog = new TemplateCatalog(options.templates ?? DEFAULT_TEMPLATES);
  const store = new Store(catalog);
  return {
    catalog,
    store,
    stats: new Stats(store),
    customers: new CustomerDirectory(options.customers ?? 0, store, catalog, options.directShare),
    rng: seededRandom(options.seed ?? DEFAULT_SEED),
    now: options.now ?? Date.now,
    acceptToken: options.acceptToken ?? ((token: string) => token.length > 0),
    faults: { ...NO_FAULTS, ...options.faults },
    limiter: options.rateLimit ? createLimiter(options.rateLimit) : undefined,
    latencyMs: options.latencyMs ?? 0,
    retired: options.retired ?? false,
    latencyMaxMs: options.latencyMaxMs ?? 0,
    latencyRandom: seededRandom((options.seed ?? DEFAULT_SEED) + 1),
    closed: false,
  };
}

function reply(state: SimulatorState, res: ServerResponse, answer: Answer, trace: R.Trace): void {
  if ("rec" in answer) R.sendJson(res, 201, state.store.agreement(answer.rec), trace);
  else R.send(res, answer.status, answer.body, trace);
}

async function confirm(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  customerId: string,
  trace: R.Trace,
): Promise<void> {
  const raw = await readBody(req);
  if (state.closed || res.destroyed) return;
  const { rng, store } = state;
  const fault = pickFault(state.faults, rng());
  switch (fault) {
    case "error": {
      const error = R.serverError(rng() < 0.5 ? 500 : 503, rng() < 0.3);
      return R.send(res, error.status, error.body, trace, undefined, error.text);
    }
    case "resetBefore":
      return void req.socket.destroy();
    case "hang":
      return; // never answered: the socket stays open until the client gives up or close()
    case "timeout":
      return R.send(res, 408, R.newError(408, "The request timed out", "RequestTimeout", true), trace);
  }
  // Only a request id the client chose is remembered; a generated one is never sent again.
  const requestId = header(req, "ms-requestid");
  let answer = requestId ? store.answered(requestId) : undefined;
  if (!answer) {
    let body: unknown;
    try {
      body = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    answer = decide(customerId, body, state.catalog, store, state.now());
    if (requestId) store.remember(requestId, answer);
  }
  if (fault === "resetAfter") return void req.socket.destroy();
  reply(state, res, answer, trace);
}

/** Answers for a customer id before anything else: the prefix triggers and the GUID check. */
function customerGate(
  state: SimulatorState,
  res: ServerResponse,
  customerId: string,
  trace: R.Trace,
): boolean {
  const trigger = triggerFor(customerId);
  if (trigger?.kind === "error") {
    // 404 in the older shape, the others in the newer one: both reach the client's parser.
    const body =
      trigger.status === 404
        ? R.oldError(trigger.code, trigger.description)
        : R.newError(
            trigger.code,
            trigger.description,
            trigger.status === 403 ? "Forbidden" : "InvalidCustomerId",
          );
    R.send(res, trigger.status, body, trace);
    return true;
  }
  if (trigger?.kind === "unavailable") {
    R.send(
      res,
      503,
      R.newError(503, "The service is temporarily unavailable", "ServiceUnavailable", true),
      trace,
    );
    return true;
  }
  if (trigger?.kind === "throttled") {
    state.stats.throttled++;
    R.send(res, 429, R.throttledBody(1), trace, { "retry-after": "1" });
    return true;
  }
  if (!GUID.test(customerId)) {
    R.send(res, 400, R.newError(900118, "The customer id is invalid", "InvalidCustomerId"), trace);
    return true;
  }
  return false;
}

function handle(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  query: string,
  trace: R.Trace,
): void {
  if (state.closed || res.destroyed) return;
  const { faults, catalog } = state;
  const authError = faults.authError;
  if (authError)
    return R.send(res, authError.status, R.authErrorBody(authError.code, authError.message), trace);
  const token = BEARER.exec(header(req, "authorization") ?? "")?.[1]?.trim();
  if (!token || !state.acceptToken(token))
    return R.send(res, 401, R.MISSING_TOKEN, trace, { "www-authenticate": "Bearer" });
  if (header(req, "ms-contract-version") !== "v1") return R.send(res, 400, R.MISSING_CONTRACT_VERSION, trace);
  // Without the parameter Partner Center answers for the Cloud Agreement (docs/partner-center-api.md).
  const agreementType = () => (query ? new URLSearchParams(query).get("agreementType") : null) || CLOUD;

  if (route.kind === "metadata") {
    if (faults.metadataStatus) {
      return R.send(
        res,
        faults.metadataStatus,
        R.oldError(faults.metadataStatus, "Agreement metadata is not available"),
        trace,
      );
    }
    const items = catalog.ofType(agreementType());
    return R.sendJson(
      res,
      200,
      { totalCount: items.length, items, attributes: { objectType: "Collection" } },
      trace,
    );
  }
  if (route.kind === "customers") return state.customers.answer(req, res, query, trace);
  if (route.kind === "confirm" && state.retired) return R.send(res, 410, RETIRED_CONFIRMATION, trace);
  if (customerGate(state, res, route.customerId, trace)) return;
  if (route.kind === "direct") {
    const isSigned = state.customers.acceptedDirectly(route.customerId);
    return R.sendJson(res, 200, { isSigned }, trace);
  }
  if (route.kind === "list") {
    const items = state.store.list(route.customerId, agreementType());
    return R.sendJson(
      res,
      200,
      { totalCount: items.length, items, attributes: { objectType: "Collection" } },
      trace,
    );
  }
  void confirm(state, req, res, route.customerId, trace);
}

function onRequest(state: SimulatorState, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/";
  const queryStart = url.indexOf("?");
  const trace: R.Trace = {
    requestId: header(req, "ms-requestid") ?? randomUUID(),
    correlationId: header(req, "ms-correlationid") ?? randomUUID(),
  };
  const found = route(req.method, queryStart < 0 ? url : url.slice(0, queryStart));
  if (!found) return R.send(res, 404, "Not Found", trace, undefined, true);

  const { stats } = state;
  stats.requests++;
  if (found.kind === "metadata") stats.metadataRequests++;
  else if (found.kind === "list") stats.listRequests++;
  else if (found.kind === "direct") stats.directStatusRequests++;
  else if (found.kind === "confirm") {
    stats.confirmRequests++;
    state.store.countPost(found.customerId);
  }
  if (++stats.inFlight > stats.peakInFlight) stats.peakInFlight = stats.inFlight;
  if (stats.firstRequestAt === 0) stats.firstRequestAt = Date.now();
  res.once("close", () => {
    stats.inFlight--;
    stats.lastAnswerAt = Date.now();
  });

  // Throttling is the gateway's job: it answers before any (simulated) processing time.
  const limiter = state.limiter;
  const wait = limiter?.take() ?? 0;
  if (wait > 0) {
    stats.throttled++;
    stats.lastThrottledAt = Date.now();
    return R.send(res, 429, R.throttledBody(wait), trace, { "retry-after": String(wait) });
  }
  // An accepted request stays open (for a cap on open requests) until its answer is sent.
  const acceptedAt = performance.now();
  res.once("close", () => {
    limiter?.release();
    stats.acceptedOpenMs += performance.now() - acceptedAt;
  });
  const query = queryStart < 0 ? "" : url.slice(queryStart + 1);
  const latency = latencyOf(state);
  if (latency > 0) setTimeout(handle, latency, state, req, res, found, query, trace).unref();
  else handle(state, req, res, found, query, trace);
}

/** The delay before this answer: fixed, or drawn from latencyMs..latencyMaxMs. */
function latencyOf(state: SimulatorState): number {
  const spread = state.latencyMaxMs - state.latencyMs;
  return spread > 0 ? state.latencyMs + state.latencyRandom() * spread : state.latencyMs;
}

function simulatorApi(state: SimulatorState, server: Server, url: string): Simulator {
  const { catalog, store } = state;
  return {
    url,
    stats: state.stats,
    customers: state.customers,
    setFaults(faults) {
      state.faults = { ...state.faults, ...faults };
    },
    setRateLimit(rateLimit) {
      state.limiter = rateLimit ? createLimiter(rateLimit) : undefined;
    },
    setLatency(ms) {
      state.latencyMs = ms;
    },
    setRetired(retired) {
      state.retired = retired;
    },
    seedConfirmation(customerId, contact, dateAgreed, options = {}) {
      const tpl =
        options.template === "older" ? catalog.olderIndexOfType(MCA) : catalog.currentIndexOfType(MCA);
      if (tpl === undefined)
        throw new Error(
          `No ${options.template ?? "current"} MicrosoftCustomerAgreement template to seed with`,
        );
      const date = dateAgreed === undefined ? state.now() : (parseUtc(dateAgreed) ?? Date.parse(dateAgreed));
      if (Number.isNaN(date)) throw new Error(`Not a date: ${dateAgreed}`);
      const id = customerId.toLowerCase();
      const key = contactKey(contact);
      if (!store.find(id, key, tpl)) store.add(id, key, tpl, date);
    },
    close() {
      if (state.closed) return Promise.resolve();
      state.closed = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung requests and idle keep-alive sockets would otherwise hold close() forever.
        server.closeAllConnections();
      });
    },
  };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host)) throw new Error(`The simulator only listens on loopback, not on ${host}`);
  const state = createState(options);
  const listener = (req: IncomingMessage, res: ServerResponse) => onRequest(state, req, res);
  const server = options.tls
    ? createTlsServer({ keepAliveTimeout: 30_000, cert: options.tls.cert, key: options.tls.key }, listener)
    : createServer({ keepAliveTimeout: 30_000 }, listener);
  // Benchmarks hold thousands of keep-alive sockets; a short idle timeout closing them just as
  // the client reuses one shows up as spurious ECONNRESET, so idle sockets live longer.
  server.headersTimeout = 35_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return simulatorApi(state, server, url);
}
