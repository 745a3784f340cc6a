import type { Attempt } from "../partner-center/client.js";
import { verdictOf, type Verdict } from "../partner-center/verdict.js";
import type { Breaker } from "./breaker.js";
import type { Clock } from "./clock.js";
import type { RateController } from "./rate.js";
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

export function createGate(parts: GateParts): Gate {
  const { breaker, rate, stop, stats } = parts;

  function report(attempt: Attempt, verdict: Verdict, startedAt: number, isProbe: boolean): void {
    const key = attempt.kind === "response" ? String(attempt.status) : attempt.reason;
    stats.responses[key] = (stats.responses[key] ?? 0) + 1;
    const retryable = verdict.kind === "retryable";
    rate.onAnswer(retryable && verdict.throttled, retryable ? verdict.retryAfterMs : undefined, startedAt);
    // Faults are what an outage looks like: 5xx or no answer. A 429 or a 4xx means the API is up.
    const fault =
      retryable && !verdict.throttled && (verdict.httpStatus === undefined || verdict.httpStatus >= 500);
    breaker.record(fault, isProbe);
  }

  return {
    async attempt(send) {
      parts.demand(1);
      try {
        const isProbe = await breaker.admit();
        const sent = await parts.slot(async () => {
          const startedAt = await rate.acquire(stop.signal);
          if (stop.signal.aborted) return undefined;
          stats.requests++;
          return { attempt: await send(), startedAt };
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
