import type { Clock } from "../clock.js";
import { createAcceptanceLog, type AcceptanceLog } from "./estimate.js";
import { cubic, cutAfterRound, slowStart, TOP_RATE, type Curve } from "./curve.js";
import { createStartGate, type StartGate } from "./pace.js";
import { createOpenLimit, type OpenLimit } from "./open-limit.js";
import { createTokenSpacing, type TokenSpacing } from "./token-spacing.js";
import { createWindowBudget, type WindowBudget } from "./window-budget.js";

// Run-wide rate control. Partner Center publishes no limits, its limiter may be a token bucket
// of any burst, a fixed or a sliding window, and every request, retries included, counts
// against the partner's budget: one 429 is a signal for the whole run (docs/rate-limits.md).
//
// An adaptive pace on the START rate, not a limit on concurrency: with a fast API one
// connection can exceed the limit, so capping requests in flight does not bound the rate.
//   - Slow start: the first wave is paced too, from START_RATE doubling every 100 ms of demand,
//     so a small bucket is not emptied by --concurrency requests at once (TCP's slow start).
//   - On a 429 round (a 429 to a request started after the previous round was noticed) the
//     pace is cut to just under what the API measurably accepted between two empty moments
//     (estimate.ts), or halved while nothing is measured yet; then it climbs along a
//     cubic back to the measured rate within a second and slowly beyond it
//     (curve.ts; CUBIC and AWS's adaptive retry mode): a bad first estimate is repaired
//     within a second, a limit that rose is found by the convex part.
//   - Retry-After is honoured by the throttled row (its retry waits at least that long). The
//     whole run is held only when the API shows it is closed until a fixed moment: a Retry-After
//     that counts down (a later 429, Retry-After smaller by a second or more, same end), or a
//     next closing whose Retry-After differs by seconds (see noticeCountdown), marks a window
//     limiter; from then on every 429 holds all workers until the window's end, and the pace
//     stays a quarter above the busiest recent window's rate (curve.ts). Once the window's N and
//     W are learned (window-budget.ts) the budget alone holds the run: under N nothing is paced.
//     For a bucket, holding everyone for a constant Retry-After (30 s, say) would throw away
//     tokens the bucket keeps refilling; the run only slows down, and waits one interval of the
//     new pace after a 429, twice as long for each further 429 before anything is accepted.
//   - A cap on open requests (429s only above some number in flight, whatever the pace) is
//     learned apart from the pace and held (open-limit.ts); its 429s leave the pace alone.
//   - The endgame: once the rows left would be done within one Retry-After at the current pace,
//     a 429 would cost more than the rest of the run (its row waits that long, after everyone
//     else finished). The run then stops probing: the pace stays at what the API was seen to
//     accept, and the open requests at the learned cap.
//   - --max-rpm is a hard ceiling on the pace at all times.
// Measured in virtual time over every limiter shape (test/rate-matrix.test.ts, bench scenario d).

/** Measured over this many periods between empty moments when the limiter is a window. */
const WINDOW_PERIODS = 2;
/** A round of 429s lasts at least this long once the limit is measured (see roundEnds). */
const ROUND_MS = 250;
/** Slowest pace: one request every 10 s still notices when the API lets more through. */
const MIN_RATE = 0.1;
/** Workers that waited within this long count as demand: the pace grows only while used. */
const DEMAND_MS = 1_000;
/** Retry-After is in whole seconds: ends of one countdown agree within this. */
const SAME_END_MS = 1_100;
/**
 * Closings whose Retry-After differ show a window only where both are at least this long: a
 * bucket refilling slower than one token in 5 s is none a bulk run meets.
 */
const LONG_RETRY_AFTER_MS = 5_000;
/** Pause when a 429 comes without Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/**
 * In the endgame the pace stays this much under the rate the API was measured to accept. That
 * measurement may be high by one request over its span (estimate.ts: 1.25 % of a 2 s span at
 * 40/s, less over longer ones), and a pace above a bucket's rate drains whatever it holds. At
 * the measured rate itself, virtual runs of 1,600 rows against 40/s buckets of burst 10 and 100
 * with a 30 s Retry-After drew a 429 in their last 30 s in 7 of 12 and 5 of 20 seeds (0.60-0.76
 * of the limit; 0.98 with this margin, which costs 2 % of the last Retry-After).
 */
const ENDGAME_MARGIN = 0.02;
/**
 * In the endgame a bucket of one token is paced under its spacing (not by ENDGAME_MARGIN): its
 * pace sits where jitter refuses a request now and then, and one refused there ends the run a
 * Retry-After later. Jitter is a matter of milliseconds (either event loop late by a few), not of
 * a share of the spacing, so the spacing widens by SPACED_ENDGAME_MARGIN_MS: 2.4 % of the pace at 5/s (3 % at least, 6 ms),
 * a sixth at 40/s. A cut of 3 % alone was 0.75 ms at 40/s, and runs against 40/s with a 30 s
 * Retry-After drew 429s to their end (58-63 % of the limit; 82-84 % with this). At most a cut of
 * SPACED_ENDGAME_MAX: at 200/s 5 ms would halve the pace for the last Retry-After (0.90 of the
 * limit in virtual time, where no jitter refuses anything), and there no margin makes a run on
 * this machine precise enough.
 */
const SPACED_ENDGAME_MARGIN = 0.03;
const SPACED_ENDGAME_MARGIN_MS = 5;
const SPACED_ENDGAME_MAX = 0.17;

export interface RateController {
  /**
   * Waits until this worker may start a request and returns the start time to hand back to
   * onAnswer. Returns early when `signal` aborts.
   */
  acquire(signal?: AbortSignal): Promise<number>;
  /** Every answered request reports here; a 429 slows the whole run (and may hold it). */
  onAnswer(throttled: boolean, retryAfterMs?: number, startedAt?: number): void;
  /** Until when all workers are held, if for a second or more (epoch ms): the progress display. */
  readonly pausedUntil: number;
  /** When the latest 429 came (epoch ms), undefined before any: the run's tail is measured from it. */
  readonly lastThrottledAt: number | undefined;
  /** Tells the controller how many rows are left to send (for the endgame). */
  rowsLeft(count: () => number): void;
  /** A request that started at `startedAt` will not be answered (stopped, or sending failed). */
  unanswered(startedAt: number): void;
  /**
   * A request has just been handed to the OS. Its start was when the gate let it go; it leaves a
   * little later, and now and then a few milliseconds later (pace.ts counts from when it left).
   */
  written(): void;
  /** Current pace in requests per second, undefined when it is beyond mattering. */
  readonly ratePerSecond: number | undefined;
  /**
   * The longest Retry-After any answer asked for (ms; a 429 without one counts as its default
   * pause), 0 before any: how long a row may sleep while the run goes on (the row window's span).
   */
  readonly longestRetryAfterMs: number;
  readonly throttled: number;
}

export interface RateOptions {
  clock: Clock;
  maxRpm?: number;
  /** Stop probing near the end of the run (default true; off only to measure what it saves). */
  endgame?: boolean;
}

export function createRateController(options: RateOptions): RateController {
  const ceiling = options.maxRpm !== undefined ? options.maxRpm / 60 : Infinity;
  // Pacing counts fractions of a millisecond where the clock has them (clock.ts).
  const { fine } = options.clock;
  const clock = fine ? { ...options.clock, now: () => fine.now() } : options.clock;
  return new AdaptiveRate(clock, ceiling, options.endgame ?? true);
}

class AdaptiveRate implements RateController {
  throttled = 0;
  lastThrottledAt: number | undefined;
  longestRetryAfterMs = 0;
  /** Requests open at once, and the cap on them the API has shown (open-limit.ts). */
  private readonly openLimit: OpenLimit = createOpenLimit();
  /** The level (requests open at its start) of each request under way, by start time. */
  private readonly levels = new Map<number, number[]>();
  private countRowsLeft: (() => number) | undefined;
  /** What the API was measured to accept at the latest cut: the endgame's pace. */
  private acceptedRate: number | undefined;
  private lastRetryAfterMs = 0;
  /** No request starts before this (epoch ms). */
  private heldUntil = 0;
  /** The latest hold of a second or more, which the progress display shows as a pause. */
  private shownUntil = 0;
  private readonly log: AcceptanceLog = createAcceptanceLog();
  /** A window limiter's N per W, learned from its Retry-After (window-budget.ts). */
  private readonly budget: WindowBudget = createWindowBudget();
  /** A burst-1 bucket's token spacing, read from accepted and refused gaps (token-spacing.ts). */
  private readonly spacing: TokenSpacing = createTokenSpacing();
  private readonly gate: StartGate;
  private curve: Curve = slowStart();
  /** Demand time spent on the current curve, and when it was last brought up to date. */
  private tau = 0;
  private lastAdvance: number;
  private lastWaitingAt = -Infinity;
  /**
   * 429s to requests started before this are part of the latest round: those already under way
   * when it was noticed and, once the limit is measured, those of the next ROUND_MS, while a
   * small bucket refills to the new pace (one cut per round, as TCP cuts once per round trip).
   */
  private roundEnds = -Infinity;
  /** 429s since the last accepted answer: the hold before the next request doubles with each. */
  private refusedInARow = 0;
  /** The API has shown a window's Retry-After (see noticeCountdown): closed until its end. */
  private windowLimiter = false;
  private windowEnd = 0;
  /**
   * The latest 429: its Retry-After, the end it gives, when it came, and whether a request started
   * after it and before that end was accepted (a window is closed until then; a bucket is not).
   */
  private lastRefusal: { retryAfterMs: number; end: number; at: number; openBefore: boolean } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly ceiling: number,
    private readonly endgameRule: boolean,
  ) {
    this.lastAdvance = clock.now();
    this.gate = createStartGate(clock, {
      pace: (now) => this.gatePace(now),
      heldUntil: () => Math.max(this.heldUntil, this.budget.freeAt(this.clock.now())),
      mayOpen: (now) => this.openLimit.open < this.openLimit.allowed(now, this.endgame(now)),
      strict: () => this.spacedPace !== undefined,
      waiting: (now) => (this.lastWaitingAt = now),
      started: (now) => {
        const level = this.openLimit.started();
        const same = this.levels.get(now);
        if (same) same.push(level);
        else this.levels.set(now, [level]);
        this.log.started(now);
        this.budget.started(now);
        this.spacing.started(now);
      },
    });
  }

  acquire(signal?: AbortSignal): Promise<number> {
    return this.gate.acquire(signal);
  }

  rowsLeft(count: () => number): void {
    this.countRowsLeft = count;
  }

  unanswered(startedAt: number): void {
    // Only a request that did start holds a level (an abort may end the wait without a start).
    if (this.levelOf(startedAt, false) > 0) this.openLimit.closed();
    this.spacing.lost(startedAt, this.clock.now());
    this.budget.lost(startedAt);
    this.gate.wake();
  }

  written(): void {
    this.gate.written(this.clock.now());
  }

  onAnswer(isThrottle: boolean, retryAfterMs?: number, startedAt?: number): void {
    const now = this.clock.now();
    const level = this.levelOf(startedAt, isThrottle);
    const capRefusal = this.openLimit.answered(level, startedAt ?? now, isThrottle, now, retryAfterMs);
    this.gate.wake();
    const asked = retryAfterMs ?? (isThrottle ? DEFAULT_RETRY_AFTER_MS : 0);
    this.longestRetryAfterMs = Math.max(this.longestRetryAfterMs, asked);
    if (isThrottle) {
      this.throttled++;
      this.lastThrottledAt = now;
      this.lastRetryAfterMs = Math.max(this.lastRetryAfterMs, retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
    }
    // Too many open requests, not too fast: the cap is held apart, the pace stays.
    if (capRefusal) {
      if (startedAt !== undefined) {
        this.spacing.lost(startedAt, now);
        this.budget.untaken(startedAt);
      }
      return;
    }
    if (startedAt !== undefined) this.followSpacing(startedAt, !isThrottle, now);
    if (!isThrottle) {
      if (startedAt !== undefined) {
        const last = this.lastRefusal;
        if (last && startedAt > last.at && startedAt < last.end - SAME_END_MS) last.openBefore = true;
        this.budget.accepted(startedAt);
      }
      this.refusedInARow = 0; // counted when it started
      return;
    }
    const at = startedAt ?? now;
    this.refusedInARow++;
    this.log.refused(at);
    const wait = retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    this.noticeCountdown(wait, now + wait, now);
    this.budget.refused(at, wait, this.windowLimiter);
    if (at >= this.roundEnds) this.newRound(now, at, wait);
    this.hold(now, at, wait);
  }

  /**
   * A bucket of one token paces by its own rule (token-spacing.ts). When its starts show it is
   * not one after all, the pace goes on from where the spacing had it, and the next 429 cuts
   * as for any limiter.
   */
  private followSpacing(startedAt: number, accepted: boolean, now: number): void {
    const spaced = this.spacing.pace();
    const retryAfterMs = this.lastRetryAfterMs || DEFAULT_RETRY_AFTER_MS;
    this.spacing.answered(startedAt, accepted, now, { probing: !this.endgame(now), retryAfterMs });
    if (spaced === undefined || this.spacing.pace() !== undefined) return;
    this.curve = cubic(spaced, spaced);
    this.tau = 0;
    this.roundEnds = -Infinity;
  }

  /** The pace of a bucket of one token (token-spacing.ts), unless the limiter is a window. */
  private get spacedPace(): number | undefined {
    return this.windowLimiter ? undefined : this.spacing.pace();
  }

  /** Holds shorter than a second are pacing, not a pause worth a progress line. */
  get pausedUntil(): number {
    return this.shownUntil;
  }

  get ratePerSecond(): number | undefined {
    const rate = this.pace(this.clock.now());
    return rate >= TOP_RATE ? undefined : rate;
  }

  /**
   * The level a request started at (0 when unknown), forgotten once answered. Of requests that
   * started in the same millisecond, a 429 (answered at once) is the last one, over the cap; an
   * accepted answer the first.
   */
  private levelOf(startedAt: number | undefined, throttled: boolean): number {
    if (startedAt === undefined) return 0;
    const same = this.levels.get(startedAt);
    const level = (throttled ? same?.pop() : same?.shift()) ?? 0;
    if (same?.length === 0) this.levels.delete(startedAt);
    return level;
  }

  /**
   * The rows left would be done within one Retry-After at the pace the API was seen to accept:
   * a 429 now would make its row the run's last by a whole Retry-After, so nothing is probed.
   */
  private endgame(now: number): boolean {
    if (!this.endgameRule || this.lastThrottledAt === undefined || !this.countRowsLeft) return false;
    // Where a cap on open requests binds, the pace is far above what the run does (the cap's 429s
    // never cut it): rows ÷ pace would call a run of 4,400 rows at 400/s an endgame 6 s before its
    // end, and no probe would find a cap that rose. Its rate is what the API accepted lately.
    const capped = this.openLimit.cap !== undefined ? this.openLimit.acceptedPerSecond(now) : Infinity;
    const rate = Math.min(this.rawPace(now), this.acceptedRate ?? Infinity, capped);
    if (!Number.isFinite(rate) || rate <= 0) return false;
    return (this.countRowsLeft() / rate) * 1000 < this.lastRetryAfterMs;
  }

  /**
   * The pace at the gate. Where a learned window budget alone says when to start (window-budget.ts),
   * nothing else spreads the requests: a window takes its N at any rate, and a pace that spread
   * them would leave the end of a run's last window waiting. A fixed window of 1,200 per minute,
   * paced at the curve's 25/s once its budget was learned, took 16 s of its last window for 400
   * rows (90 % of the limit). Above N, where the budget probes a raised limit, the pace spreads
   * the probe.
   */
  private gatePace(now: number): number {
    if (this.windowLimiter && this.budget.holdsAlone(now)) return Math.min(TOP_RATE, this.ceiling);
    return this.pace(now);
  }

  private pace(now: number): number {
    const pace = this.rawPace(now);
    // A window limiter's hold and margin are what keep it full; only a bucket's pace is capped.
    if (this.windowLimiter || this.acceptedRate === undefined || !this.endgame(now)) return pace;
    if (this.spacedPace === undefined) return Math.min(pace, this.acceptedRate * (1 - ENDGAME_MARGIN));
    const endPace = Math.min(pace, this.acceptedRate);
    // The spacing 1000 ÷ endPace ms, widened by the margin: the pace's cut is margin ÷ (spacing + margin).
    const margin = SPACED_ENDGAME_MARGIN_MS * endPace;
    const cut = margin / (1000 + margin);
    return endPace * (1 - Math.min(SPACED_ENDGAME_MAX, Math.max(SPACED_ENDGAME_MARGIN, cut)));
  }

  private rawPace(now: number): number {
    if (now > this.lastAdvance) {
      // Grow only while demand exceeds the pace and nobody is held: an idle run banks nothing.
      const from = Math.max(this.lastAdvance, Math.min(now, this.heldUntil));
      if (now - this.lastWaitingAt < DEMAND_MS) this.tau += now - from;
      this.lastAdvance = now;
    }
    // A learned window budget holds the run to the limit by itself. A pace below its average
    // (cut before the budget was learned, e.g. by a window already under way when the run
    // began) would leave part of every window unused while the curve climbs back.
    const spaced = this.spacedPace;
    if (spaced !== undefined) return Math.min(Math.max(MIN_RATE, spaced), this.ceiling);
    const learned = this.windowLimiter ? (this.budget.perSecond ?? 0) : 0;
    return Math.min(Math.max(MIN_RATE, learned, this.curve.at(this.tau)), this.ceiling);
  }

  /** A 429 to a request that started after the last round was noticed: slow down. */
  private newRound(now: number, at: number, retryAfterMs: number): void {
    this.roundEnds = now;
    // Nothing got through since the last empty moment: still closed. Not a new measurement
    // (marking it would stretch the span without a grant), and no reason to cut again.
    if (this.log.acceptedSinceMark() === 0 && this.log.lastMark !== undefined) return;
    const current = this.pace(now);
    this.log.mark(at);
    // A learned window budget holds the run to the limit itself: the pace only spreads the
    // requests each window takes, and cutting it would leave part of a raised limit unused.
    if (this.windowLimiter && this.budget.known) return;
    let measured = this.log.estimate(this.windowLimiter ? WINDOW_PERIODS : 1);
    const busiest = this.windowLimiter ? this.log.busiestPeriod(3) : undefined;
    if (measured && busiest) measured = { perSecond: Math.max(busiest, measured.perSecond), rough: false };
    const proven = this.spacing.pace();
    if (measured) this.acceptedRate = Math.max(measured.perSecond, proven ?? 0);
    const cut = cutAfterRound(current, measured, this.windowLimiter, proven);
    // While the limit is unknown every 429 halves the pace (the slow start overshot by an
    // unknown factor); once it is measured, one cut per ROUND_MS.
    if (cut.settled) this.roundEnds = now + ROUND_MS;
    const floor = Math.max(MIN_RATE, Math.min(cut.floor, this.ceiling));
    this.curve = cubic(floor, Math.max(floor, Math.min(cut.top, this.ceiling)), cut.settled, retryAfterMs);
    this.tau = 0;
  }

  /**
   * A window limiter shows itself by its Retry-After, the time to its end: a countdown (a later
   * Retry-After, at least a second shorter, that ends at the same moment), or a closing after the
   * last one's end whose Retry-After differs by seconds, as the phase moves, with nothing accepted
   * in between that started before that end. A bucket's is the time to its next token (about one
   * interval) or a constant, and it goes on accepting (two limiters, 10 s and 30 s, in turn).
   * When all of a closing's 429s come at once (the requests in flight when the window filled: at
   * --concurrency 32 all 30 of one came within 50 ms, and the hold reached the Retry-After before
   * a probe showed a countdown), only the next closing tells.
   */
  private noticeCountdown(retryAfterMs: number, end: number, now: number): void {
    const last = this.lastRefusal;
    if (last) {
      const countdown = retryAfterMs <= last.retryAfterMs - 1_000 && Math.abs(end - last.end) <= SAME_END_MS;
      const nextClosing =
        !last.openBefore &&
        now >= last.end - SAME_END_MS &&
        Math.min(retryAfterMs, last.retryAfterMs) >= LONG_RETRY_AFTER_MS &&
        Math.abs(retryAfterMs - last.retryAfterMs) >= 2_000;
      if (countdown || nextClosing) this.windowLimiter = true;
    }
    this.lastRefusal = { retryAfterMs, end, at: now, openBefore: false };
  }

  private hold(now: number, at: number, retryAfterMs: number): void {
    const end = now + retryAfterMs;
    if (this.windowLimiter && this.budget.sharpening) {
      // The end of this window is being found with single probes: the budget says when.
      this.holdUntil(now, now);
      return;
    }
    if (this.windowLimiter) {
      // Whole seconds round up: of several ends of the same countdown, the earliest is closest.
      const sameWindow = this.windowEnd > now && Math.abs(end - this.windowEnd) <= SAME_END_MS;
      this.windowEnd = sameWindow ? Math.min(this.windowEnd, end) : end;
      // The learned budget knows to the millisecond when the oldest request leaves the window;
      // the whole seconds of Retry-After only bound it (it is no earlier than a second before).
      const free = this.budget.freeAt(now);
      this.holdUntil(now, free > 0 ? Math.max(free, end - 1_000) : this.windowEnd);
      return;
    }
    // A bucket keeps refilling whatever Retry-After says: wait one interval of the new pace,
    // twice as long for each further 429 before anything is accepted again.
    if (this.refusedInARow === 1 && this.spacing.pace() !== undefined) {
      // A bucket of one token, 429 to a request just too early: the token comes within one
      // interval of the start before it, and the pace (its refused slot given back) is there.
      this.gate.refund(at);
      return;
    }
    // The doubled hold stops a second short of a Retry-After of 2 to 5 s: a window asked then
    // says "1" for the same end, the countdown that shows what it is (noticeCountdown). Waited out
    // in full, a short window whose 429s all came at once (answers read in bursts on a busy
    // machine) showed no countdown in any closing, and its Retry-After is too short for a next
    // closing's to tell: 100 per 5 s and 40 per 2 s were paced as buckets, at 0.40-0.69 of the
    // limit. A longer Retry-After is waited out: its window shows at the next closing.
    const doubling = 2 ** Math.min(20, this.refusedInARow - 1);
    const longest =
      retryAfterMs >= 2_000 && retryAfterMs <= LONG_RETRY_AFTER_MS ? retryAfterMs - 1_000 : retryAfterMs;
    const wait = Math.min(longest, (1000 / this.pace(now)) * doubling);
    this.holdUntil(now, Math.max(this.heldUntil, now + wait));
  }

  private holdUntil(now: number, until: number): void {
    this.heldUntil = until;
    if (until - now >= 1_000) this.shownUntil = until;
  }
}
