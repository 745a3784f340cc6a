/** Time as the run sees it; tests hand in fake timers through the globals this uses. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Sub-millisecond time and a wait shorter than a timer tick, for pacing (rate/pace.ts): a
   * bucket of one token at 40/s refuses a request 24 ms after the last, and timers only count
   * whole milliseconds and fire up to one late. Absent in virtual time, where now() is exact.
   */
  readonly fine?: FineClock;
}

export interface FineClock {
  /** Epoch ms with a fraction, steady (not moved by a change of the wall clock). */
  now(): number;
  /**
   * Returns at `until` (epoch ms on now()'s scale) or at once if that has passed, without yielding
   * to the event loop: for the last fraction of a millisecond before a paced start only.
   */
  spinUntil(until: number): void;
}

const origin = performance.timeOrigin;

export const systemClock: Clock = {
  now: () => Date.now(),
  fine: {
    now: () => origin + performance.now(),
    spinUntil(until) {
      // pace.ts asks for FINE_MS at most; the count bounds it where time stands still (a test's
      // fake timers): a million reads of the clock take some tens of milliseconds.
      for (let i = 0; i < 1_000_000 && origin + performance.now() < until; i++);
    },
  },
  sleep(ms, signal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      // setTimeout fires at once past 2^31-1 ms (and warns): never ask it for more.
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      signal?.addEventListener("abort", done, { once: true });
    });
  },
};
