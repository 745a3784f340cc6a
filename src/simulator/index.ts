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

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createLimiter, NO_FAULTS, pickFault, seededRandom, type Faults, type RateLimit } from "./faults.js";
import { decide, parseUtc } from "./confirm.js";
import { contactKey, Store, type Answer, type Contact } from "./store.js";
import { CLOUD, DEFAULT_TEMPLATES, MCA, TemplateCatalog, type AgreementTemplate } from "./templates.js";
import { triggerFor } from "./triggers.js";
import { CustomerDirectory, type Customers } from "./customers.js";
import * as R from "./responses.js";

export type { Faults, RateLimit, AgreementTemplate, Contact };
export type { CustomerProfile, Customers, PageFailure } from "./customers.js";
export { generatedCustomer } from "./customers.js";
export { DEFAULT_TEMPLATES, CURRENT_MCA_TEMPLATE_ID } from "./templates.js";

export interface SimulatorOptions {
  /** Default "127.0.0.1"; anything that is not loopback is refused. */
  host?: string;
  port?: number;
  latencyMs?: number;
  faults?: Partial<Faults>;
  /** A token bucket, fixed or sliding window, optionally changing once (see limiter.ts). */
  rateLimit?: RateLimit;
  templates?: AgreementTemplate[];
  acceptToken?: (token: string) => boolean;
  seed?: number;
  now?: () => number;
  /** Serve https with this certificate (see certificate.ts) instead of plain http. */
  tls?: { readonly cert: string; readonly key: string };
  /** Customers generated into GET /v1/customers, with a seeded mix of existing confirmations. */
  customers?: number;
}

export interface SimulatorStats {
  requests: number;
  confirmRequests: number;
  metadataRequests: number;
  listRequests: number;
  throttled: number;
  inFlight: number;
  peakInFlight: number;
  requestsPerCustomer(id: string): number;
  recordsPerCustomer(id: string): number;
  customersWithDuplicateRecords(): string[];
  totalRecords(): number;
}

export interface Simulator {
  readonly url: string;
  readonly stats: SimulatorStats;
  readonly customers: Customers;
  setFaults(f: Partial<Faults>): void;
  setRateLimit(r: RateLimit | null): void;
  setLatency(ms: number): void;
  seedConfirmation(customerId: string, contact: Contact, dateAgreed?: string): void;
  close(): Promise<void>;
}

class Stats implements SimulatorStats {
  requests = 0;
  confirmRequests = 0;
  metadataRequests = 0;
  listRequests = 0;
  throttled = 0;
  inFlight = 0;
  peakInFlight = 0;
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

type Route = { kind: "metadata" } | { kind: "customers" } | { kind: "list" | "confirm"; customerId: string };

function route(method: string | undefined, path: string): Route | undefined {
  const p = path.toLowerCase();
  if (p === "/v1/agreements") return method === "GET" ? { kind: "metadata" } : undefined;
  if (p === "/v1/customers") return method === "GET" ? { kind: "customers" } : undefined;
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

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host)) throw new Error(`The simulator only listens on loopback, not on ${host}`);
  const catalog = new TemplateCatalog(options.templates ?? DEFAULT_TEMPLATES);
  const store = new Store(catalog);
  const stats = new Stats(store);
  const customers = new CustomerDirectory(options.customers ?? 0, store, catalog);
  const rng = seededRandom(options.seed ?? DEFAULT_SEED);
  const now = options.now ?? Date.now;
  const acceptToken = options.acceptToken ?? ((t: string) => t.length > 0);
  let faults: Faults = { ...NO_FAULTS, ...options.faults };
  let limiter = options.rateLimit ? createLimiter(options.rateLimit) : undefined;
  let latencyMs = options.latencyMs ?? 0;
  let closed = false;

  const reply = (res: ServerResponse, answer: Answer, trace: R.Trace) => {
    if ("rec" in answer) R.sendJson(res, 201, store.agreement(answer.rec), trace);
    else R.send(res, answer.status, answer.body, trace);
  };

  async function confirm(req: IncomingMessage, res: ServerResponse, customerId: string, trace: R.Trace) {
    const raw = await readBody(req);
    if (closed || res.destroyed) return;
    const fault = pickFault(faults, rng());
    switch (fault) {
      case "error": {
        const e = R.serverError(rng() < 0.5 ? 500 : 503, rng() < 0.3);
        return R.send(res, e.status, e.body, trace, undefined, e.text);
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
      answer = decide(customerId, body, catalog, store, now());
      if (requestId) store.remember(requestId, answer);
    }
    if (fault === "resetAfter") return void req.socket.destroy();
    reply(res, answer, trace);
  }

  /** Answers for a customer id before anything else: the prefix triggers and the GUID check. */
  function customerGate(res: ServerResponse, customerId: string, trace: R.Trace): boolean {
    const t = triggerFor(customerId);
    if (t?.kind === "error") {
      // 404 in the older shape, the others in the newer one: both reach the client's parser.
      const body =
        t.status === 404
          ? R.oldError(t.code, t.description)
          : R.newError(t.code, t.description, t.status === 403 ? "Forbidden" : "InvalidCustomerId");
      R.send(res, t.status, body, trace);
      return true;
    }
    if (t?.kind === "unavailable") {
      R.send(
        res,
        503,
        R.newError(503, "The service is temporarily unavailable", "ServiceUnavailable", true),
        trace,
      );
      return true;
    }
    if (t?.kind === "throttled") {
      stats.throttled++;
      R.send(res, 429, R.throttledBody(1), trace, { "retry-after": "1" });
      return true;
    }
    if (!GUID.test(customerId)) {
      R.send(res, 400, R.newError(900118, "The customer id is invalid", "InvalidCustomerId"), trace);
      return true;
    }
    return false;
  }

  function handle(req: IncomingMessage, res: ServerResponse, r: Route, query: string, trace: R.Trace): void {
    if (closed || res.destroyed) return;
    const authError = faults.authError;
    if (authError)
      return R.send(res, authError.status, R.authErrorBody(authError.code, authError.message), trace);
    const token = BEARER.exec(header(req, "authorization") ?? "")?.[1]?.trim();
    if (!token || !acceptToken(token))
      return R.send(res, 401, R.MISSING_TOKEN, trace, { "www-authenticate": "Bearer" });
    if (header(req, "ms-contract-version") !== "v1")
      return R.send(res, 400, R.MISSING_CONTRACT_VERSION, trace);
    // Without the parameter Partner Center answers for the Cloud Agreement (docs/partner-center-api.md).
    const agreementType = () => (query ? new URLSearchParams(query).get("agreementType") : null) || CLOUD;

    if (r.kind === "metadata") {
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
    if (r.kind === "customers") return customers.answer(req, res, query, trace);
    if (customerGate(res, r.customerId, trace)) return;
    if (r.kind === "list") {
      const items = store.list(r.customerId, agreementType());
      return R.sendJson(
        res,
        200,
        { totalCount: items.length, items, attributes: { objectType: "Collection" } },
        trace,
      );
    }
    void confirm(req, res, r.customerId, trace);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const trace: R.Trace = {
      requestId: header(req, "ms-requestid") ?? randomUUID(),
      correlationId: header(req, "ms-correlationid") ?? randomUUID(),
    };
    const r = route(req.method, q < 0 ? url : url.slice(0, q));
    if (!r) return R.send(res, 404, "Not Found", trace, undefined, true);

    stats.requests++;
    if (r.kind === "metadata") stats.metadataRequests++;
    else if (r.kind === "list") stats.listRequests++;
    else if (r.kind === "confirm") {
      stats.confirmRequests++;
      store.countPost(r.customerId);
    }
    if (++stats.inFlight > stats.peakInFlight) stats.peakInFlight = stats.inFlight;
    res.once("close", () => stats.inFlight--);

    // Throttling is the gateway's job: it answers before any (simulated) processing time.
    const wait = limiter?.take() ?? 0;
    if (wait > 0) {
      stats.throttled++;
      return R.send(res, 429, R.throttledBody(wait), trace, { "retry-after": String(wait) });
    }
    const query = q < 0 ? "" : url.slice(q + 1);
    if (latencyMs > 0) setTimeout(handle, latencyMs, req, res, r, query, trace).unref();
    else handle(req, res, r, query, trace);
  };
  const server = options.tls
    ? createTlsServer({ keepAliveTimeout: 30_000, cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createServer({ keepAliveTimeout: 30_000 }, onRequest);
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

  return {
    url: `${options.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    stats,
    customers,
    setFaults(f) {
      faults = { ...faults, ...f };
    },
    setRateLimit(r) {
      limiter = r ? createLimiter(r) : undefined;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    seedConfirmation(customerId, contact, dateAgreed) {
      const tpl = catalog.currentIndexOfType(MCA);
      if (tpl === undefined) throw new Error("No current MicrosoftCustomerAgreement template to seed with");
      const date = dateAgreed === undefined ? now() : (parseUtc(dateAgreed) ?? Date.parse(dateAgreed));
      if (Number.isNaN(date)) throw new Error(`Not a date: ${dateAgreed}`);
      const id = customerId.toLowerCase();
      const key = contactKey(contact);
      if (!store.find(id, key, tpl)) store.add(id, key, tpl, date);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung requests and idle keep-alive sockets would otherwise hold close() forever.
        server.closeAllConnections();
      });
    },
  };
}
