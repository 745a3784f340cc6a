// A window limiter's budget, learned from its Retry-After and kept on the client side.
//
// A window limiter (fixed or sliding) accepts at most N requests in W. Paced at any steady rate
// it is used badly: its Retry-After comes in whole seconds, so every hold that waits for it ends
// up to a second late (a fifth of a 5 s window), and against a sliding window each gap that a
// hold leaves in its log comes back one window later. What does use it fully is replaying the
// run's own acceptances one window later: a request may start when fewer than N of the run's
// accepted requests started within the last W. That never draws a 429 from a sliding window of
// (N, W), nor from a fixed window of (N, W) (its current window lies inside the last W), and it
// sends each window's N as soon as that window takes them.
//
// W comes from the opening: before the first refusal every acceptance is in the first window,
// whose oldest request is the run's first, so a refusal at `at` whose Retry-After of R seconds
// (rounded up) ends that window says W ∈ (at + R − 1 s − first, at + R − first]. Every refusal of
// that countdown narrows the interval; the upper end is used (a budget too tight by less than the
// spread costs a little, one too loose draws 429s). N is what the run had accepted within W when
// refused. A raised limit draws no refusal, so every PROBE_WINDOWS windows the budget doubles until
// the next 429 measures it again.
//
// A 429 while the budget still had room proves it wrong. When the run had accepted N since the
// end of the window it last saw close, the window is longer than learned: a fixed window already
// under way when the run began (a re-run started seconds after another) ends its opening
// countdown early, so the opening says W' = W − (how far the window was under way). Then the end
// of the window that refused is sharpened with single probes (see sharpen) and W is measured
// again from the oldest of those N to that end. When it had accepted at most LOWER_SHARE of N, N
// is lower than learned (a lowered limit, or an opening that counted two windows because the
// first ended within a second of the start): N becomes what the window took. So it does when the
// window closed 0.5-3 s less than the learned W after the last closing, as the next window of a
// fixed one does after such an opening (PERIOD_SLACK_MS), whatever share of N it took. Otherwise
// (other clients of the same tenant, fewer than MIN_LIMIT) the budget is dropped for the run, and
// the pace and Retry-After hold the run. (Other clients of a fixed window may show that period
// too: N is then what the run got, and the budget doubles every PROBE_WINDOWS windows to find
// more.) A 429 of a closing already seen (started before its Retry-After could have run out) is
// no news of room: only the closing's count is taken again (see refused). A closing that ends
// well before any of the run's requests within the learned W could leave the window shows
// requests older than W still in it: a sliding window that held other clients' requests when the
// run began, whose opening countdown ended when theirs left. W and N are measured again then
// (see longerWindow). An opening whose first starts were accepted by a window that ended within
// a second of the run's start counts them into N and W; the next closing shows it, and W is
// measured again over two windows (see trimOpening).
//
// Sharpening: a 429 at t with a Retry-After of R whole seconds says the window ends within
// (t + R − 1 s, t + R]. A probe placed k whole seconds before the middle of that interval is
// answered R ≤ k when the end is before the middle and R = k + 1 when after: each probe halves
// the interval for one 429 (a binary search through Retry-After's rounding). Within the last
// second a probe at the middle says closed (429) or open (accepted). Against 100 per 5 s begun
// 1.5 s before the run, the window learned from the opening alone was dropped at its first
// unexpected 429 (89 % of the limit, docs/rate-limits.md); sharpened, the budget holds.

/** Starts kept: enough for a window of this many requests. */
const MAX_LOG = 50_000;
/** The budget doubles every this many windows to notice a raised limit. */
const PROBE_WINDOWS = 2;
/**
 * Fewer acceptances per window than this are not trusted as N: the run may not have tried more,
 * or other clients of the same partner tenant may have used the window (then the pace and the
 * Retry-After hold the run, as for any limiter).
 */
const MIN_LIMIT = 20;
/** A window longer than this is not learned (the log would not hold it). */
const MAX_WINDOW_MS = 3_600_000;
/** A doubled budget's 429 measures a raised limit only when it accepted this many times more. */
const RAISED = 1.25;
/** The opening is learned again from a later window at most this often (see learn). */
const MAX_RESTARTS = 2;
/** Sharpening stops once the window's end is known within this. */
const SHARP_MS = 16;
/** A request reaches the API up to this long after it starts: the end it reports may be later. */
const ARRIVAL_MS = 4;
/** While a probe is out, look again this often (its answer ends the wait). */
const POLL_MS = 2;
/** A probe with no answer after this long is given up (it was stopped, or failed). */
const PROBE_LOST_MS = 2_000;
/**
 * Room left with at most this share of N accepted since the window last closed lowers N to that
 * count; with more, the budget is dropped (see refused). An opening that counted two windows (a
 * fixed one that ended within a second of the start, after taking most of its N there) shows about
 * half of N since the last closing. A sliding window already holding other clients' requests when
 * the run began is learned with W and N both short, and shows some 70 % of N: lowered to that, the
 * budget held such a run at 75 % of its limit; dropped, the pace reaches it.
 */
const LOWER_SHARE = 0.6;
/**
 * A closing that ends PERIOD_SHORT_MS to PERIOD_SLACK_MS less than the learned W after the last
 * one is the next window of a fixed one whose opening counted two windows: what it took since the
 * last closing is its N, however close to the learned N. Such an opening learns W up to 2 s long
 * (the first window's last second, and the Retry-After's rounding), and the ends of two closings
 * are each known within a second. A fixed window of 1,200 per minute 59 s under way took 605 in
 * its last second: N was learned as 1,805, the next window's 1,200 was 66 % of it, more than
 * LOWER_SHARE, the budget was dropped and the last window's 995 rows went at the pace (0.75 of the
 * limit). A sliding window already holding other clients' requests, whose N must not be lowered
 * (LOWER_SHARE), closes W apart to a tenth of a second in virtual time; in real time the whole
 * seconds put up to a second on either end, so such a window may be read so now and then.
 */
const PERIOD_SLACK_MS = 3_000;
const PERIOD_SHORT_MS = 500;
/**
 * A closing that ends this much earlier than the learned W after the oldest of the run's requests
 * within it shows a longer window (see longerWindow); the opening learns W up to 2 s long.
 */
const EARLY_END_MS = 3_000;
/** Starts this far apart, or more, are apart in time at the whole seconds of a Retry-After. */
const PAUSE_MS = 1_000;
/**
 * W is measured again so at most this often in a run: the opening's countdown misleads once. A
 * window that keeps closing early (other clients' requests leaving it in every window) is not one
 * the budget models, and the room-left 429s that follow drop it (see refused).
 */
const MAX_LONGER = 1;
/** The opening's N may have counted this share too many, all within this of its first start (see trimOpening). */
const OPENING_EXTRA = 0.2;
const OPENING_BEFORE_MS = 1_000;
/** Accepted since the window last seen closing may exceed N by this share (in-flight starts). */
const COUNT_SLACK = 0.1;

export interface WindowBudget {
  /** A request starts at `at` (in time order). */
  started(at: number): void;
  /**
   * The request that started at `at` was answered 429 with a Retry-After of `retryAfterMs`
   * (whole seconds) by a limiter known to be a window.
   */
  refused(at: number, retryAfterMs: number, windowLimiter: boolean): void;
  /**
   * The request that started at `at` was answered 429 by what looked like a cap on open requests:
   * a window took nothing from it either. (Left in the log, a run at a high --concurrency whose
   * window's last 429s came at levels above any accepted counted them as accepted: N learned
   * 1,218 of 1,200, and every window then drew 18 refusals.)
   */
  untaken(at: number): void;
  /** The request that started at `at` was accepted. */
  accepted(at: number): void;
  /** The request that started at `at` will not be answered. */
  lost(at: number): void;
  /** The end of a window is being sharpened with probes: freeAt alone says when to start. */
  readonly sharpening: boolean;
  /** Earliest moment the budget lets the next request start (0 when nothing is learned). */
  freeAt(now: number): number;
  /** N and W are learned: the budget, not the pace, holds the run to the limit. */
  readonly known: boolean;
  /** N / W in requests per second once learned: the pace never needs to be lower. */
  readonly perSecond: number | undefined;
  /**
   * The budget alone says when the next request may start (freeAt): N and W are learned, no end
   * is being sharpened, and the start would not be above N while a doubled budget probes for a
   * raised limit. A window takes its N at any rate: no pace needs to spread them.
   */
  holdsAlone(now: number): boolean;
}

export function createWindowBudget(): WindowBudget {
  return new Budget();
}

/** The end of the window that refused, being sharpened; `anchor` began the N that filled it. */
interface Sharpen {
  low: number;
  high: number;
  anchor: number;
  /** When the next probe goes (fixed once chosen: a moving target would never be reached). */
  next?: number;
  /** The probe out, by start time. */
  probe?: number;
  /** Probes sent within the last second before the end (each steps twice as far). */
  closeProbes: number;
  /** A probe was accepted: the window is open, nothing more to learn from this end. */
  open?: boolean;
  /** Windows from the anchor to this end (default 1). */
  windows?: number;
}

class Budget implements WindowBudget {
  /** Start times of requests not (yet) refused, oldest first. */
  private starts: number[] = [];
  private first: number | undefined;
  /** Bounds on W from the opening countdown, while it lasts. */
  private windowLow = 0;
  private windowHigh = Infinity;
  private learning = true;
  private windowMs: number | undefined;
  private limit: number | undefined;
  private probeAt = Infinity;
  private probing = false;
  /** The latest moment the window was seen closed until (a lower bound on its end). */
  private closedUntil = -Infinity;
  private sharp: Sharpen | undefined;
  private lastRefusedAt: number | undefined;
  /**
   * The latest the window last seen closed may have stayed closed: a refusal's start + its
   * Retry-After + ARRIVAL_MS (counted from the start, not the answer: a 429 answered late says less).
   */
  private closesBy = -Infinity;
  /** The closing last seen counts its N from this start on (see refused). */
  private closingFrom = -Infinity;
  private restarts = 0;
  private longer = 0;
  /** The end of the window the opening learned, until the next closing has checked it. */
  private openingEnd: number | undefined;
  /** N was learned at least once in this run: only the opening's can count the window before. */
  private learnedOnce = false;

  started(at: number): void {
    this.first ??= at;
    this.starts.push(at);
    if (this.starts.length > MAX_LOG) this.starts = this.starts.slice(-MAX_LOG / 2);
    if (this.sharp && this.sharp.probe === undefined) {
      this.sharp.probe = at;
      this.sharp.next = undefined;
    }
  }

  refused(at: number, retryAfterMs: number, windowLimiter: boolean): void {
    removeStart(this.starts, at);
    if (this.first === undefined) return;
    this.learn(at, retryAfterMs);
    this.lastRefusedAt = at;
    if (!windowLimiter) return;
    if (this.sharp) return this.narrow(at, retryAfterMs);
    if (this.learning && this.windowMs === undefined && this.windowHigh <= MAX_WINDOW_MS)
      this.windowMs = this.windowHigh;
    this.learning = false;
    const closedSince = this.closedUntil;
    this.closedUntil = Math.max(this.closedUntil, at, at + retryAfterMs - 1_000);
    // The same closing as a refusal before: started no later than that closing's end could be
    // (its Retry-After rounds up to whole seconds). It is no news of room left: its count over
    // the last W is lower only by the requests refused with it, or by those of the window's
    // opening that a W learned a little short no longer reaches. Read as room left, it dropped
    // the budget (a window under way when the run began: its last 708 rows at the pace, 0.81 of
    // the limit). What it can say is the closing's true count: the first refusal counted the
    // requests then in flight, and those refused since took nothing.
    const sameClosing = at <= this.closesBy;
    const lastEnd = this.closesBy;
    this.closesBy = Math.max(this.closesBy, at + retryAfterMs + ARRIVAL_MS);
    if (this.windowMs === undefined) return;
    if (sameClosing && this.limit !== undefined) {
      const count = this.acceptedWithin(this.closingFrom, at);
      if (count >= MIN_LIMIT) this.limit = Math.min(this.limit, count);
      return;
    }
    // The first N counts from the opening's first start (learned again from a later window, the
    // first window's acceptances are not in it).
    let from = this.limit === undefined ? Math.max(at - this.windowMs, this.first - 0.5) : at - this.windowMs;
    // A doubled budget lets a window's starts spread, so the last W may reach back into the
    // window before; this refusal's window began no earlier than its end (Retry-After) less W.
    if (this.probing) from = Math.max(from, at + retryAfterMs - 1_000 - this.windowMs);
    const accepted = this.acceptedWithin(from, at);
    this.closingFrom = from;
    if (this.limit !== undefined && this.longerWindow(at, retryAfterMs)) return;
    const openingEnd = this.openingEnd;
    this.openingEnd = undefined;
    if (
      openingEnd !== undefined &&
      !this.probing &&
      this.trimOpening(openingEnd, closedSince, at, retryAfterMs)
    )
      return;
    if (this.limit !== undefined && !this.probing && accepted < this.limit)
      return this.roomLeft(at, retryAfterMs, closedSince, lastEnd);
    const learned = this.limit === undefined;
    if (this.limit === undefined) this.limit = accepted;
    // The doubled budget was refused: a limit raised by less than RAISED is not taken, since the
    // last W may reach back into the window before (a fixed window's phase is not the run's).
    else if (this.probing) this.limit = accepted >= (this.limit / 2) * RAISED ? accepted : this.limit / 2;
    else this.limit = Math.min(this.limit, accepted);
    this.probing = false;
    if (this.limit < MIN_LIMIT) this.limit = undefined;
    // N and W came from the opening's countdown: its end, for the next closing to check (trimOpening).
    else if (learned && !this.learnedOnce && this.windowMs === this.windowHigh)
      this.openingEnd = this.first + this.windowHigh;
    if (this.limit !== undefined) this.learnedOnce = true;
    this.probeAt = at + PROBE_WINDOWS * this.windowMs;
  }

  /** Refused with room left in the budget: W or N is wrong. */
  private roomLeft(at: number, retryAfterMs: number, closedSince: number, lastEnd: number): void {
    const limit = this.limit!;
    const since = this.acceptedWithin(closedSince, at);
    if (since >= limit && since <= limit * (1 + COUNT_SLACK) + 1) {
      // N accepted since the window was last seen closing: it is longer than learned.
      this.sharpen(at, retryAfterMs, this.starts[firstAfter(this.starts, at) - limit]);
      return;
    }
    // Far fewer than N since the window was last seen closing, or a closing short of W after
    // the last one (closesEvery): N is lower than learned. A window already under way when the
    // run began, whose end drew no refusal, had its acceptances counted into the opening's N
    // along with the next window's (2,385 of 1,200); a lowered limit. What this window took is
    // the N to go on with.
    if (
      since >= MIN_LIMIT &&
      (since <= limit * LOWER_SHARE || this.closesEvery(at + retryAfterMs - lastEnd))
    ) {
      this.limit = since;
      this.closingFrom = closedSince;
      this.probeAt = at + PROBE_WINDOWS * this.windowMs!;
      return;
    }
    // Otherwise (other clients of the tenant, a W learned short) neither W nor N explains it.
    this.windowMs = undefined;
    this.limit = undefined;
  }

  /**
   * The window was closed until earlier than any of the run's requests within the learned W could
   * leave it: requests older than W are still in it, and W is longer. A sliding window that held
   * other clients' requests when the run began ends its opening countdown when theirs leave, not
   * the run's: 700 of 1,200 per minute taken 20 s before the run, the opening learned 500 per
   * 40 s, and the next closings ended 20 s before that budget said (0.78 of the limit). The
   * oldest request in a sliding window is the one whose start + W is its end; the end is known
   * within a second, so it is the newest start older than the learned W that came after a pause
   * of a second or more. W is measured again from it, and N is what the run accepted since.
   */
  private longerWindow(at: number, retryAfterMs: number): boolean {
    if (this.longer >= MAX_LONGER) return false;
    const w = this.windowMs!;
    const { starts } = this;
    const end = at + retryAfterMs + ARRIVAL_MS;
    const inside = firstAfter(starts, at - w);
    if (inside >= starts.length || end >= starts[inside] + w - EARLY_END_MS) return false;
    let i = inside - 1;
    while (i > 0 && starts[i] - starts[i - 1] < PAUSE_MS) i--;
    if (i < 0) return false;
    const windowMs = end - starts[i];
    const count = firstAfter(starts, at) - i;
    if (windowMs > MAX_WINDOW_MS || count < MIN_LIMIT) return false;
    this.longer++;
    this.windowMs = windowMs;
    this.limit = count;
    this.probing = false;
    this.closingFrom = starts[i] - 1;
    this.probeAt = at + PROBE_WINDOWS * windowMs;
    return true;
  }

  /**
   * The first closing after the opening took fewer than the opening's N since the opening closed:
   * the opening's first few starts were accepted by the window before, which ended within a
   * second of the run's start without a refusal. They made N too high, and W too long by as much
   * as they came before that end, on top of what the Retry-After's whole seconds leave (up to a
   * second in real time). What the window took since is N. The first start after those extra
   * ones opened the window of the opening, and this closing ends the next: its end, sharpened,
   * lies two windows after that start, which gives W within milliseconds. Left too long, W started
   * each window later than the last (0.6-0.9 s a minute in whole CLI runs), and N too high drew a
   * 429 with room left that dropped the budget (1,200 per minute with 0.5 s left: the last
   * window's rows at the pace, over 11-12 s).
   */
  private trimOpening(openingEnd: number, closedSince: number, at: number, retryAfterMs: number): boolean {
    const limit = this.limit;
    // Two windows from the opening's first start at most: the next closing, not a later one.
    if (limit === undefined || at - this.first! > 2 * this.windowMs! + OPENING_BEFORE_MS) return false;
    const since = this.acceptedWithin(closedSince, at);
    const extra = limit - since;
    if (since < MIN_LIMIT || extra <= 0 || extra > limit * OPENING_EXTRA) return false;
    const i = firstAfter(this.starts, this.first! - 1e-6) + extra;
    if (i >= this.starts.length || this.starts[i] - this.first! > OPENING_BEFORE_MS) return false;
    this.limit = since;
    this.closingFrom = closedSince;
    this.windowMs = Math.min(this.windowMs!, openingEnd - this.starts[i]);
    this.sharpen(at, retryAfterMs, this.starts[i], 2);
    return true;
  }

  /**
   * Sharpens the end of the window that refused the request started at `at` (see nextProbe);
   * W is then measured from `anchor` over `windows` windows.
   */
  private sharpen(at: number, retryAfterMs: number, anchor: number, windows?: number): void {
    this.sharp = {
      low: Math.max(at, at + retryAfterMs - 1_000),
      high: at + retryAfterMs,
      anchor,
      closeProbes: 0,
      windows,
    };
  }

  /**
   * A closing whose end comes `period` ms after the latest end the last closing's refusals gave
   * (their upper bound) is a fixed window's next (PERIOD_SLACK_MS).
   */
  private closesEvery(period: number): boolean {
    const w = this.windowMs;
    return w !== undefined && period <= w - PERIOD_SHORT_MS && period >= w - PERIOD_SLACK_MS;
  }

  accepted(at: number): void {
    const sharp = this.sharp;
    // Open at `at`: the window ended no later (nothing started during sharpening but probes).
    if (!sharp || at <= sharp.low) return;
    this.narrowTo(sharp.low, Math.min(sharp.high, at + ARRIVAL_MS), at);
    sharp.open = true;
  }

  untaken(at: number): void {
    removeStart(this.starts, at);
  }

  lost(at: number): void {
    if (this.sharp?.probe === at) this.sharp.probe = undefined;
  }

  get sharpening(): boolean {
    return this.sharp !== undefined;
  }

  get known(): boolean {
    return this.windowMs !== undefined && this.limit !== undefined;
  }

  get perSecond(): number | undefined {
    return this.windowMs !== undefined && this.limit !== undefined
      ? (this.limit * 1000) / this.windowMs
      : undefined;
  }

  holdsAlone(now: number): boolean {
    if (this.sharp || this.windowMs === undefined || this.limit === undefined) return false;
    return !this.probing || this.acceptedWithin(now - this.windowMs, now) < this.limit / 2;
  }

  freeAt(now: number): number {
    if (this.sharp) {
      const next = this.nextProbe(now);
      if (next !== undefined) return next;
    }
    const { windowMs, starts } = this;
    if (windowMs === undefined || this.limit === undefined) return 0;
    if (now >= this.probeAt && !this.probing) {
      this.probing = true;
      this.limit *= 2;
    }
    // The oldest of the last `limit` acceptances within W leaves the window at its start + W.
    const inWindow = this.acceptedWithin(now - windowMs, now);
    if (inWindow < this.limit) return 0;
    const end = firstAfter(starts, now);
    return end >= this.limit ? starts[end - this.limit] + windowMs : 0;
  }

  /** Narrows W from a refusal of the opening countdown (see the top of this file). */
  private learn(at: number, retryAfterMs: number): void {
    if (!this.learning || this.first === undefined) return;
    const low = Math.max(this.windowLow, at + retryAfterMs - 1_000 - this.first);
    const high = Math.min(this.windowHigh, at + retryAfterMs - this.first);
    if (low < high) {
      this.windowLow = low;
      this.windowHigh = high;
      return;
    }
    // Not one window since the run's first request: a fixed window that was under way when the
    // run began ended within a second, before its countdown showed (every Retry-After was 1).
    // This refusal's window began after the previous refusal: learn W again from its first start.
    const i =
      this.lastRefusedAt === undefined ? this.starts.length : firstAfter(this.starts, this.lastRefusedAt);
    if (this.restarts < MAX_RESTARTS && i < this.starts.length && this.starts[i] < at) {
      this.restarts++;
      this.first = this.starts[i];
      this.windowLow = at + retryAfterMs - 1_000 - this.first;
      this.windowHigh = at + retryAfterMs - this.first;
      return;
    }
    this.learning = false;
  }

  /** A 429 during sharpening: its Retry-After bounds the window's end. */
  private narrow(at: number, retryAfterMs: number): void {
    const sharp = this.sharp!;
    const low = Math.max(sharp.low, at, at + retryAfterMs - 1_000);
    this.narrowTo(low, Math.min(sharp.high, at + retryAfterMs + ARRIVAL_MS), at);
  }

  private narrowTo(low: number, high: number, at: number): void {
    const sharp = this.sharp!;
    if (sharp.probe === at) sharp.probe = undefined;
    // Bounds that cross: the window is not what it looked like (a limit changed meanwhile).
    sharp.low = Math.min(low, high);
    sharp.high = high;
    sharp.next = undefined;
  }

  /** When the next probe may start; undefined once the end is sharp (W is then measured again). */
  private nextProbe(now: number): number | undefined {
    const sharp = this.sharp!;
    if (sharp.probe !== undefined) {
      if (now - sharp.probe < PROBE_LOST_MS) return now + POLL_MS;
      sharp.probe = undefined;
    }
    const sharpened = sharp.high - sharp.low <= SHARP_MS;
    if (!sharpened && !sharp.open) {
      if (sharp.next === undefined) {
        const middle = (sharp.low + sharp.high) / 2;
        // k whole seconds before the middle, k ≥ 1 as small as the time left allows.
        const k = Math.floor((middle - now) / 1_000);
        // Within the last second a probe found open ends the search, and what is left of the
        // interval below it is the error: steps from the closed side, doubling with each 429,
        // keep it within the distance from the first 429 to the end.
        if (k >= 1) sharp.next = middle - k * 1_000;
        else {
          const step = Math.min(middle - sharp.low, SHARP_MS * 2 ** sharp.closeProbes++);
          sharp.next = Math.max(now, sharp.low + step);
        }
      }
      return sharp.next;
    }
    // The window that refused ran from the oldest of its N to its end, at the latest when a probe
    // found it open. (Taking the middle or the closed side of the interval left a window too
    // short: its 429s, at a budget used up, hold the run in whole seconds; 92-94 % of the limit.)
    const measured = Math.min(MAX_WINDOW_MS, (sharp.high - sharp.anchor) / (sharp.windows ?? 1));
    this.windowMs = sharp.windows ? measured : Math.max(this.windowMs ?? 0, measured);
    this.closedUntil = sharp.low;
    this.probeAt = sharp.high + PROBE_WINDOWS * this.windowMs;
    this.sharp = undefined;
    return undefined;
  }

  /** Starts in (from, to], by binary search: the log is in start order. */
  private acceptedWithin(from: number, to: number): number {
    return firstAfter(this.starts, to) - firstAfter(this.starts, from);
  }
}

/** Index of the first of `starts` (in time order) later than `t`. */
function firstAfter(starts: number[], t: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (starts[middle] <= t) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A refused request took nothing from the window: it leaves the log (searched from the newest). */
function removeStart(starts: number[], at: number): void {
  for (let i = starts.length - 1; i >= 0; i--)
    if (starts[i] === at) {
      starts.splice(i, 1);
      return;
    }
}
