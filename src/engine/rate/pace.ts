import type { Clock } from "../clock.js";

// The gate every request start passes: waiting workers queue in order and one pump lets them go
// at the pace current at that moment, so a pace that rises while they wait (slow start, probing)
// takes effect at once and nobody holds a stale reservation.

/** Longest the pump sleeps before looking at the pace again (it may have risen meanwhile). */
const MAX_NAP_MS = 250;

/**
 * How late a start may be and still keep its place in the pace. Timers fire a millisecond or more
 * late, so at paces above a few hundred per second every wake-up is late by several intervals:
 * without this allowance each wake-up would release one request and the pace would fall to about
 * one start per timer tick (~900/s), whatever the API allows. At any pace a start later than this
 * counts from when it happened: the next one is a whole interval after it. (An allowance of a whole
 * interval let a start that came late be followed by one a few ms later, which a bucket of burst
 * 1 refuses; with the pace rising while the pump slept, that drew a 429 below the limit.)
 */
const LATE_ALLOWANCE_MS = 4;

/** A wait this short (ms) before a strictly spaced start is spun rather than slept, on a fine clock. */
const FINE_MS = 1.5;

/**
 * A strictly spaced start counts from when the one before it left (was handed to the OS), less
 * the usual lead from start to leaving: the LEAD_QUANTILE of the latest LEADS. A bucket of one
 * token sees when requests arrive, and the way from the gate to the socket (the journal's write,
 * got's request) takes about a millisecond, now and then several: counted from its start, a
 * request that left late would be followed by one that arrives less than the spacing after it.
 * A start waits for the one before it to leave, up to WRITE_WAIT_MS (one that never leaves, a
 * request that failed first, holds the pace no longer).
 */
const LEADS = 32;
const LEAD_QUANTILE = 0.5;
const WRITE_WAIT_MS = 25;

export interface StartGate {
  /** Resolves with the start time when this worker may start; early when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<number>;
  /**
   * The request started at `startedAt` took nothing from the limiter (a bucket's 429): when it
   * is still the latest start, its slot of the pace is given back, so the next request goes one
   * interval after the start before it rather than after the refused one. Against a bucket that
   * holds one token, keeping the refused slot would waste the token that arrives just after it.
   */
  refund(startedAt: number): void;
  /** A request was answered: a worker held back by the cap on open requests may go now. */
  wake(): void;
  /** A request started here has just left (was handed to the OS) at `at`: see LEADS. */
  written(at: number): void;
}

export interface GateControl {
  /** Requests per second allowed at `now`. */
  pace(now: number): number;
  /** No start before this (epoch ms). */
  heldUntil(): number;
  /** Fewer requests are open than the learned cap allows at `now` (open-limit.ts). */
  mayOpen?(now: number): boolean;
  /**
   * Every start counts from when the one before it happened, however late: a bucket of one token
   * refuses a request sent less than its spacing after the previous one, and a start that made
   * up for a late one would be just that.
   */
  strict?(): boolean;
  /** A worker is waiting for the pace at `now` (the pace grows only while it is used). */
  waiting(now: number): void;
  started(now: number): void;
}

interface Waiter {
  resolve: (startedAt: number) => void;
}

/** A start, and when its request left once that is known. */
interface Departure {
  readonly at: number;
  leftAt?: number;
}

/** Where the pace counts the next start from: the latest starts and when their requests left. */
class PaceOrigin {
  /** The latest start, or its slot where a late timer's start kept its place in the pace. */
  lastStart = -Infinity;
  /** The start lastStart is, when it is one (not a slot caught up). */
  private from: Departure | undefined;
  /** The next start follows a refund: counted from when it starts, never from a slot before. */
  private afterRefund = false;
  private latest: Departure | undefined;
  private before: Departure | undefined;
  /** The latest LEADS times from a start to its request leaving, and their LEAD_QUANTILE. */
  private readonly leads: number[] = [];
  private next = 0;
  /** Their LEAD_QUANTILE, undefined until asked for since the latest came in. */
  private lead: number | undefined;

  /**
   * What the next start counts from: lastStart, or for a `strict` one when the request before it
   * left less the usual lead; undefined while that one has yet to leave (up to WRITE_WAIT_MS).
   * Where no request is ever said to leave (the virtual clock's tests), its start.
   */
  countFrom(now: number, strict: boolean): number | undefined {
    const from = this.from;
    if (from?.at !== this.lastStart || !strict || this.leads.length === 0) return this.lastStart;
    if (from.leftAt !== undefined) return from.leftAt - this.usualLead();
    return now - from.at < WRITE_WAIT_MS ? undefined : from.at;
  }

  /** A start at `now` for the `slot` the pace had; a late timer's keeps its slot unless `strict`. */
  started(now: number, slot: number, heldUntil: number, strict: boolean): void {
    // A timer that fired a little late does not slow the pace down; a long idle banks nothing,
    // and neither does a hold: the first start after it is a whole interval from the next
    // (a bucket of burst 1 refuses two requests closer than that).
    this.before = this.latest;
    this.latest = { at: now };
    const catchUp = now - slot < LATE_ALLOWANCE_MS && slot >= heldUntil && !this.afterRefund && !strict;
    this.lastStart = catchUp ? slot : now;
    this.from = catchUp ? undefined : this.latest;
    this.afterRefund = false;
  }

  /** The latest start, refused, took nothing: false when it is no longer the latest. */
  refund(startedAt: number): boolean {
    if (startedAt !== this.latest?.at) return false;
    // From when the previous request started, not its slot: a bucket of one token grants the
    // next one a whole interval after the last grant, however late that start was.
    this.lastStart = this.before?.at ?? -Infinity;
    this.from = this.before;
    this.latest = undefined;
    this.afterRefund = true;
    return true;
  }

  /** A request left at `at`; true when it was the latest start's. */
  left(at: number): boolean {
    // Requests leave in the order they started, but one may never leave (it failed first).
    const before = this.before;
    const left = before && before.leftAt === undefined && at >= before.at ? before : this.latest;
    if (!left || left.leftAt !== undefined || at < left.at) return false;
    left.leftAt = at;
    this.leads[this.next] = at - left.at;
    this.next = (this.next + 1) % LEADS;
    this.lead = undefined;
    return left === this.latest;
  }

  /** Worked out only for strictly spaced starts: every request leaves, few are spaced so. */
  private usualLead(): number {
    if (this.lead === undefined) {
      const sorted = [...this.leads].sort((a, b) => a - b);
      this.lead = sorted[Math.floor(sorted.length * LEAD_QUANTILE)];
    }
    return this.lead;
  }
}

export function createStartGate(clock: Clock, control: GateControl): StartGate {
  const queue: Waiter[] = [];
  let pumping = false;
  const origin = new PaceOrigin();
  /**
   * Ends the pump's nap early: a refund makes the next slot sooner, an answer frees a capped one,
   * the request before leaving lets a strictly spaced one count from then.
   */
  let nap: { end: () => void; onCap: boolean; onWrite: boolean } | undefined;
  const countFrom = (now: number) => origin.countFrom(now, control.strict?.() === true);

  /** Takes the next start slot now if it is due; false when the caller must wait. */
  function take(now: number): boolean {
    const heldUntil = control.heldUntil();
    if (now < heldUntil || control.mayOpen?.(now) === false) return false;
    const strict = control.strict?.() === true;
    const from = origin.countFrom(now, strict);
    if (from === undefined) return false;
    const slot = from + 1000 / control.pace(now);
    if (slot > now) return false;
    origin.started(now, slot, heldUntil, strict);
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
        const { due, capped, onWrite } = nextLook(now, control, origin.lastStart, countFrom);
        const sleep = napFor(clock, now, due, !capped && !onWrite && control.strict?.() === true);
        if (!sleep) continue;
        // A race rather than an abort signal: a nap is taken for nearly every start, and one cut
        // short is rarer (the timer left behind ends within MAX_NAP_MS).
        const early = new Promise<void>((resolve) => (nap = { end: resolve, onCap: capped, onWrite }));
        await Promise.race([sleep, early]);
        nap = undefined;
      }
    } finally {
      pumping = false;
    }
  }

  return {
    wake() {
      if (nap?.onCap) nap.end();
    },
    refund(startedAt) {
      if (origin.refund(startedAt)) nap?.end();
    },
    written(at) {
      if (origin.left(at) && nap?.onWrite) nap.end();
    },
    acquire(signal) {
      const now = clock.now();
      if (signal?.aborted) return Promise.resolve(now);
      if (queue.length === 0 && take(now)) return Promise.resolve(now);
      return wait(queue, clock, signal, () => void pump());
    },
  };
}

/**
 * The pump's wait until `due`, undefined when it spun there. A timer counts whole milliseconds
 * and fires up to one late, which at 40/s is 4 % of the spacing a bucket of one token enforces:
 * for a `strict` start on a fine clock the timer ends a little early and the pump spins the rest,
 * at most FINE_MS a start. (Event-loop turns instead of the spin allocate a promise each; the
 * garbage made the collector pause every 150 ms at 40/s, and those pauses delayed requests by
 * more than the timer did.)
 */
function napFor(clock: Clock, now: number, due: number, strict: boolean): Promise<void> | undefined {
  const ms = Math.min(due - now, MAX_NAP_MS);
  if (!strict || !clock.fine) return clock.sleep(Math.max(1, ms));
  if (ms > FINE_MS) return clock.sleep(Math.max(1, Math.floor(ms - FINE_MS / 2)));
  clock.fine.spinUntil(due);
  return undefined; // due now
}

/** When the pump looks again, and what may end its nap before that. */
function nextLook(
  now: number,
  control: GateControl,
  lastStart: number,
  countFrom: (now: number) => number | undefined,
): { due: number; capped: boolean; onWrite: boolean } {
  const heldUntil = control.heldUntil();
  if (now < heldUntil) return { due: heldUntil, capped: false, onWrite: false };
  // An answer wakes the pump (wake), or the nap ends.
  if (control.mayOpen?.(now) === false) return { due: now + MAX_NAP_MS, capped: true, onWrite: false };
  control.waiting(now);
  const from = countFrom(now);
  // The request before has yet to leave: it wakes the pump (written), or the wait ends.
  if (from === undefined) return { due: lastStart + WRITE_WAIT_MS, capped: false, onWrite: true };
  return { due: from + 1000 / control.pace(now), capped: false, onWrite: false };
}

/** Queues a worker until the pump lets it go, or until `signal` aborts (then it leaves the queue). */
function wait(
  queue: Waiter[],
  clock: Clock,
  signal: AbortSignal | undefined,
  pump: () => void,
): Promise<number> {
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
    pump();
  });
}
