// The ordered window: results are written in input order although rows finish in any order,
// so the rows between the oldest unfinished one and the newest read one are held in memory.
// The window keeps that span bounded, and keeps at most --concurrency rows wanting to send.
//
// How far ahead of the oldest unfinished row the run may read follows what the run needs: a
// row answered 429 sleeps its Retry-After while the others go on at the run's pace, so the span
// must hold about pace × Retry-After rows, or the run stalls on that row once the span is full
// (a 200/s bucket with Retry-After 30 s: 6,000 rows; a fixed 2,048 filled in 10 s and held such
// runs to 55-77 % of the limit, docs/rate-limits.md). The span is
//   max(BASE, concurrency × 64, min(ceiling, pace × longest Retry-After × MARGIN)):
//   - BASE and concurrency × 64: the fixed span of before, enough for retries of a second or two
//     and for rows that finish out of order in flight; never less.
//   - pace and Retry-After come from the rate controller through RunPace, which wireGate
//     (engine/api.ts) hands to every window, so `run` and `pending` (whose windows hold their
//     rows and their customers' lines) follow it alike: the pace it sends at now (an unlimited
//     pace counts as the ceiling: the run then goes as fast as the API answers) and the longest
//     Retry-After any answer asked for. The longest so far, not the current one: a span that is
//     not used costs nothing, and a limit that asked for 30 s once will again. The pace may
//     climb back while the row sleeps, so the span is recomputed whenever a row would not fit;
//     MARGIN covers the row's time in the queue before and after its sleep. Backoff without a
//     Retry-After (5xx, timeouts: an outage, the breaker's business) keeps the fixed span.
//   - The ceiling bounds memory whatever the API says. A held row costs about 750 bytes of heap
//     plus its line's bytes (measured: 880 bytes for 117-byte rows, 2,870 for 2,117-byte rows;
//     docs/performance.md "Memory of a large run"), so the held rows may take HELD_BYTES, 18 MB,
//     at most MAX_HELD_ROWS (20,000 typical rows): peak RSS rose 10 MB with 20,000 rows held.
//     The run passes its rows' mean size (the file's bytes ÷ its rows); `pending`, whose lines
//     are short, the default. Past the ceiling (Retry-After 30 s beyond about 530 requests/s,
//     a Retry-After of minutes at a fast pace, or rows of kilobytes) the run waits for the row
//     as before: slower, never larger; and never below the fixed span of before.
// Within the fixed span nothing is asked, so a run that is never throttled does not read the
// controller's pace once per row.

/** The span before any Retry-After: enough for short retries and out-of-order finishing. */
const BASE_ROWS = 2048;
/** Rows held per worker at least (a wide --concurrency finishes more rows out of order). */
const ROWS_PER_WORKER = 64;
/** Over pace × Retry-After: the sleeping row's time in the queue before and after its sleep. */
const MARGIN = 1.25;
/** The most rows held whatever the pace and Retry-After: about 18 MB of heap (above). */
export const MAX_HELD_ROWS = 20_000;
/** Heap the held rows may take: MAX_HELD_ROWS rows of a typical file. */
const HELD_BYTES = 18 * 1024 * 1024;
/** Heap a held row costs beyond its line's bytes (its objects, promise, outcome). */
const HELD_ROW_OVERHEAD = 750;

/** The most rows held when a row's line is `rowBytes` long on average. */
export function heldRowsCeiling(rowBytes = 0): number {
  return Math.min(MAX_HELD_ROWS, Math.floor(HELD_BYTES / (HELD_ROW_OVERHEAD + Math.max(0, rowBytes))));
}

/** What the span needs of the run's pace (the rate controller provides it). */
export interface RunPace {
  /** Requests per second the run sends at now; undefined when nothing limits it. */
  readonly ratePerSecond: number | undefined;
  /** The longest Retry-After an answer of this run asked for (ms), 0 before any. */
  readonly longestRetryAfterMs: number;
}

/** Rows held for ordered writing stay within this many rows of the oldest unfinished one. */
export function windowSpan(concurrency: number, pace?: RunPace, ceiling = MAX_HELD_ROWS): number {
  const base = Math.max(BASE_ROWS, concurrency * ROWS_PER_WORKER);
  const waitMs = pace?.longestRetryAfterMs ?? 0;
  if (waitMs <= 0) return base;
  const rate = pace?.ratePerSecond ?? Infinity;
  const needed = Math.ceil((rate * waitMs * MARGIN) / 1000);
  return Math.max(base, Math.min(ceiling, needed));
}

export interface RowWindow {
  /** +1 when a row starts wanting to send, -1 when that attempt is over (the gate reports it). */
  demand(delta: 1 | -1): void;
  /**
   * Waits until `rowNumber` fits in the window; rejects with the write failure if one happened.
   * Undefined when it fits now: most rows need no wait, and a promise per row costs the reader.
   */
  waitForRoom(rowNumber: number): Promise<void> | undefined;
  /** Waits until a worker is free and `rowNumber` fits in the window; undefined when both hold now. */
  waitForWorker(rowNumber: number): Promise<void> | undefined;
  /** A row in flight; the window counts it until `work` settles (it must not reject). */
  track(work: Promise<void>): void;
  /** Waits until no row is in flight. */
  settled(): Promise<void>;
  /** A results or journal write failed: stop waiting for the writer, and report it. */
  fail(err: unknown): void;
  /** The run's pace, once its rate controller exists: the span follows it from then on. */
  follow(pace: RunPace): void;
  readonly failure: unknown;
}

export function createWindow(options: {
  concurrency: number;
  nextRow: () => number;
  /** A row's mean size in bytes (its input line), for the ceiling; absent: typical rows. */
  rowBytes?: number;
}): RowWindow {
  const base = windowSpan(options.concurrency);
  const ceiling = heldRowsCeiling(options.rowBytes);
  let pace: RunPace | undefined;
  let demand = 0;
  let inFlight = 0;
  let failure: unknown;
  // Only the reader waits (one waiter at a time); every finished row or attempt wakes it.
  let wake: (() => void) | undefined;
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const hasRoom = (rowNumber: number) => {
    const ahead = rowNumber - options.nextRow();
    return ahead < base || ahead < windowSpan(options.concurrency, pace, ceiling);
  };
  const hasWorker = (rowNumber: number) => demand < options.concurrency && hasRoom(rowNumber);

  async function waitFor(ready: (rowNumber: number) => boolean, rowNumber: number): Promise<void> {
    // Bounded: every pass waits for a row or an attempt to finish, and in-flight rows finish.
    // When the window is full its oldest row is in flight, so there is no deadlock.
    while (failure === undefined && !ready(rowNumber)) await changed();
    if (failure !== undefined) throw failure;
  }
  function waitUntil(ready: (rowNumber: number) => boolean, rowNumber: number): Promise<void> | undefined {
    return failure === undefined && ready(rowNumber) ? undefined : waitFor(ready, rowNumber);
  }

  return {
    demand(delta) {
      demand += delta;
      if (delta < 0) notify();
    },
    // Every row waits for room, not only rows to send: rows decided at once (invalid, recorded
    // on resume, not-run after Ctrl-C) must not pile up behind one row waiting on a long
    // Retry-After, or memory grows with the file.
    waitForRoom: (rowNumber) => waitUntil(hasRoom, rowNumber),
    // Backpressure: the next row is pulled only when a worker is free, so neither p-limit's
    // queue nor the writer grows with the file. Rows sleeping before a retry hold no worker.
    waitForWorker: (rowNumber) => waitUntil(hasWorker, rowNumber),
    track(work) {
      inFlight++;
      void work.finally(() => {
        inFlight--;
        notify();
      });
    },
    async settled() {
      while (inFlight > 0) await changed();
    },
    fail(err) {
      failure ??= err;
      notify();
    },
    follow(runPace) {
      pace = runPace;
    },
    get failure() {
      return failure;
    },
  };
}
