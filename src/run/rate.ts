import type { Clock } from "./clock.js";

// Run-wide rate control. Partner Center publishes no limits and counts every request,
// retries included, against the partner's budget, so one 429 is a signal for the whole run.
//
// Chosen: an adaptive token bucket on the START rate, not AIMD on concurrency. With a
// fast API a single connection can exceed the limit, so capping requests in flight does not
// bound the rate; pacing the starts does. The shape:
//   - until the first 429 there is no pacing (only --concurrency and --max-rpm);
//   - a 429 pauses every worker until its Retry-After has passed, and sets the pace to
//     BACKOFF × the rate the API actually accepted over the last few seconds;
//   - each second without a 429 the pace grows by PROBE × that rate (additive increase),
//     so the run probes back up to the limit and, since a server's bucket holds a burst,
//     spends most of its time just under it.
// --max-rpm is a hard ceiling on the pace at all times.

/** Multiplicative decrease after a 429: 10% under what the API accepted. */
const BACKOFF = 0.9;
/** Additive increase per second, as a share of the rate at the last decrease. */
const PROBE = 0.02;
/** How far back the accepted rate is measured. */
const WINDOW_MS = 5_000;
const BUCKET_MS = 250;
/** Pause when a 429 comes without Retry-After. */
const DEFAULT_PAUSE_MS = 1_000;

export interface RateController {
  /** Waits until this worker may start a request. Returns early when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Every answered request reports here; a 429 pauses and slows the whole run. */
  onAnswer(throttled: boolean, retryAfterMs?: number): void;
  /** Until when all workers are held (epoch ms), for the progress display. */
  readonly pausedUntil: number;
  /** Current pace in requests per second, undefined when unpaced. */
  readonly ratePerSecond: number | undefined;
  readonly throttled: number;
}

export function createRateController(options: { clock: Clock; maxRpm?: number }): RateController {
  const { clock } = options;
  const ceiling = options.maxRpm !== undefined ? options.maxRpm / 60 : Infinity;
  let adaptive = Infinity;
  let increaseStep = 0;
  let lastAdjust = clock.now();
  let nextStart = 0;
  let pausedUntil = 0;
  let throttled = 0;
  let lastDecrease = -Infinity;
  // Accepted answers per BUCKET_MS slot, over WINDOW_MS.
  const buckets = new Array<number>(WINDOW_MS / BUCKET_MS).fill(0);
  let bucketAt = Math.floor(clock.now() / BUCKET_MS);
  const startedAt = clock.now();

  function roll(now: number): void {
    const b = Math.floor(now / BUCKET_MS);
    for (let i = bucketAt + 1; i <= b && i - bucketAt <= buckets.length; i++) buckets[i % buckets.length] = 0;
    bucketAt = Math.max(bucketAt, b);
  }

  function pace(now: number): number {
    if (adaptive !== Infinity && now > pausedUntil) {
      const seconds = (now - Math.max(lastAdjust, pausedUntil)) / 1000;
      if (seconds > 0) {
        adaptive += increaseStep * seconds;
        lastAdjust = now;
      }
    }
    return Math.min(adaptive, ceiling);
  }

  return {
    async acquire(signal) {
      // Bounded: each pass either returns or sleeps until a reserved start time.
      for (let pass = 0; pass < 1_000 && !signal?.aborted; pass++) {
        const now = clock.now();
        const rate = pace(now);
        const slot = Math.max(now, pausedUntil, rate === Infinity ? 0 : nextStart);
        if (rate !== Infinity) nextStart = slot + 1000 / rate;
        if (slot <= now) return;
        await clock.sleep(slot - now, signal);
        if (clock.now() >= pausedUntil) return;
      }
    },
    onAnswer(isThrottle, retryAfterMs) {
      const now = clock.now();
      roll(now);
      if (!isThrottle) {
        buckets[bucketAt % buckets.length]++;
        return;
      }
      throttled++;
      pausedUntil = Math.max(pausedUntil, now + (retryAfterMs ?? DEFAULT_PAUSE_MS));
      // Several in-flight requests meet the same limit at once: one decrease per second.
      if (now - lastDecrease < 1000) return;
      const windowMs = Math.min(WINDOW_MS, Math.max(1000, now - startedAt));
      const accepted = buckets.reduce((a, b) => a + b, 0);
      const acceptedRate = Math.max(1, (accepted * 1000) / windowMs);
      adaptive = Math.max(0.5, Math.min(pace(now), acceptedRate) * BACKOFF);
      increaseStep = Math.max(0.05, acceptedRate * PROBE);
      lastAdjust = now;
      lastDecrease = now;
    },
    get pausedUntil() {
      return pausedUntil;
    },
    get ratePerSecond() {
      const r = Math.min(adaptive, ceiling);
      return r === Infinity ? undefined : r;
    },
    get throttled() {
      return throttled;
    },
  };
}
