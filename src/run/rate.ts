import type { Clock } from "./clock.js";

// Run-wide rate control. Partner Center publishes no limits and counts every request,
// retries included, against the partner's budget, so one 429 is a signal for the whole run.
//
// Chosen: an adaptive pace on the START rate, not AIMD on concurrency. With a fast API a
// single connection can exceed the limit, so capping requests in flight does not bound the
// rate; pacing the starts does. The shape:
//   - until the first 429 there is no pacing (only --concurrency and --max-rpm);
//   - a 429 holds every worker until its Retry-After has passed (no request starts before);
//   - the limit is estimated from what the API accepted between two throttling rounds: a
//     token bucket is empty whenever it answers 429, so the requests it accepted from one
//     empty moment to the next are the tokens it granted in between (its refill rate, minus
//     what overflowed while it sat full). That holds however large its burst is, and is
//     measured by START time, so the answers still in flight when a 429 arrives count too
//     (429s come back at once, accepted answers after the API's latency);
//   - after the pause the pace is BACKOFF × that estimate and grows by PROBE × it per second
//     while workers are actually waiting for it (additive increase), so the run probes back
//     to the limit, drains the server's burst slowly and meets the next 429 only after a
//     long stretch just under the limit.
//   - a round that says little (under MIN_SAMPLES accepted, or a period spent mostly paused,
//     as when one customer's own throttling answers 429 again right after the pause) lowers
//     a known pace by BACKOFF only; with no pace known yet it starts slow and doubles (slow start);
//   - waiting workers queue in order and one pump releases them at the pace current at that
//     moment, so a rising pace takes effect at once and nobody holds a stale reservation.
// --max-rpm is a hard ceiling on the pace at all times.
// Measured in virtual time (test/rate.test.ts, concurrency 32, 20 ms latency, 60 s): 99% of a
// 20, 40 or 100/s limit sustained, 0.4–1.3% of requests answered 429.

/** Multiplicative decrease after a 429: a little under what the API granted. */
const BACKOFF = 0.95;
/** Additive increase per second of waiting workers, as a share of the estimated limit. */
const PROBE = 0.02;
/** Shortest stretch an estimate divides by: a first 429 after a few ms of burst says little. */
const MIN_PERIOD_MS = 1_000;
/** Pause when a 429 comes without Retry-After. */
const DEFAULT_PAUSE_MS = 1_000;
/** Slowest pace: one request every 10 s still notices when the API lets more through. */
const MIN_RATE = 0.1;
/**
 * Fewer accepted requests than this between two rounds (say the very first request was a 429)
 * say too little about the limit. With no pace yet, it starts at SLOW_START_RATE and doubles
 * every second of waiting workers until the next 429 gives a real estimate (TCP's slow start).
 */
const MIN_SAMPLES = 10;
const SLOW_START_RATE = 1;
/** Longest the pump sleeps before looking at the pace again (it may have risen meanwhile). */
const MAX_NAP_MS = 250;

export interface RateController {
  /**
   * Waits until this worker may start a request and returns the start time to hand back to
   * onAnswer. Returns early when `signal` aborts.
   */
  acquire(signal?: AbortSignal): Promise<number>;
  /** Every answered request reports here; a 429 pauses and slows the whole run. */
  onAnswer(throttled: boolean, retryAfterMs?: number, startedAt?: number): void;
  /** Until when all workers are held (epoch ms), for the progress display. */
  readonly pausedUntil: number;
  /** Current pace in requests per second, undefined when unpaced. */
  readonly ratePerSecond: number | undefined;
  readonly throttled: number;
}

/** Requests accepted among those started from `from` on (until the next period begins). */
interface Period {
  from: number;
  ok: number;
  /** The run's total paused time when the period began. */
  pausedAtFrom: number;
}

export function createRateController(options: { clock: Clock; maxRpm?: number }): RateController {
  const { clock } = options;
  const ceiling = options.maxRpm !== undefined ? options.maxRpm / 60 : Infinity;
  let adaptive = Infinity;
  let step = 0;
  let lastAdjust = 0;
  let lastHeldAt = -Infinity;
  let pausedUntil = 0;
  let throttled = 0;
  let current: Period | undefined;
  let closed: { from: number; ok: number; end: number; active: number } | undefined;
  /** Time all workers were held by Retry-After, summed over the run. */
  let pausedTotal = 0;
  /** When the latest throttling round was noticed; 429s to requests started before are part of it. */
  let roundSeenAt = -Infinity;
  let evaluate = false;
  let slowStart = false;

  function pace(now: number): number {
    if (evaluate && now >= pausedUntil && closed) {
      evaluate = false;
      const estimate = (closed.ok * 1000) / Math.max(MIN_PERIOD_MS, closed.end - closed.from);
      // Informative: enough accepted requests, and the period was mostly sending, not paused.
      if (closed.ok >= MIN_SAMPLES && closed.active * 2 >= closed.end - closed.from) {
        slowStart = false;
        adaptive = Math.max(MIN_RATE, Math.min(estimate, ceiling) * BACKOFF);
        step = Math.max(MIN_RATE * PROBE, estimate * PROBE);
      } else if (adaptive !== Infinity) {
        // Too little sending since the last round to measure anything (one customer's own
        // throttling hit again right after the pause, say): a gentle decrease, no collapse.
        adaptive = Math.max(MIN_RATE, adaptive * BACKOFF);
      } else {
        slowStart = true;
        adaptive = SLOW_START_RATE;
        step = MIN_RATE * PROBE;
      }
      lastAdjust = now;
    }
    if (adaptive !== Infinity && now > lastAdjust) {
      // Grow only while demand exceeds the pace: an idle run must not bank a burst.
      if (now - lastHeldAt < 1_000) {
        const grown = slowStart
          ? adaptive * 2 ** ((now - lastAdjust) / 1000)
          : adaptive + (step * (now - lastAdjust)) / 1000;
        adaptive = Math.min(grown, Math.max(ceiling, MIN_RATE));
      }
      lastAdjust = now;
    }
    return Math.min(adaptive, ceiling);
  }

  function started(now: number): number {
    current ??= { from: now, ok: 0, pausedAtFrom: pausedTotal };
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
    const rate = pace(now);
    if (rate === Infinity) return true;
    const interval = 1000 / rate;
    const slot = lastStart + interval;
    if (slot > now) return false;
    // A timer that fired a little late does not slow the pace down; a long idle banks nothing.
    lastStart = now - slot < interval ? slot : now;
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
        const rate = pace(now);
        const due = now < pausedUntil ? pausedUntil : lastStart + 1000 / rate;
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
      const now = clock.now();
      const at = startedAt ?? now;
      const period = closed && at <= closed.end ? closed : current;
      if (!isThrottle) {
        if (period) period.ok++;
        return;
      }
      throttled++;
      const until = Math.max(pausedUntil, now + (retryAfterMs ?? DEFAULT_PAUSE_MS));
      // Requests that were already under way when the round was noticed belong to it.
      if (at >= roundSeenAt) {
        roundSeenAt = now;
        const from = current?.from ?? at;
        const end = Math.max(from, at);
        // Earlier pauses all ended before this request started: none overlaps what follows.
        const active = end - from - (pausedTotal - (current?.pausedAtFrom ?? pausedTotal));
        closed = { from, ok: current?.ok ?? 0, end, active };
        current = { from: end, ok: 0, pausedAtFrom: pausedTotal };
        evaluate = true;
      }
      pausedTotal += until - Math.max(pausedUntil, now);
      pausedUntil = until;
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
