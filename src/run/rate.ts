import type { Clock } from "./clock.js";
import { createAcceptanceLog } from "./rate-estimate.js";
import { cubic, slowStart, TOP_RATE, type Curve } from "./rate-curve.js";

// Run-wide rate control. Partner Center publishes no limits, its limiter may be a token bucket
// of any burst, a fixed or a sliding window, and every request, retries included, counts
// against the partner's budget: one 429 is a signal for the whole run (docs in README.md,
// "Rate limits").
//
// An adaptive pace on the START rate, not a limit on concurrency: with a fast API one
// connection can exceed the limit, so capping requests in flight does not bound the rate.
//   - Slow start: the first wave is paced too, from START_RATE doubling every 100 ms of demand,
//     so a small bucket is not emptied by --concurrency requests at once (TCP's slow start).
//   - On a 429 round (a 429 to a request started after the previous round was noticed) the
//     pace is cut to BACKOFF × what the API measurably accepted between two empty moments
//     (rate-estimate.ts), or halved while nothing is measured yet; then it climbs along a
//     cubic back to the pace that drew the 429 and slowly beyond (rate-curve.ts; CUBIC and
//     AWS's adaptive retry mode): a bad first estimate is repaired within one K, a limit that
//     rose is found by the convex part.
//   - Retry-After is honoured by the throttled row (its retry waits at least that long). The
//     whole run is held only when the API shows it is closed until a fixed moment: a Retry-After
//     that counts down (a later 429, Retry-After smaller by a second or more, same end) marks a
//     window limiter; from then on every 429 holds all workers until the window's end. For a
//     bucket, holding everyone for a constant Retry-After (30 s, say) would throw away tokens
//     the bucket keeps refilling; the run only slows down. 429s to probes that find nothing
//     accepted since the last round back off (doubling) before the next request goes.
//   - --max-rpm is a hard ceiling on the pace at all times.
// Measured in virtual time over every limiter shape (test/rate-matrix.test.ts, bench scenario d).

/** The pace after a round, as a share of what the API measurably accepted. */
const BACKOFF = 0.97;
/** After a probe's 429, the pace returns to this share of the pace that drew it. */
const PROBE_TOP = 0.99;
/** After a probe's 429, the pace returns to at most this much above the measured rate. */
const PROBE_OVER_ESTIMATE = 1.05;
/** After an overshoot, the pace returns to at most this much above the measured rate. */
const MAX_TOP_OVER_ESTIMATE = 1.25;
/**
 * Against a window limiter the pace stays this much above the measured rate, measured over this
 * many windows. A window used up early costs nothing (the next one opens on time); the whole
 * seconds of Retry-After end a hold up to a second late, which a pace 25 % above the average
 * makes up within the next window, and against a sliding window a pace (W + 1 s) ÷ W above the
 * average is what keeps it full.
 */
const WINDOW_MARGIN = 1.25;
const WINDOW_PERIODS = 2;
/** When nothing is measured yet (the opening burst hid the limit), the pace is halved. */
const BLIND_BACKOFF = 0.5;
/** A round of 429s lasts at least this long (see roundEnds). */
const ROUND_MS = 250;
/** Slowest pace: one request every 10 s still notices when the API lets more through. */
const MIN_RATE = 0.1;
/** Workers that waited within this long count as demand: the pace grows only while used. */
const DEMAND_MS = 1_000;
/** Longest the pump sleeps before looking at the pace again (it may have risen meanwhile). */
const MAX_NAP_MS = 250;
/** Retry-After is in whole seconds: ends of one countdown agree within this. */
const SAME_END_MS = 1_100;
/** Pause when a 429 comes without Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

export interface RateController {
  /**
   * Waits until this worker may start a request and returns the start time to hand back to
   * onAnswer. Returns early when `signal` aborts.
   */
  acquire(signal?: AbortSignal): Promise<number>;
  /** Every answered request reports here; a 429 slows the whole run (and may hold it). */
  onAnswer(throttled: boolean, retryAfterMs?: number, startedAt?: number): void;
  /** Until when all workers are held (epoch ms), for the progress display. */
  readonly pausedUntil: number;
  /** Current pace in requests per second, undefined when it is beyond mattering. */
  readonly ratePerSecond: number | undefined;
  readonly throttled: number;
}

export function createRateController(options: { clock: Clock; maxRpm?: number }): RateController {
  const { clock } = options;
  const ceiling = options.maxRpm !== undefined ? options.maxRpm / 60 : Infinity;
  const log = createAcceptanceLog();
  let curve: Curve = slowStart();
  /** Demand time spent on the current curve, and when it was last brought up to date. */
  let tau = 0;
  let lastAdvance = clock.now();
  let lastHeldAt = -Infinity;
  let pausedUntil = 0;
  let throttled = 0;
  /**
   * 429s to requests started before this are part of the latest round: those already under way
   * when it was noticed, and those of the next ROUND_MS, while a small bucket refills to the
   * new pace (one cut per round, as TCP cuts once per round trip).
   */
  let roundEnds = -Infinity;
  /** 429s since the last accepted answer: the hold before the next request doubles with each. */
  let refusedInARow = 0;
  /** The API has shown a Retry-After that counts down: a window, closed until its end. */
  let windowLimiter = false;
  let windowEnd = 0;
  let lastRefusal: { retryAfterMs: number; end: number } | undefined;

  function pace(now: number): number {
    if (now > lastAdvance) {
      // Grow only while demand exceeds the pace and nobody is held: an idle run banks nothing.
      const from = Math.max(lastAdvance, Math.min(now, pausedUntil));
      if (now - lastHeldAt < DEMAND_MS) tau += now - from;
      lastAdvance = now;
    }
    return Math.min(Math.max(MIN_RATE, curve.at(tau)), ceiling);
  }

  /** A new curve from `floor` back to `top`, starting now. */
  function restart(floor: number, top: number, settled: boolean): void {
    const low = Math.max(MIN_RATE, Math.min(floor, ceiling));
    curve = cubic(low, Math.max(low, Math.min(top, ceiling)), settled);
    tau = 0;
  }

  /** A 429 to a request that started after the last round was noticed: slow down. */
  function newRound(now: number, at: number): void {
    roundEnds = now;
    if (log.acceptedSinceMark() === 0 && log.lastMark !== undefined) {
      // Nothing got through since the last empty moment: still closed. Not a new measurement
      // (marking it would stretch the span without a grant), and no reason to cut again.
      return;
    }
    const current = pace(now);
    log.mark(at);
    const measured = log.estimate(windowLimiter ? WINDOW_PERIODS : 1);
    const estimate = measured?.perSecond;
    const settled = measured !== undefined && !measured.rough;
    // While the limit is unknown every 429 halves the pace (the slow start overshot by an
    // unknown factor); once it is known, one cut per ROUND_MS.
    if (settled) roundEnds = now + ROUND_MS;
    if (windowLimiter && estimate !== undefined) {
      // A window used up is no sign of pacing too fast: the run holds until it ends anyway.
      // Sending a little faster than the window's average means each new window is used up
      // in full although the hold ends up to a second late (Retry-After is whole seconds).
      const pace = estimate * WINDOW_MARGIN;
      restart(pace, pace, settled);
    } else if (estimate !== undefined && current <= estimate * MAX_TOP_OVER_ESTIMATE) {
      // A probe found the limit. The measured rate is the limit when the bucket was empty at
      // both ends of its span, and falls short of it when a small bucket overflowed while the
      // run paced below the limit; the pace that drew this 429 is above it. Return to just
      // over the measured rate, under the pace that failed, and probe on slowly from there.
      const top = Math.min(current * PROBE_TOP, estimate * PROBE_OVER_ESTIMATE);
      restart(top * PROBE_TOP, top, settled);
    } else if (estimate !== undefined) {
      // Far above what the API granted (the slow start's overshoot, or a limit that dropped):
      // return to the measured rate, not to the pace that failed.
      const top = Math.max(estimate, Math.min(current * BACKOFF, estimate * MAX_TOP_OVER_ESTIMATE));
      restart(BACKOFF * estimate, top, settled);
    } else restart(BLIND_BACKOFF * current, current, false);
  }

  /** A countdown: a later Retry-After, at least a second shorter, that ends at the same moment. */
  function noticeCountdown(retryAfterMs: number, end: number): void {
    if (
      lastRefusal &&
      retryAfterMs <= lastRefusal.retryAfterMs - 1_000 &&
      Math.abs(end - lastRefusal.end) <= SAME_END_MS
    )
      windowLimiter = true;
    lastRefusal = { retryAfterMs, end };
  }

  function hold(now: number, retryAfterMs: number): void {
    const end = now + retryAfterMs;
    if (windowLimiter) {
      // Whole seconds round up: of several ends of the same countdown, the earliest is closest.
      windowEnd =
        windowEnd > now && Math.abs(end - windowEnd) <= SAME_END_MS ? Math.min(windowEnd, end) : end;
      pausedUntil = Math.max(pausedUntil > windowEnd + SAME_END_MS ? 0 : pausedUntil, windowEnd);
      return;
    }
    // A bucket keeps refilling whatever Retry-After says: wait one interval of the new pace,
    // twice as long for each further 429 before anything is accepted again.
    const wait = Math.min(retryAfterMs, (1000 / pace(now)) * 2 ** Math.min(20, refusedInARow - 1));
    pausedUntil = Math.max(pausedUntil, now + wait);
  }

  function started(now: number): number {
    log.started(now);
    return now;
  }

  // Waiting workers queue in order; one pump lets them go at the pace current at that moment,
  // so a pace that rises while they wait (probing, slow start) takes effect at once.
  const queue: { resolve: (startedAt: number) => void }[] = [];
  let pumping = false;
  let lastStart = -Infinity;

  /** Takes the next start slot now if it is due; false when the caller must wait. */
  function take(now: number): boolean {
    if (now < pausedUntil) return false;
    const interval = 1000 / pace(now);
    const slot = lastStart + interval;
    if (slot > now) return false;
    // A timer that fired a little late does not slow the pace down; a long idle banks nothing,
    // and neither does a hold: the first start after it is a whole interval from the next.
    lastStart = now - slot < interval && slot >= pausedUntil ? slot : now;
    return true;
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      // Bounded: every pass releases a worker or sleeps; waiters that give up leave the queue.
      for (let pass = 0; queue.length > 0 && pass < 100_000_000; pass++) {
        const now = clock.now();
        if (take(now)) {
          queue.shift()!.resolve(started(now));
          continue;
        }
        const due = now < pausedUntil ? pausedUntil : lastStart + 1000 / pace(now);
        if (now >= pausedUntil) lastHeldAt = now;
        await clock.sleep(Math.max(1, Math.min(due - now, MAX_NAP_MS)));
      }
    } finally {
      pumping = false;
    }
  }

  return {
    acquire(signal) {
      const now = clock.now();
      if (signal?.aborted) return Promise.resolve(now);
      if (queue.length === 0 && take(now)) return Promise.resolve(started(now));
      return new Promise<number>((resolve) => {
        const waiter = {
          resolve: (t: number) => {
            signal?.removeEventListener("abort", onAbort);
            resolve(t);
          },
        };
        const onAbort = () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          resolve(clock.now());
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
        void pump();
      });
    },
    onAnswer(isThrottle, retryAfterMs, startedAt) {
      if (!isThrottle) {
        refusedInARow = 0; // counted when it started
        return;
      }
      const now = clock.now();
      const at = startedAt ?? now;
      throttled++;
      refusedInARow++;
      log.refused(at);
      const wait = retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
      noticeCountdown(wait, now + wait);
      if (at >= roundEnds) newRound(now, at);
      hold(now, wait);
    },
    get pausedUntil() {
      return pausedUntil;
    },
    get ratePerSecond() {
      const r = pace(clock.now());
      return r >= TOP_RATE ? undefined : r;
    },
    get throttled() {
      return throttled;
    },
  };
}
