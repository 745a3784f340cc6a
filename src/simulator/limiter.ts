// The simulator's rate limiters: the shapes docs/partner-center-api.md "Throttling" says to plan for, since Microsoft
// documents none. Every limiter answers one question per request, O(1): accepted (0), or refused
// with the Retry-After (whole seconds, ≥ 1) that a real limiter of that shape would send:
//   - token bucket: a fixed Retry-After when configured (gateways often send a constant), else
//     the time until the next token;
//   - fixed window: the time to the window's end (the counter resets then);
//   - sliding window (a log of the last `limit` accepted requests): the time until the oldest
//     of them leaves the window.
// A refused request takes nothing, so a client that keeps retrying is not starved further (it
// still counts, as in Partner Center, as load). The same classes drive the rate tests' virtual
// API (test/helpers/rate-harness.ts), so the tests and the simulator cannot drift apart.

export interface TokenBucketLimit {
  kind?: "token-bucket";
  perSecond: number;
  /** Most requests it accepts at once; default `perSecond`. */
  burst?: number;
  /** A constant Retry-After in seconds instead of the time until the next token. */
  retryAfterSeconds?: number;
}

export interface WindowLimit {
  kind: "fixed-window" | "sliding-window";
  /** Requests accepted per window. */
  limit: number;
  windowSeconds: number;
}

/** A limiter, optionally changing its rate once at a given time (a limit adjusted during a run). */
export type RateLimit = (TokenBucketLimit | WindowLimit) & {
  /** After `afterSeconds` from the limiter's creation, its rate is multiplied by `factor`. */
  change?: { afterSeconds: number; factor: number };
};

export interface Limiter {
  /** Takes a slot and returns 0, or returns the Retry-After in whole seconds (≥ 1). */
  take(): number;
}

const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Token bucket: refills `perSecond`, holds at most `burst` (default `perSecond`). */
export class TokenBucket implements Limiter {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private perMs: number;

  constructor(
    readonly limit: TokenBucketLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(limit.perSecond > 0)) throw new RangeError("rateLimit.perSecond must be > 0");
    this.capacity = Math.max(1, limit.burst ?? limit.perSecond);
    this.perMs = limit.perSecond / 1000;
    this.tokens = this.capacity;
    this.last = this.clock();
  }

  take(): number {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return this.limit.retryAfterSeconds ?? toSeconds((1 - this.tokens) / this.perMs);
  }

  /** A new refill rate from now on; the tokens already there stay. */
  scale(factor: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (this.clock() - this.last) * this.perMs);
    this.last = this.clock();
    this.perMs *= factor;
  }
}

/** At most `limit` requests in each window [k·W, (k+1)·W) counted from the limiter's creation. */
export class FixedWindow implements Limiter {
  private windowStart: number;
  private used = 0;
  private limit: number;
  private readonly windowMs: number;

  constructor(
    spec: WindowLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.limit = checkWindow(spec);
    this.windowMs = spec.windowSeconds * 1000;
    this.windowStart = this.clock();
  }

  take(): number {
    const now = this.clock();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart += Math.floor((now - this.windowStart) / this.windowMs) * this.windowMs;
      this.used = 0;
    }
    if (this.used < this.limit) {
      this.used++;
      return 0;
    }
    return toSeconds(this.windowStart + this.windowMs - now);
  }

  scale(factor: number): void {
    this.limit = Math.max(1, Math.round(this.limit * factor));
  }
}

/** At most `limit` accepted requests in any span of `windowSeconds` (a sliding log). */
export class SlidingWindow implements Limiter {
  /** Acceptance times, a ring of the last `limit` (the oldest at `next`). */
  private accepted: number[];
  private next = 0;
  private readonly windowMs: number;

  constructor(
    spec: WindowLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.accepted = new Array<number>(checkWindow(spec)).fill(-Infinity);
    this.windowMs = spec.windowSeconds * 1000;
  }

  take(): number {
    const now = this.clock();
    const oldest = this.accepted[this.next];
    if (now - oldest < this.windowMs) return toSeconds(oldest + this.windowMs - now);
    this.accepted[this.next] = now;
    this.next = (this.next + 1) % this.accepted.length;
    return 0;
  }

  /** A new limit from now on: the log keeps the most recent acceptances that still fit. */
  scale(factor: number): void {
    const size = Math.max(1, Math.round(this.accepted.length * factor));
    const inOrder = [...this.accepted.slice(this.next), ...this.accepted.slice(0, this.next)];
    const kept = inOrder.slice(Math.max(0, inOrder.length - size));
    this.accepted = [...new Array<number>(size - kept.length).fill(-Infinity), ...kept];
    this.next = 0;
  }
}

function checkWindow(spec: WindowLimit): number {
  if (!(spec.limit >= 1) || !(spec.windowSeconds > 0))
    throw new RangeError("a window limit needs limit ≥ 1 and windowSeconds > 0");
  return Math.floor(spec.limit);
}

/** The limiter a spec describes, with its one change of rate when the spec has one. */
export function createLimiter(spec: RateLimit, clock: () => number = () => performance.now()): Limiter {
  const limiter: Limiter & { scale(factor: number): void } =
    "perSecond" in spec
      ? new TokenBucket(spec, clock)
      : spec.kind === "fixed-window"
        ? new FixedWindow(spec, clock)
        : new SlidingWindow(spec, clock);
  const change = spec.change;
  if (!change) return limiter;
  if (!(change.factor > 0) || !(change.afterSeconds >= 0))
    throw new RangeError("a limit change needs factor > 0 and afterSeconds ≥ 0");
  const changeAt = clock() + change.afterSeconds * 1000;
  let changed = false;
  return {
    take() {
      if (!changed && clock() >= changeAt) {
        changed = true;
        limiter.scale(change.factor);
      }
      return limiter.take();
    },
  };
}

/** Long-run requests per second a spec allows (before any change). */
export function sustainedRate(spec: RateLimit): number {
  return "perSecond" in spec ? spec.perSecond : spec.limit / spec.windowSeconds;
}
