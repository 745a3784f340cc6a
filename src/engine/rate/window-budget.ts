// A window limiter's budget, learned from its Retry-After and kept on the client side.
//
// A window limiter (fixed or sliding) accepts at most N requests in W. Paced at any steady rate
// it is used badly: its Retry-After comes in whole seconds, so every hold that waits for it ends
// up to a second late (a fifth of a 5 s window), and against a sliding window each gap that a
// hold leaves in its log comes back one window later. What does use it fully is replaying the
// run's own acceptances one window later: a request may start when fewer than N of the run's
// accepted requests started within the last W. That never draws a 429 from a sliding window of
// (N, W), nor from a fixed window of (N, W) (its current window lies inside the last W), and it
// sends each window's N as soon as that window takes them.
//
// W comes from the opening: before the first refusal every acceptance is in the first window,
// whose oldest request is the run's first, so a refusal at `at` whose Retry-After of R seconds
// (rounded up) ends that window says W ∈ (at + R − 1 s − first, at + R − first]. Every refusal of
// that countdown narrows the interval; the upper end is used (a budget too tight by less than the
// spread costs a little, one too loose draws 429s). N is what the run had accepted within W when
// refused. A raised limit draws no refusal, so every PROBE_WINDOWS windows the budget doubles until
// the next 429 measures it again. A 429 while the budget still had room proves it wrong (a fixed
// window already under way when the run began, a lowered limit, other clients of the same
// tenant): the budget is dropped for the run, and the pace and Retry-After hold the run as before.

/** Starts kept: enough for a window of this many requests. */
const MAX_LOG = 50_000;
/** The budget doubles every this many windows to notice a raised limit. */
const PROBE_WINDOWS = 2;
/**
 * Fewer acceptances per window than this are not trusted as N: the run may not have tried more,
 * or other clients of the same partner tenant may have used the window (then the pace and the
 * Retry-After hold the run, as for any limiter).
 */
const MIN_LIMIT = 20;
/** A window longer than this is not learned (the log would not hold it). */
const MAX_WINDOW_MS = 3_600_000;

export interface WindowBudget {
  /** A request starts at `at` (in time order). */
  started(at: number): void;
  /**
   * The request that started at `at` was answered 429 with a Retry-After of `retryAfterMs`
   * (whole seconds) by a limiter known to be a window.
   */
  refused(at: number, retryAfterMs: number, windowLimiter: boolean): void;
  /** Earliest moment the budget lets the next request start (0 when nothing is learned). */
  freeAt(now: number): number;
  /** N and W are learned: the budget, not the pace, holds the run to the limit. */
  readonly known: boolean;
  /** N / W in requests per second once learned: the pace never needs to be lower. */
  readonly perSecond: number | undefined;
}

export function createWindowBudget(): WindowBudget {
  /** Start times of requests not (yet) refused, oldest first. */
  let starts: number[] = [];
  let first: number | undefined;
  /** Bounds on W from the opening countdown, while it lasts. */
  let windowLow = 0;
  let windowHigh = Infinity;
  let learning = true;
  let windowMs: number | undefined;
  let limit: number | undefined;
  let probeAt = Infinity;
  let probing = false;

  /** Starts in (from, to], by binary search: the log is in start order. */
  function acceptedWithin(from: number, to: number): number {
    return firstAfter(starts, to) - firstAfter(starts, from);
  }

  return {
    started(at) {
      first ??= at;
      starts.push(at);
      if (starts.length > MAX_LOG) starts = starts.slice(-MAX_LOG / 2);
    },
    refused(at, retryAfterMs, windowLimiter) {
      removeStart(starts, at);
      if (first === undefined) return;
      if (learning) {
        windowLow = Math.max(windowLow, at + retryAfterMs - 1_000 - first);
        windowHigh = Math.min(windowHigh, at + retryAfterMs - first);
        if (windowLow >= windowHigh) learning = false; // not one window since the start
      }
      if (!windowLimiter) return;
      if (learning && windowMs === undefined && windowHigh <= MAX_WINDOW_MS) windowMs = windowHigh;
      learning = false;
      if (windowMs === undefined) return;
      const accepted = acceptedWithin(at - windowMs, at);
      if (limit !== undefined && !probing && accepted < limit) {
        // Refused with room left in the budget: W or N is wrong (a fixed window that was already
        // under way when the run began looks shorter than it is; a lowered limit; other clients
        // of the tenant). The budget is dropped for this run; pace and Retry-After hold the run.
        windowMs = undefined;
        limit = undefined;
        return;
      }
      limit = probing || limit === undefined ? accepted : Math.min(limit, accepted);
      probing = false;
      if (limit < MIN_LIMIT) limit = undefined;
      probeAt = at + PROBE_WINDOWS * windowMs;
    },
    get known() {
      return windowMs !== undefined && limit !== undefined;
    },
    get perSecond() {
      return windowMs !== undefined && limit !== undefined ? (limit * 1000) / windowMs : undefined;
    },
    freeAt(now) {
      if (windowMs === undefined || limit === undefined) return 0;
      if (now >= probeAt && !probing) {
        probing = true;
        limit *= 2;
      }
      // The oldest of the last `limit` acceptances within W leaves the window at its start + W.
      const inWindow = acceptedWithin(now - windowMs, now);
      if (inWindow < limit) return 0;
      const end = firstAfter(starts, now);
      return end >= limit ? starts[end - limit] + windowMs : 0;
    },
  };
}

/** Index of the first of `starts` (in time order) later than `t`. */
function firstAfter(starts: number[], t: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (starts[middle] <= t) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A refused request took nothing from the window: it leaves the log (searched from the newest). */
function removeStart(starts: number[], at: number): void {
  for (let i = starts.length - 1; i >= 0; i--)
    if (starts[i] === at) {
      starts.splice(i, 1);
      return;
    }
}
