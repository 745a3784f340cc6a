import type { Clock } from "./clock.js";

// The gate every request start passes: waiting workers queue in order and one pump lets them go
// at the pace current at that moment, so a pace that rises while they wait (slow start, probing)
// takes effect at once and nobody holds a stale reservation.

/** Longest the pump sleeps before looking at the pace again (it may have risen meanwhile). */
const MAX_NAP_MS = 250;

/**
 * How late a start may be and still keep its place in the pace. Timers fire a millisecond or more
 * late, so at paces above a few hundred per second every wake-up is late by several intervals:
 * without this allowance each wake-up would release one request and the pace would fall to about
 * one start per timer tick (~900/s), whatever the API allows. Below 250/s the interval itself is
 * the allowance, so a burst-1 bucket still never sees two starts closer than one interval.
 */
const LATE_ALLOWANCE_MS = 4;

export interface StartGate {
  /** Resolves with the start time when this worker may start; early when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<number>;
}

export interface GateControl {
  /** Requests per second allowed at `now`. */
  pace(now: number): number;
  /** No start before this (epoch ms). */
  heldUntil(): number;
  /** A worker is waiting for the pace at `now` (the pace grows only while it is used). */
  waiting(now: number): void;
  started(now: number): void;
}

export function createStartGate(clock: Clock, control: GateControl): StartGate {
  const queue: { resolve: (startedAt: number) => void }[] = [];
  let pumping = false;
  let lastStart = -Infinity;

  /** Takes the next start slot now if it is due; false when the caller must wait. */
  function take(now: number): boolean {
    const heldUntil = control.heldUntil();
    if (now < heldUntil) return false;
    const interval = 1000 / control.pace(now);
    const slot = lastStart + interval;
    if (slot > now) return false;
    // A timer that fired a little late does not slow the pace down; a long idle banks nothing,
    // and neither does a hold: the first start after it is a whole interval from the next
    // (a bucket of burst 1 refuses two requests closer than that).
    lastStart = now - slot < Math.max(interval, LATE_ALLOWANCE_MS) && slot >= heldUntil ? slot : now;
    control.started(now);
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
          queue.shift()!.resolve(now);
          continue;
        }
        const heldUntil = control.heldUntil();
        const due = now < heldUntil ? heldUntil : lastStart + 1000 / control.pace(now);
        if (now >= heldUntil) control.waiting(now);
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
      if (queue.length === 0 && take(now)) return Promise.resolve(now);
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
  };
}
