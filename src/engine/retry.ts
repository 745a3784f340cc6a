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
