import type { Attempt } from "../partner-center/client.js";
import {
  ALREADY_EXISTS,
  isForeignAnswer,
  MAX_RETRY_AFTER_MS,
  verdictOf,
  type Verdict,
} from "../partner-center/verdict.js";
import type { Breaker } from "./breaker.js";
import type { Clock } from "./clock.js";
import type { RateController } from "./rate/controller.js";
import type { RunStop } from "./stop.js";

/** Requests sent and answers by HTTP status (or no-response reason), for the run's log. */
export interface RequestStats {
  requests: number;
  responses: Record<string, number>;
}

/**
 * The way every request goes out: the circuit breaker, then a worker slot, then the run-wide
 * pace; and the way every answer comes back to them. A slot is held only while a request is
 * about to start or in flight, never while a row sleeps before a retry.
 */
export interface Gate {
  /** Sends one attempt once admitted; undefined when the run stopped before it went out. */
  attempt(send: () => Promise<Attempt>): Promise<{ attempt: Attempt; verdict: Verdict } | undefined>;
}

export interface GateParts {
  readonly breaker: Breaker;
  /** Runs one request in a worker slot (--concurrency). */
  readonly slot: <T>(task: () => Promise<T>) => Promise<T>;
  readonly rate: RateController;
  /** +1 when a row starts wanting to send (synchronously, so the reader sees it at once), -1 when that attempt is over. */
  readonly demand: (delta: 1 | -1) => void;
  readonly clock: Clock;
  readonly stop: RunStop;
  readonly stats: RequestStats;
}

/** Enough to tell a misdirected run from one odd answer; few enough that a wrong URL stops at once. */
const FOREIGN_ANSWERS = 10;

/** 90 s → "90 s", 7200 s → "2 h", 86400 s → "24 h". */
function describeWait(ms: number): string {
  if (ms >= MAX_RETRY_AFTER_MS) return "a week or more";
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/**
 * A Retry-After longer than --outage-timeout is an outage announced in advance: waiting it out
 * would hold every worker for that long (a day, for Retry-After: 86400), so the run stops now,
 * resumable, and says how long the API asked to wait.
 */
function stopOnLongWait(verdict: Verdict, outageTimeoutMs: number, stop: RunStop): void {
  if (verdict.kind !== "transient" || verdict.retryAfterMs === undefined) return;
  if (verdict.retryAfterMs <= outageTimeoutMs) return;
  stop.stop(
    "outage",
    `The API asked to wait ${describeWait(verdict.retryAfterMs)} before the next request (Retry-After, HTTP ${verdict.httpStatus ?? "?"}), ` +
      `longer than --outage-timeout (${describeWait(outageTimeoutMs)}); the run stopped. Continue later with --resume.`,
  );
}

/**
 * A run whose first answers are all no answer of this API (a wrong --base-url, a proxy's login
 * page) would meet the same on every row: it stops after FOREIGN_ANSWERS of them in a row,
 * before any Agreement came back, instead of waiting out --outage-timeout.
 */
function foreignAnswerWatch(stop: RunStop): (verdict: Verdict) => void {
  let sawAgreement = false;
  let foreignInARow = 0;
  return (verdict) => {
    if (verdict.kind === "ok") sawAgreement = true;
    if (sawAgreement) return;
    const foreign = isForeignAnswer(verdict);
    foreignInARow = foreign ? foreignInARow + 1 : 0;
    if (foreignInARow < FOREIGN_ANSWERS) return;
    stop.stop(
      "outage",
      `The first ${FOREIGN_ANSWERS} answers were not the Partner Center API's (last: ${verdict.kind === "transient" ? verdict.message : ""}); ` +
        `the run stopped. Check --base-url and any proxy in between, then continue with --resume.`,
    );
  };
}

/**
 * A confirmation call Partner Center no longer serves (docs/partner-center-api.md "A retired
 * call") would refuse every row the same way: when it answers so before any Agreement came back,
 * the run stops at once (api-retired, exit 3, resumable). After an Agreement the call works, and
 * such an answer is the row's.
 */
function retiredCallWatch(stop: RunStop): (verdict: Verdict) => void {
  let sawAgreement = false;
  return (verdict) => {
    if (verdict.kind === "ok" && (verdict.userId !== undefined || verdict.code === ALREADY_EXISTS))
      sawAgreement = true;
    if (sawAgreement || verdict.kind !== "rejected" || !verdict.retired) return;
    const code = verdict.code ? ` code ${verdict.code}` : "";
    stop.stop(
      "api-retired",
      `Partner Center no longer accepts this confirmation call for your partner tenant (HTTP ${verdict.httpStatus}${code}: ${verdict.message}). ` +
        `Microsoft retired the legacy attestation API in January 2026: see "Partner Center's 2025-2026 changes" in the README. ` +
        `Nothing more was sent; once the call is accepted again, continue with --resume.`,
    );
  };
}

export function createGate(parts: GateParts): Gate {
  const { breaker, rate, stop, stats } = parts;
  const watchForeignAnswers = foreignAnswerWatch(stop);
  const watchRetiredCall = retiredCallWatch(stop);

  function report(attempt: Attempt, verdict: Verdict, startedAt: number, isProbe: boolean): void {
    const key = attempt.kind === "response" ? String(attempt.status) : attempt.reason;
    stats.responses[key] = (stats.responses[key] ?? 0) + 1;
    const retryable = verdict.kind === "transient";
    rate.onAnswer(retryable && verdict.throttled, retryable ? verdict.retryAfterMs : undefined, startedAt);
    // Faults are what an outage looks like: 5xx or no answer. A 429 or a 4xx means the API is up.
    // A 2xx that is no answer of this API (a login page, a wrong --base-url) and a redirect
    // count too: they would fail every row the same way, so the run stops instead of marching
    // through the file.
    const fault =
      retryable &&
      !verdict.throttled &&
      (verdict.httpStatus === undefined || verdict.httpStatus >= 500 || isForeignAnswer(verdict));
    breaker.record(fault, isProbe);
    stopOnLongWait(verdict, breaker.outageTimeoutMs, stop);
    watchForeignAnswers(verdict);
    watchRetiredCall(verdict);
  }

  return {
    async attempt(send) {
      parts.demand(1);
      try {
        const isProbe = await breaker.admit();
        const sent = await parts.slot(async () => {
          const startedAt = await rate.acquire(stop.signal);
          if (stop.signal.aborted) {
            rate.unanswered(startedAt);
            return undefined;
          }
          stats.requests++;
          try {
            return { attempt: await send(), startedAt };
          } catch (err) {
            rate.unanswered(startedAt); // no longer open: the cap on open requests counts answers
            throw err;
          }
        });
        if (!sent) return undefined;
        const verdict = verdictOf(sent.attempt, parts.clock.now());
        report(sent.attempt, verdict, sent.startedAt, isProbe);
        return { attempt: sent.attempt, verdict };
      } finally {
        parts.demand(-1);
      }
    },
  };
}
