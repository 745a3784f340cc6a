// The ordered window: results are written in input order although rows finish in any order,
// so the rows between the oldest unfinished one and the newest read one are held in memory.
// The window keeps that span bounded, and keeps at most --concurrency rows wanting to send.

/** Rows held for ordered writing stay within this many rows of the oldest unfinished one. */
function windowSize(concurrency: number): number {
  return Math.max(2048, concurrency * 64);
}

export interface RowWindow {
  /** +1 when a row starts wanting to send, -1 when that attempt is over (the gate reports it). */
  demand(delta: 1 | -1): void;
  /** Waits until `rowNumber` fits in the window; throws the write failure if one happened. */
  waitForRoom(rowNumber: number): Promise<void>;
  /** Waits until a worker is free and `rowNumber` fits in the window. */
  waitForWorker(rowNumber: number): Promise<void>;
  /** A row in flight; the window counts it until `work` settles (it must not reject). */
  track(work: Promise<void>): void;
  /** Waits until no row is in flight. */
  settled(): Promise<void>;
  /** A results or journal write failed: stop waiting for the writer, and report it. */
  fail(err: unknown): void;
  readonly failure: unknown;
}

export function createWindow(options: { concurrency: number; nextRow: () => number }): RowWindow {
  const size = windowSize(options.concurrency);
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
  const full = (rowNumber: number) => rowNumber - options.nextRow() >= size;

  async function waitUntil(ready: () => boolean): Promise<void> {
    // Bounded: every pass waits for a row or an attempt to finish, and in-flight rows finish.
    // When the window is full its oldest row is in flight, so there is no deadlock.
    while (failure === undefined && !ready()) await changed();
    if (failure !== undefined) throw failure;
  }

  return {
    demand(delta) {
      demand += delta;
      if (delta < 0) notify();
    },
    // Every row waits for room, not only rows to send: rows decided at once (invalid, recorded
    // on resume, not-run after Ctrl-C) must not pile up behind one row waiting on a long
    // Retry-After, or memory grows with the file.
    waitForRoom: (rowNumber) => waitUntil(() => !full(rowNumber)),
    // Backpressure: the next row is pulled only when a worker is free, so neither p-limit's
    // queue nor the writer grows with the file. Rows sleeping before a retry hold no worker.
    waitForWorker: (rowNumber) => waitUntil(() => demand < options.concurrency && !full(rowNumber)),
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
    get failure() {
      return failure;
    },
  };
}
