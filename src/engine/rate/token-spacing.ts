// The token spacing of a bucket that holds one token, read from the run's own starts, and the
// pace that keeps such a bucket busy.
//
// A bucket of burst 1 banks nothing: every moment the run paces below its rate is a token lost
// for good, so pacing 1 % under the limit costs 1 % of the run, and the rate measured between
// 429s (estimate.ts) falls short of the limit by whatever the run left unused. What such a
// bucket does show is its spacing I: a request accepted g ms after the previous accepted one
// says I ≤ g (the bucket was empty after that one), a request refused g ms after the previous
// accepted one says I > g. So while gaps are far from I, I lies in (longest refused gap,
// shortest accepted gap], and a pace of one request per accepted gap is one the bucket has
// already granted: the second shortest (the shortest may be jitter's) proves it is such a bucket.
//
// A bucket with a larger burst grants gaps shorter than I while its burst drains (at the run's
// opening, the slow start's first wave): before the proof it shows accepted gaps no longer than a
// refused one, OVERLAPS of them, which a burst-1 bucket shows only by jitter, and this run does
// not use the spacing.
//
// Once proven, the pace stays close to I, and there the bracket no longer holds: requests reach
// the API with some jitter (a tenth of a millisecond mostly, a few in a hundred by a millisecond
// or more; measured in docs/rate-limits.md), so a request sent a little after I is refused now
// and then, and one sent a little before it granted. The pace then follows the 429s themselves,
// additive-increase/multiplicative-decrease on the refused share as TCP does on losses: each 429
// cuts it by CUT, each grant raises it a little, and the two balance where TARGET_REFUSED of the
// requests are refused (less for a longer Retry-After). The run sits as close to I as the jitter
// lets it, with few 429s, wherever I is. REFUSED_IN_A_ROW refusals in start order, or a quarter
// of the latest answers, are more than jitter (a window closed, a limit dropped): the spacing is
// dropped for the rest of the run (controller.ts then cuts as for any limiter), as it is when the
// controller asks. Starts are read in start order once their answers are in; one never answered
// (the run stopped) is skipped after PENDING_MS.

/** The share of requests refused where the pace balances. */
const TARGET_REFUSED = 0.02;
/**
 * What a 429 takes off the pace: little, as most 429s near I come from jitter, not from the pace
 * (a cut of 2 % swung the pace so far under I that runs lost 5 % more; test/rate-spacing.test.ts).
 */
const CUT = 0.005;
/**
 * What a grant adds to it: CUT × target / (1 − target), so the two balance at the target share.
 * The target is TARGET_REFUSED for a Retry-After of a second and falls as it grows: a refused row
 * waits that long, and near the end of the run its wait is the run's tail.
 */
function raiseFor(retryAfterMs: number): number {
  const target = TARGET_REFUSED * Math.min(1, 1000 / Math.max(1, retryAfterMs));
  return (CUT * target) / (1 - target);
}
/**
 * What a grant adds before the first 429 after the proof: the proof may come from a pace well
 * under I (the slow start's), and the balancing raise alone would take thousands of grants to climb
 * a quarter.
 */
const FIRST_RAISE = 0.01;
/**
 * Before the proof, this many accepted gaps no longer than a refused one are no jitter: a larger
 * burst let them through while it drained (at least its size, at the slow start's opening; a
 * bucket of two tokens shows two). With four, a 20/s bucket of burst 2 passed for one token and
 * its run drew 7 % 429s; jitter at the slow start's opening seldom makes even one such pair.
 */
const OVERLAPS = 2;
/** While homing in, a 429 takes off this many of the climb's steps. */
const STEPS_PER_CUT = 3;
/**
 * The pace stays above this share of the proof's. Where jitter alone refuses more than the target
 * share at any pace near I (2-4 % at 200/s on loopback), the cuts would otherwise outweigh the
 * grants for good and the pace sink far under I (to a fifth of it with a 30 s Retry-After, whose
 * target is a thirtieth); the proof's gap was granted, so most of it is safe.
 */
const FLOOR = 0.85;
/** ...unless the latest answers show more than this share refused: then fewer 429s come first. */
const FLOOR_REFUSED = 0.05;
/**
 * A grant raises the pace only while the run keeps up with it: the mean of the latest start gaps
 * (weight GAP_WEIGHT each) is at most AHEAD times the pace's interval. At 200/s the run's own
 * work spaces its starts wider than the pace now and then; grants then said nothing of the pace,
 * and their raises took it a quarter over the limit before the first 429.
 */
const AHEAD = 1.05;
const GAP_WEIGHT = 0.1;
/** Refusals in a row, in start order, that jitter does not explain. */
const REFUSED_IN_A_ROW = 3;
/**
 * Of the latest RECENT answers, more refused than this is no jitter either (a limit that fell):
 * small cuts would take hundreds of 429s to follow it down, the controller's cut one.
 */
const RECENT = 40;
const RECENT_REFUSED = 10;
/**
 * Until RECENT answers are in, more than a quarter of them refused (of EARLY, while fewer are
 * in) drops the spacing too. A bucket of two tokens can pass for one at the slow start's opening
 * (its half-refilled token grants a gap under I); its proof then sets a pace half as high again as
 * its rate, which draws a 429 every few grants, and waiting for RECENT_REFUSED of them drew 7 %
 * 429s in a run of 240 rows at 20/s. Jitter near I refuses a few in a hundred: three of the first
 * eight is no jitter.
 */
const EARLY = 8;
/** Starts remembered while their answers are awaited. */
const MAX_PENDING = 4_096;
/** An answer not in after this long is not coming (a stopped run, a request that failed). */
const PENDING_MS = 60_000;
/** Accepted gaps needed before the interval is trusted. */
const MIN_ACCEPTED = 20;
/**
 * The shortest gap a proof is taken from. Requests started within a millisecond of each other and
 * granted say a burst let them through, not that a bucket of one token refills a thousand times a
 * second: a 200/s bucket of burst 100 granted gaps of a few microseconds at a run's opening, with
 * a refused gap shorter still, and the pace "proved" at 189,000/s sent as fast as --concurrency let.
 */
const MIN_PROOF_GAP_MS = 1;

interface Start {
  at: number;
  accepted?: boolean;
  /** No answer is coming, or none that tells of the bucket (a cap on open requests refused it). */
  lost?: boolean;
}

/** What the controller knows of an answer besides its start and verdict. */
export interface Answer {
  /** False in the endgame: a grant does not raise the pace. */
  probing?: boolean;
  /** The Retry-After the API asks for (the latest; a second when unknown). */
  retryAfterMs?: number;
}

export interface TokenSpacing {
  started(at: number): void;
  /**
   * The pace that keeps a bucket of one token busy, once the starts prove one (undefined before,
   * and after the spacing is dropped).
   */
  pace(): number | undefined;
  /** The request started at `startedAt` tells nothing of the bucket: not answered, or refused for a cap. */
  lost(startedAt: number, now: number): void;
  /** A request was answered; `accepted` false for a 429 of the limiter. */
  answered(startedAt: number, accepted: boolean, now: number, how?: Answer): void;
  /**
   * The limiter is no bucket of one token, or no longer the same one (controller.ts): the
   * spacing is not used again in this run.
   */
  disproved(): void;
}

export function createTokenSpacing(): TokenSpacing {
  return new OneTokenBucket();
}

class OneTokenBucket implements TokenSpacing {
  private starts: Start[] = [];
  private head = 0;
  private lastAccepted: number | undefined;
  private longestRefused = 0;
  private acceptedGaps = 0;
  private refusedGaps = 0;
  /** The starts showed a limiter other than one bucket of one token: spacing is not used. */
  private dropped = false;
  /** Requests per second once proven. */
  private proven: number | undefined;
  private refusedSinceProof = false;
  /** The pace never goes under this once proven (FLOOR of the proof's). */
  private floor = 0;
  /** What a grant adds to the pace now: FIRST_RAISE at the proof, halved by each 429 to the balance. */
  private step = FIRST_RAISE;
  private refusedInARow = 0;
  private lastStart: number | undefined;
  /** The mean gap between the latest starts (GAP_WEIGHT), ms. */
  private meanGap: number | undefined;
  /** The shortest accepted gaps before the proof (OVERLAPS of them), shortest first. */
  private readonly shortest: number[] = [];
  /** The latest answers since the first 429 after the proof (true: accepted), oldest first. */
  private readonly recent: boolean[] = [];
  private recentRefused = 0;

  started(at: number): void {
    if (this.dropped) return; // nothing more to learn in this run
    this.starts.push({ at });
    if (this.lastStart !== undefined) {
      const gap = at - this.lastStart;
      this.meanGap = this.meanGap === undefined ? gap : this.meanGap + (gap - this.meanGap) * GAP_WEIGHT;
    }
    this.lastStart = at;
  }

  answered(startedAt: number, accepted: boolean, now: number, how: Answer = {}): void {
    if (this.dropped) return;
    const start = this.pending(startedAt);
    if (start) start.accepted = accepted;
    // At once: in start order it would wait for the slowest answer.
    this.follow(accepted, how);
    this.advance(now);
    this.prove();
  }

  lost(startedAt: number, now: number): void {
    if (this.dropped) return;
    const start = this.pending(startedAt);
    if (start) start.lost = true;
    this.advance(now);
  }

  disproved(): void {
    this.dropped = true;
  }

  pace(): number | undefined {
    return this.dropped ? undefined : this.proven;
  }

  private pending(startedAt: number): Start | undefined {
    for (let i = this.head; i < this.starts.length; i++) {
      const start = this.starts[i];
      if (start.at === startedAt && start.accepted === undefined && !start.lost) return start;
    }
    return undefined;
  }

  /** A grant or a 429 moves the pace, once proven. */
  private follow(accepted: boolean, { probing = true, retryAfterMs = 1000 }: Answer): void {
    if (this.proven === undefined) return;
    if (this.refusedSinceProof) {
      this.recent.push(accepted);
      if (this.recent.length > RECENT && !this.recent.shift()) this.recentRefused--;
      if (!accepted) this.recentRefused++;
      if (this.recentRefused > RECENT_REFUSED || this.refusedEarly()) this.dropped = true;
    }
    const balance = raiseFor(retryAfterMs);
    if (!accepted) {
      // Each 429 halves the climb's step, down to the balancing raise: the pace homes in on I
      // from a proof that may lie well under it (the slow start's pace), then balances there.
      // The floor yields while more than FLOOR_REFUSED of the latest answers were refused.
      const floor = this.recentRefused > RECENT * FLOOR_REFUSED ? 0 : this.floor;
      this.proven = Math.max(floor, this.proven * (1 - Math.max(CUT, this.step * STEPS_PER_CUT)));
      this.step = Math.max(balance, this.step / 2);
      this.refusedSinceProof = true;
    } else if (probing && this.keepsUp(this.proven)) this.proven *= 1 + Math.max(this.step, balance);
  }

  /** More than a quarter of the first answers after the proof's first 429 were refused (EARLY). */
  private refusedEarly(): boolean {
    const read = this.recent.length;
    return read < RECENT && this.recentRefused * 4 > Math.max(read, EARLY);
  }

  /** The run's starts come about as often as `pace` asks (AHEAD). */
  private keepsUp(pace: number): boolean {
    return this.meanGap === undefined || this.meanGap <= (AHEAD * 1000) / pace;
  }

  /** The proof: enough accepted gaps, a refused one, and no more overlap than jitter makes. */
  private prove(): void {
    if (this.dropped || this.proven !== undefined) return;
    // Before the proof every accepted gap went through keepShortest. The shortest of them may
    // be jitter's (a request that reached the API late, granted a tenth under I at 200/s): the
    // next one is the proof's, so one lucky gap does not set a pace over the limit.
    const shortest = this.shortest[OVERLAPS - 1];
    if (this.acceptedGaps < MIN_ACCEPTED || this.refusedGaps === 0 || !(shortest >= MIN_PROOF_GAP_MS)) return;
    this.proven = 1000 / shortest;
    this.floor = this.proven * FLOOR;
  }

  private advance(now: number): void {
    while (this.head < this.starts.length) {
      const start = this.starts[this.head];
      const waiting = start.accepted === undefined && !start.lost;
      if (waiting && now - start.at < PENDING_MS && this.starts.length - this.head < MAX_PENDING) break;
      this.read(start);
      this.head++;
    }
    if (this.head > 1_024) {
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
  }

  private read(start: Start): void {
    if (start.accepted === undefined) {
      this.lastAccepted = undefined; // its gap is unknown, and so is the next one's
      return;
    }
    if (this.lastAccepted !== undefined) this.readGap(start.at - this.lastAccepted, start.accepted);
    this.refusedInARow = start.accepted ? 0 : this.refusedInARow + 1;
    if (this.proven !== undefined && this.refusedInARow >= REFUSED_IN_A_ROW) this.dropped = true;
    if (start.accepted) this.lastAccepted = start.at;
  }

  private readGap(gap: number, accepted: boolean): void {
    if (accepted) {
      if (this.proven === undefined) this.keepShortest(gap);
      this.acceptedGaps++;
    } else {
      this.longestRefused = Math.max(this.longestRefused, gap);
      this.refusedGaps++;
    }
    // Before the proof: a larger burst, no bucket of one token. After it the gaps are all close
    // to I, and jitter decides which side of it they fall.
    const overlaps = this.shortest.length === OVERLAPS && this.shortest[OVERLAPS - 1] <= this.longestRefused;
    if (this.proven === undefined && overlaps) this.dropped = true;
  }

  /** Keeps the OVERLAPS shortest accepted gaps, shortest first. */
  private keepShortest(gap: number): void {
    const kept = this.shortest;
    if (kept.length === OVERLAPS && gap >= kept[OVERLAPS - 1]) return;
    if (kept.length === OVERLAPS) kept.pop();
    let i = kept.length;
    while (i > 0 && kept[i - 1] > gap) i--;
    kept.splice(i, 0, gap);
  }
}
