import { randomUUID } from "node:crypto";
import { RunStoppedError } from "../errors.js";
import type { Attempt, PartnerCenterClient, RequestIds } from "../partner-center/client.js";
import { verdictOf, type Verdict } from "../partner-center/verdict.js";
import type { Logger } from "../log.js";
import type { Breaker } from "./breaker.js";
import type { Clock } from "./clock.js";
import type { Journal } from "./journal.js";
import type { RateController } from "./rate.js";
import { retryDelay, type RetryPolicy } from "./retry.js";

/** What every API call of a run shares: rate, breaker, retry policy, token renewal, stop. */
export interface Session {
  readonly client: PartnerCenterClient;
  /** Runs one request in a worker slot (--concurrency); rows waiting between attempts hold none. */
  readonly slot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** +1 when a row starts wanting to send (synchronously, so the reader sees it at once), -1 when that attempt is over. */
  readonly demand: (delta: 1 | -1) => void;
  readonly rate: RateController;
  readonly breaker: Breaker;
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Renews the token after a 401 (one renewal shared by all workers); false when it cannot. */
  readonly renewToken: () => Promise<boolean>;
  /** Aborted when the run stops starting requests (Ctrl-C or a fatal answer). */
  readonly stop: AbortSignal;
  readonly journal?: Journal;
  readonly stats: { requests: number; responses: Record<string, number> };
}

export type CallEnd =
  | { readonly end: "ok"; readonly verdict: Extract<Verdict, { kind: "ok" }> }
  | { readonly end: "rejected"; readonly verdict: Extract<Verdict, { kind: "rejected" }> }
  | { readonly end: "failed"; readonly verdict: Extract<Verdict, { kind: "retryable" }> }
  | { readonly end: "fatal"; readonly error: RunStoppedError; readonly verdict?: Verdict }
  | { readonly end: "stopped"; readonly verdict?: Verdict };

export interface CallResult {
  readonly result: CallEnd;
  readonly attempts: number;
  readonly ids: RequestIds;
  /** Ids the API echoed on its last answer, when it answered. */
  readonly answered?: { requestId?: string; correlationId?: string };
}

export interface CallTarget {
  readonly what: "confirm" | "list" | "metadata";
  readonly rowNumber?: number;
  readonly customerId?: string;
}

/** The advice for an answer that would fail every row (CONTRACT "Runs"). */
export function fatalMessage(v: Extract<Verdict, { kind: "auth" }>, renewed: boolean): string {
  const what = `HTTP ${v.httpStatus}${v.code ? ` code ${v.code}` : ""}: ${v.message}`;
  if (v.code === "900421") {
    return `The API requires multi-factor authentication (${what}). Sign in again with MFA (mca-confirm login, or a new consent for the refresh token).`;
  }
  if (v.code === "900308") {
    return `The signed-in user lacks the Partner Center permissions for this call (${what}). Use an account with the Admin agent role.`;
  }
  if (v.code === "900309") {
    return `A Conditional Access policy blocked the call (${what}). Ask the partner tenant's admins to allow this sign-in.`;
  }
  return `The API refused the access token${renewed ? " even after renewing it" : ""} (${what}). Check the credentials (PARTNER_CENTER_* variables) or run mca-confirm login.`;
}

/**
 * One API call with its retries. The only retry loop of the program: got's own retry is off.
 * MS-RequestId: the same one is re-sent after an attempt that got no answer (the API may have
 * committed it), a new one after any answer; MS-CorrelationId stays for all attempts.
 */
export async function callWithRetries(
  s: Session,
  target: CallTarget,
  send: (ids: RequestIds) => Promise<Attempt>,
  start: RequestIds = { requestId: randomUUID(), correlationId: randomUUID() },
): Promise<CallResult> {
  let ids = start;
  let attempts = 0;
  let renewed = false;
  let last: Verdict | undefined;
  let answered: CallResult["answered"];
  let journaled: string | undefined;
  /** The last attempt got an answer: the next one needs a new MS-RequestId. */
  let answeredIds = false;
  /** The latest attempt is the circuit breaker's probe. */
  let isProbe = false;
  /** When the latest attempt started, so the rate controller can tell throttling rounds apart. */
  let startedAt: number | undefined;
  const done = (result: CallEnd): CallResult => ({ result, attempts, ids, answered });

  // One attempt: the breaker, then a worker slot, then the run-wide pace. A slot is held only
  // while a request is about to start or in flight, never while a row sleeps before a retry.
  async function attemptOnce(): Promise<Attempt | RunStoppedError | undefined> {
    s.demand(1);
    try {
      isProbe = await s.breaker.admit(s.stop);
      // A new MS-RequestId only when the next attempt really goes out after an answer, so a
      // row stopped while it waits never shows an id that was not sent.
      if (answeredIds) {
        ids = { ...ids, requestId: randomUUID() };
        answeredIds = false;
      }
      const sent = ids;
      return await s.slot(async (): Promise<Attempt | undefined> => {
        startedAt = await s.rate.acquire(s.stop);
        if (s.stop.aborted) return undefined;
        attempts++;
        if (target.what === "confirm" && target.rowNumber !== undefined && journaled !== sent.requestId) {
          s.journal?.intent(target.rowNumber, sent.requestId, sent.correlationId);
          journaled = sent.requestId;
        }
        s.stats.requests++;
        return send(sent);
      });
    } catch (err) {
      if (!(err instanceof RunStoppedError)) throw err;
      return err; // the outage lasted too long: the run stops
    } finally {
      s.demand(-1);
    }
  }

  for (;;) {
    if (s.stop.aborted) return done({ end: "stopped", verdict: last });
    const a = await attemptOnce();
    if (a instanceof RunStoppedError) return done({ end: "fatal", error: a, verdict: last });
    if (a === undefined) return done({ end: "stopped", verdict: last });
    const v = verdictOf(a, s.clock.now());
    last = v;
    const key = a.kind === "response" ? String(a.status) : a.reason;
    s.stats.responses[key] = (s.stats.responses[key] ?? 0) + 1;
    s.rate.onAnswer(
      v.kind === "retryable" && v.throttled,
      v.kind === "retryable" ? v.retryAfterMs : undefined,
      startedAt,
    );
    const fault =
      v.kind === "retryable" && !v.throttled && (v.httpStatus === undefined || v.httpStatus >= 500);
    s.breaker.record(fault, isProbe);
    if (a.kind === "response") answered = { requestId: a.requestId, correlationId: a.correlationId };

    let delayMs: number | undefined;
    if (v.kind === "retryable" && !v.final) delayMs = retryDelay(attempts, v.retryAfterMs, s.policy);
    s.logger.info({
      event: "attempt",
      call: target.what,
      rowNumber: target.rowNumber,
      customerId: target.customerId,
      attempt: attempts,
      httpStatus: a.kind === "response" ? a.status : undefined,
      noResponse: a.kind === "no-response" ? a.reason : undefined,
      errorCode: "code" in v ? v.code : undefined,
      outcome: v.kind,
      durationMs: Math.round(a.durationMs),
      delayMs,
      requestId: ids.requestId,
      correlationId: ids.correlationId,
    });

    switch (v.kind) {
      case "ok":
        return done({ end: "ok", verdict: v });
      case "rejected":
        return done({ end: "rejected", verdict: v });
      case "auth":
        if (v.renewable && !renewed && (await s.renewToken())) {
          renewed = true;
          answeredIds = true;
          continue;
        }
        return done({
          end: "fatal",
          error: new RunStoppedError(fatalMessage(v, renewed), "auth-failed"),
          verdict: v,
        });
      case "retryable":
        if (delayMs === undefined) return done({ end: "failed", verdict: v });
        if (a.kind === "response") answeredIds = true;
        await s.clock.sleep(delayMs, s.stop);
    }
  }
}
