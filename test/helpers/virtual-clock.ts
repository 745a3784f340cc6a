// A Clock for tests whose sleeps end only when the test advances virtual time: minutes of
// pacing, Retry-After and breaker probes run in milliseconds and the same way every time.
import type { Clock } from "../../src/engine/clock.js";

export interface VirtualClock extends Clock {
  /** Runs every timer due up to `ms` (virtual), letting promise chains settle between them. */
  advanceTo(ms: number): Promise<void>;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function virtualClock(): VirtualClock {
  let t = 0;
  let seq = 0;
  const timers: { at: number; seq: number; fire: () => void }[] = [];
  return {
    now: () => t,
    sleep(ms, signal) {
      return new Promise<void>((resolve) => {
        if (ms <= 0 || signal?.aborted) return resolve();
        const timer = { at: t + ms, seq: seq++, fire: resolve };
        timers.push(timer);
        signal?.addEventListener(
          "abort",
          () => {
            // A timer that already fired is gone: removing at index -1 would drop another one.
            const index = timers.indexOf(timer);
            if (index >= 0) timers.splice(index, 1);
            resolve();
          },
          { once: true },
        );
      });
    },
    async advanceTo(ms) {
      for (let i = 0; i < 10_000_000; i++) {
        await settle();
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers[0];
        if (!next || next.at > ms) break;
        timers.shift();
        t = Math.max(t, next.at);
        next.fire();
      }
      t = ms;
      await settle();
    },
  };
}
