// Seeded randomness and the rate limiter: the two pieces of the simulator that decide, per
// request, whether it fails. Both are O(1) per request.

/** Fault rates; see index.ts for what each one does to a POST confirmation. */
export interface Faults {
  /** Share of POST confirmations answered 500 or 503 (before anything is recorded). */
  errorRate: number;
  /** Share whose connection is destroyed before anything is recorded. */
  resetBeforeCommitRate: number;
  /** Share recorded (idempotency record stored too) and then the socket destroyed without an answer. */
  resetAfterCommitRate: number;
  /** Share never answered at all: the socket stays open until the client gives up or close(). */
  hangRate: number;
  /** Share answered 408. */
  timeoutRate?: number;
  /** When set, every API request is refused with this (e.g. 401 900421 MFA, 403 900308, 401 800001). */
  authError?: null | { status: 401 | 403; code: number; message?: string };
  /** When set, GET /v1/agreements answers this status (an unresolvable templateId). */
  metadataStatus?: number | null;
}

export const NO_FAULTS: Faults = {
  errorRate: 0,
  resetBeforeCommitRate: 0,
  resetAfterCommitRate: 0,
  hangRate: 0,
  timeoutRate: 0,
  authError: null,
  metadataStatus: null,
};

/** What happens to one POST confirmation. */
type FaultKind = "none" | "error" | "resetBefore" | "hang" | "timeout" | "resetAfter";

/**
 * mulberry32: a tiny, fast, seedable PRNG (public domain, by Tommy Ettinger). Seeded so that a
 * failing test or benchmark run can be replayed with the same sequence of faults.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** One draw decides the fault; the rates are stacked in a fixed order (their sum is capped at 1). */
export function pickFault(faults: Faults, draw: number): FaultKind {
  let edge = faults.errorRate;
  if (draw < edge) return "error";
  if (draw < (edge += faults.resetBeforeCommitRate)) return "resetBefore";
  if (draw < (edge += faults.hangRate)) return "hang";
  if (draw < (edge += faults.timeoutRate ?? 0)) return "timeout";
  if (draw < edge + faults.resetAfterCommitRate) return "resetAfter";
  return "none";
}

// The rate limiters live in limiter.ts; re-exported here, where callers have always found them.
export { TokenBucket, createLimiter, type ApiLimit, type Limiter, type RateLimit } from "./limiter.js";
