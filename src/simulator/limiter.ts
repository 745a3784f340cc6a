// The simulator's rate limiters: the shapes docs/partner-center-api.md "Throttling" says to plan for, since Microsoft
// documents none. Every limiter answers one question per request, O(1): accepted (0), or refused
// with the Retry-After (whole seconds, ≥ 1) that a real limiter of that shape would send:
//   - token bucket: a fixed Retry-After when configured (gateways often send a constant), else
//     the time until the next token;
//   - fixed window: the time to the window's end (the counter resets then);
//   - sliding window (a log of the last `limit` accepted requests): the time until the oldest
//     of them leaves the window;
//   - a cap on open requests (an API gateway's concurrency limit): 429 with Retry-After 1
//     whenever `maxOpen` accepted requests are still being answered, whatever the rate. Alone or
//     with any of the shapes above (a bucket and a cap at once).
// A refused request takes nothing, so a client that keeps retrying is not starved further (it
// still counts, as in Partner Center, as load). The same classes drive the rate tests' virtual
// API (test/helpers/rate-run.ts), so the tests and the simulator cannot drift apart.

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
  /**
   * Fixed windows only: the first request finds the window this far under way (a run started
   * that long after another client's), so its phase does not depend on when the client got going.
   * By default windows count from the limiter's creation.
   */
  underWayAtFirstMs?: number;
}

/** Only a cap on open requests, no limit on the rate. */
export interface OpenCapLimit {
  kind: "max-open";
  maxOpen: number;
}

/** After `afterSeconds` from the limiter's creation, its rate (or a lone cap) is multiplied by `factor`. */
export interface LimitChange {
  afterSeconds: number;
  factor: number;
}

/** A limiter, optionally changing its rate once at a given time (a limit adjusted during a run). */
export type RateLimit = (TokenBucketLimit | WindowLimit) & {
  change?: LimitChange;
  /** Besides the rate: at most this many accepted requests open at once (OpenCap). */
  maxOpen?: number;
};

/** What a simulated API limits: a rate (with or without a cap on open requests), or only the cap. */
export type ApiLimit = RateLimit | (OpenCapLimit & { change?: LimitChange });

export interface Limiter {
  /** Takes a slot and returns 0, or returns the Retry-After in whole seconds (≥ 1). */
  take(): number;
  /** An accepted request (take() returned 0) has been answered: it is no longer open. */
  release(): void;
}

/** Retry-After of a refusal for too many open requests (gateways send a short constant). */
export const OPEN_CAP_RETRY_AFTER_SECONDS = 1;

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

  release(): void {}

  /** A new refill rate from now on; the tokens already there stay. */
  scale(factor: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (this.clock() - this.last) * this.perMs);
    this.last = this.clock();
    this.perMs *= factor;
  }
}

/**
 * At most `limit` requests in each window [k·W, (k+1)·W) counted from the limiter's creation, or
 * from `underWayAtFirstMs` before the first request.
 */
export class FixedWindow implements Limiter {
  private windowStart: number | undefined;
  private used = 0;
  private limit: number;
  private readonly windowMs: number;
  private readonly underWayMs: number | undefined;

  constructor(
    spec: WindowLimit,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.limit = checkWindow(spec);
    this.windowMs = spec.windowSeconds * 1000;
    this.underWayMs = spec.underWayAtFirstMs;
    if (this.underWayMs === undefined) this.windowStart = this.clock();
  }

  take(): number {
    const now = this.clock();
    this.windowStart ??= now - this.underWayMs!;
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

  release(): void {}

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

  release(): void {}

  /** A new limit from now on: the log keeps the most recent acceptances that still fit. */
  scale(factor: number): void {
    const size = Math.max(1, Math.round(this.accepted.length * factor));
    const inOrder = [...this.accepted.slice(this.next), ...this.accepted.slice(0, this.next)];
    const kept = inOrder.slice(Math.max(0, inOrder.length - size));
    this.accepted = [...new Array<number>(size - kept.length).fill(-Infinity), ...kept];
    this.next = 0;
  }
}

/**
 * At most `maxOpen` accepted requests open at once: one more is refused with Retry-After 1,
 * whatever the rate. Refused requests are answered at once and never count as open.
 */
export class OpenCap implements Limiter {
  private open = 0;
  private maxOpen: number;

  constructor(maxOpen: number) {
    if (!(maxOpen >= 1)) throw new RangeError("maxOpen must be ≥ 1");
    this.maxOpen = Math.floor(maxOpen);
  }

  take(): number {
    if (this.open >= this.maxOpen) return OPEN_CAP_RETRY_AFTER_SECONDS;
    this.open++;
    return 0;
  }

  release(): void {
    if (this.open > 0) this.open--;
  }

  /** Requests open now (accepted, not yet answered). */
  get openNow(): number {
    return this.open;
  }

  scale(factor: number): void {
    this.maxOpen = Math.max(1, Math.round(this.maxOpen * factor));
  }
}

function checkWindow(spec: WindowLimit): number {
  if (!(spec.limit >= 1) || !(spec.windowSeconds > 0))
    throw new RangeError("a window limit needs limit ≥ 1 and windowSeconds > 0");
  if (spec.underWayAtFirstMs !== undefined && !(spec.underWayAtFirstMs >= 0))
    throw new RangeError("underWayAtFirstMs must be ≥ 0");
  return Math.floor(spec.limit);
}

type Scalable = Limiter & { scale(factor: number): void };

function rateLimiterOf(spec: ApiLimit, clock: () => number): Scalable {
  if ("perSecond" in spec) return new TokenBucket(spec, clock);
  if (spec.kind === "max-open") return new OpenCap(spec.maxOpen);
  return spec.kind === "fixed-window" ? new FixedWindow(spec, clock) : new SlidingWindow(spec, clock);
}

/** A cap on open requests in front of a rate limiter: the cap is asked first, and a request the rate refuses is not open. */
function capped(cap: OpenCap, rate: Scalable): Scalable {
  return {
    take() {
      const refused = cap.take();
      if (refused > 0) return refused;
      const wait = rate.take();
      if (wait > 0) cap.release();
      return wait;
    },
    release: () => cap.release(),
    scale: (factor) => rate.scale(factor),
  };
}

/** The limiter a spec describes, with its one change of rate when the spec has one. */
export function createLimiter(spec: ApiLimit, clock: () => number = () => performance.now()): Limiter {
  const rate = rateLimiterOf(spec, clock);
  const limiter =
    spec.kind !== "max-open" && spec.maxOpen !== undefined ? capped(new OpenCap(spec.maxOpen), rate) : rate;
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
    release: () => limiter.release(),
  };
}

/** Long-run requests per second a spec's rate allows (before any change); Infinity for a lone cap. */
export function sustainedRate(spec: ApiLimit): number {
  if ("perSecond" in spec) return spec.perSecond;
  return spec.kind === "max-open" ? Infinity : spec.limit / spec.windowSeconds;
}
