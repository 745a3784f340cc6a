// The retry decision, pure: (attempt, retryAfter, policy, random) → delay or stop.
// Exponential backoff with full jitter: delay = random(0, min(cap, base·2^(attempt-1))),
// which spreads retries of many workers apart instead of synchronising them
// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
// A Retry-After from the server is a floor, never shortened.

export interface RetryPolicy {
  /** Attempts per row, first one included. */
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly capMs: number;
}

/** 1 s base, 60 s cap: six attempts span about a minute on average, long enough for a brief 5xx burst. */
export const DEFAULT_RETRY: Omit<RetryPolicy, "maxAttempts"> = { baseMs: 1_000, capMs: 60_000 };

/** HTTP statuses worth another attempt (PARTNER-CENTER.md "Errors"); everything else is final. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Delay before the next attempt after `attempt` (1-based) failed retryably,
 * or undefined when the attempts are used up.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  const backoff = Math.floor(random() * ceiling);
  return Math.max(backoff, retryAfterMs ?? 0);
}

/**
 * Connection failures worth another attempt: resets (the API may or may not have processed the
 * request; re-sending the same MS-RequestId makes that safe) and timeouts. Anything else, such as
 * a refused connection, an unknown host or a TLS error, fails the same way on every attempt.
 */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
]);

export function isRetryableNoResponse(reason: "timeout" | "network", code: string | undefined): boolean {
  return reason === "timeout" || (code !== undefined && RETRYABLE_NETWORK_CODES.has(code));
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3) → milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date names a day and month ("Sun, 01 Mar 2026 12:00:30 GMT"); Date.parse would
  // also take "-5" or "2026" as dates.
  if (!/[a-z]{3}/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
