// The rows sleeping before their next attempt, for the progress line: at the end of a run the
// last rows are often all waiting for a retry, and the line says so instead of an ETA that
// stays at 0 s (docs/cli.md "What a run prints").

export interface RetryWaits {
  /** Notes a row asleep until `wakeAt` (clock ms); the function returned ends the wait. */
  begin(wakeAt: number): () => void;
  /** Rows asleep now. */
  readonly count: number;
  /** The earliest wake-up among them (clock ms); undefined when none sleeps. */
  readonly nextAt: number | undefined;
}

export function createRetryWaits(): RetryWaits {
  const waking = new Map<symbol, number>();
  return {
    begin(wakeAt) {
      const key = Symbol("wait");
      waking.set(key, wakeAt);
      return () => {
        waking.delete(key);
      };
    },
    get count() {
      return waking.size;
    },
    get nextAt() {
      let next: number | undefined;
      for (const at of waking.values()) if (next === undefined || at < next) next = at;
      return next;
    },
  };
}
