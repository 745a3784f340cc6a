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
  const hasRoom = (rowNumber: number) => rowNumber - options.nextRow() < size;
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
    get failure() {
      return failure;
    },
  };
}
