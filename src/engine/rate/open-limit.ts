// A cap on requests open at once, learned from the API's 429s (docs/rate-limits.md).
//
// API gateways often limit concurrency, not rate: one request more than N in flight is answered
// 429 (Retry-After: 1), however slow the pace. Slowing the pace is the wrong answer to that: with
// latencies spread over 20–60 ms a pace keeps a varying number of requests open, and to stay
// under N most of the time it must leave the cap unused most of the time (0.66 of it at N = 8).
// The answer is to hold the number of open requests at N, and start the next one as soon as an
// answer comes back.
//
// Which limit algorithm. Delay-based limits (TCP Vegas, Netflix concurrency-limits' Vegas and
// Gradient2) infer the limit from the latency rising as requests queue; a gateway that refuses
// at once never queues, so the latency says nothing and only the 429 does. A loss-based limit
// it is, as Netflix's AIMDLimit or TCP Reno: cut on a 429, grow by one when the limit was used.
// Plain AIMD saws between a cut and the cap (at N = 4, 3 to 5 in flight, about 0.85 of the cap,
// a 429 every few round trips); a cap is a number that does not drift, so as CUBIC remembers
// W_max this one remembers the level that drew the 429: the limit goes straight back under it,
// and once a second 429 has shown the same level it stays there, probing one above only every
// few seconds (a cap that rose is found then), never in the run's endgame.
//
// Telling a cap's 429 from a rate limiter's: each request's level is the number of requests open
// when it started, itself included. A cap refuses only above some level and accepts everything
// below it; a rate limiter refuses at whatever level the run is at when its budget runs out. A 429
// at a level above every level accepted within the last second is read as a cap's (and the pace
// is left alone); one at a level where requests were just accepted is a rate limiter's, and
// clears a cap seen only once (it was the peak of the pace, not a cap). Unless 429s keep coming at
// the run's top level, which the last second's answers seldom reached (RARE_SHARE): the client
// counts a request open until its answer is read, the API until it has sent it, so now and then a
// request over the cap is accepted while an answer is on its way. Once the cap is known, a 429 at
// the limit itself (a level the client counts a little high: an answer on its way) is the cap's
// too, and lowers the limit by one.

/** Levels accepted this recently say what the API accepts now. */
const RECENT_MS = 1_000;
/**
 * A 429 at a level that at most this share of the last second's accepted requests reached (or
 * passed) is a cap's when the REPEATS 429s before it, within REPEAT_MS, came at that level or one
 * above: a cap's 429s come at the run's top level and nowhere else, a rate limiter's where the run
 * happens to be (a window's, at its close, at one level after another down). This holds amid 429s
 * read as a rate limiter's. In 5 of 21 whole runs against a cap of 16 the slow start's first 429
 * came at a level 1 to 2 % of the second's answers had reached; it and the flood after it at 17
 * and 18 were read as a rate limiter's, the pace was cut at each, and the run sat near 12 open
 * (0.78–0.84 of the cap). Alone, a level seldom reached says nothing: a fixed window of 100 per 5 s
 * under way closed at a level 1 % of the second's answers had reached; read as a cap's, its
 * countdown was lost and 5.1 % of requests were answered 429 (2.1 % as a rate limiter's).
 */
const RARE_SHARE = 0.1;
const REPEATS = 2;
const REPEAT_MS = 2_000;
/**
 * A cap frees a place as soon as an answer comes back: its 429 asks for a second at most. One that
 * asks for longer is a rate limiter's (a window counting down to its end, a slow bucket). A fixed
 * window of 100 per 5 s whose 429s came all at once, at the run's top level, on a busy machine
 * (the client read its answers in bursts) was read as a cap, and with nothing accepted while the
 * window was closed each 429 after it looked like the cap's too: the run went on sending into the
 * closed window, 407 of 807 requests answered 429.
 */
const MAX_CAP_RETRY_AFTER_MS = 1_000;
/** Accepted requests remembered for RARE_SHARE (a second of them at up to this many per second). */
const MAX_ACCEPTED = 2_048;
/** acceptedPerSecond's count is this fresh. */
const RATE_EVERY_MS = 50;
/**
 * The lowest level read as over a cap: a cap of one open request is no gateway's policy, and a
 * bucket of one token refuses the second of two requests sent close together, which is a level
 * of 2 over a run of level 1.
 */
const MIN_LEVEL = 3;
/** A cap seen once: try one more open request this soon, as AIMD grows once per round trip. */
const QUICK_PROBE_MS = 250;
/** A cap seen twice at the same level: probe one above it this often (a cap that rose). */
const HOLD_PROBE_MS = 5_000;
/**
 * After a probe one above the limit was accepted, a 429 above the old limit within this long is
 * the cap's. The client counts a request open until its answer is in, the API until it has sent
 * it, so a probe is accepted now and then while an answer is on its way: read as a cap that rose,
 * its level's 429s then looked like a rate limiter's (that level had just been accepted), the pace
 * was cut and the cap lost for seconds (a cap of 8 at 80-86 % of it in half the runs).
 */
const RAISE_DOUBT_MS = 2_000;

export interface OpenLimit {
  /** Requests that may be open at `now` (Infinity until a cap is learned). */
  allowed(now: number, endgame: boolean): number;
  /** Requests open now. */
  readonly open: number;
  /** A request starts; returns its level (requests open, itself included). */
  started(): number;
  /** A request that started is no longer open, without an answer. */
  closed(): void;
  /**
   * Its answer; true when it was a 429 of the cap (not of a rate limit). `retryAfterMs` is the
   * 429's Retry-After: one of more than a second is a rate limiter's (MAX_CAP_RETRY_AFTER_MS).
   */
  answered(level: number, startedAt: number, throttled: boolean, now: number, retryAfterMs?: number): boolean;
  /** The learned cap, undefined while none is known. */
  readonly cap: number | undefined;
  /** Requests accepted over the second before `now`: the run's rate where the cap binds it. */
  acceptedPerSecond(now: number): number;
}

export function createOpenLimit(): OpenLimit {
  return new LearnedCap();
}

class LearnedCap implements OpenLimit {
  open = 0;
  private limit = Infinity;
  /** The same level refused twice: the cap is known and held. */
  private confirmed = false;
  private limitSetAt = -Infinity;
  private probeAt = Infinity;
  /** When a 429 last came that was no cap's: a rate limiter is at work, its 429s at every level. */
  private rateRefusedAt = -Infinity;
  /** The latest accepted requests' answer times and levels, oldest first from `next` (a ring). */
  private readonly accepted: { at: number; level: number }[] = [];
  private next = 0;
  private rate = { at: -Infinity, perSecond: 0 };
  /** The latest REPEATS 429s, oldest first, whatever they were read as. */
  private readonly refusals: { at: number; level: number }[] = [];
  /** The limit before the latest accepted probe raised it, and when (RAISE_DOUBT_MS). */
  private raisedFrom: { limit: number; at: number } | undefined;

  get cap(): number | undefined {
    return Number.isFinite(this.limit) ? this.limit : undefined;
  }

  allowed(now: number, endgame: boolean): number {
    return !endgame && now >= this.probeAt ? this.limit + 1 : this.limit;
  }

  started(): number {
    this.open++;
    // The probe is under way: the next one waits for a new decision.
    if (this.open > this.limit) this.probeAt = Infinity;
    return this.open;
  }

  closed(): void {
    if (this.open > 0) this.open--;
  }

  answered(level: number, startedAt: number, throttled: boolean, now: number, retryAfterMs = 0): boolean {
    if (this.open > 0) this.open--;
    const underLimit = startedAt >= this.limitSetAt;
    if (!throttled) {
      this.remember(now, level);
      // A probe above the limit was accepted: the cap is higher (or was never one); keep going.
      if (underLimit && level > this.limit) {
        this.raisedFrom = { limit: this.limit, at: now };
        this.setLimit(level, now, false);
      }
      return false;
    }
    if (this.isCapRefusal(level, now, retryAfterMs)) {
      // Refused again although it started under the limit: the same cap, seen twice.
      const again = Number.isFinite(this.limit) && underLimit;
      this.raisedFrom = undefined;
      if (level - 1 < this.limit || again)
        this.setLimit(Math.max(1, Math.min(this.limit, level - 1)), now, this.confirmed || again);
      return true;
    }
    // A rate limiter's 429 where requests are being accepted: a cap seen once was no cap.
    if (!this.confirmed && level < this.limit) this.reset();
    return false;
  }

  /** Whether the REPEATS 429s before this one came lately at `level` or one above; notes this one. */
  private repeated(level: number, now: number): boolean {
    const before = this.refusals;
    const near = (r: { at: number; level: number }) =>
      (r.level === level || r.level === level + 1) && now - r.at <= REPEAT_MS;
    const repeated = before.length === REPEATS && before.every(near);
    before.push({ at: now, level });
    if (before.length > REPEATS) before.shift();
    return repeated;
  }

  /** Whether a 429 at `level` with this Retry-After is the cap's; notes a rate limiter's (rateRefusedAt). */
  private isCapRefusal(level: number, now: number, retryAfterMs: number): boolean {
    // Noted whatever the Retry-After: REPEATS counts every 429.
    const repeated = this.repeated(level, now);
    if (retryAfterMs <= MAX_CAP_RETRY_AFTER_MS && this.looksCapped(level, now, repeated)) return true;
    this.rateRefusedAt = now;
    return false;
  }

  /** A 429 at `level` shaped as a cap's: above what was just accepted, or at a known cap. */
  private looksCapped(level: number, now: number, repeated: boolean): boolean {
    if (this.confirmed && level >= this.limit && level >= MIN_LEVEL) return true;
    const raised = this.raisedFrom;
    if (raised && now - raised.at < RAISE_DOUBT_MS && level > raised.limit && level >= MIN_LEVEL) return true;
    if (level >= MIN_LEVEL) {
      const share = this.reachedShare(level, now - RECENT_MS);
      // At the run's top level again and again: a cap's, even amid 429s that were read otherwise.
      if (repeated && share <= RARE_SHARE) return true;
      if (share === 0 && now - this.rateRefusedAt > RECENT_MS) return true;
    }
    return false;
  }

  private remember(at: number, level: number): void {
    if (this.accepted.length < MAX_ACCEPTED) this.accepted.push({ at, level });
    else {
      this.accepted[this.next] = { at, level };
      this.next = (this.next + 1) % MAX_ACCEPTED;
    }
  }

  acceptedPerSecond(now: number): number {
    // Asked at every start: counted afresh only every RATE_EVERY_MS.
    if (Math.abs(now - this.rate.at) < RATE_EVERY_MS) return this.rate.perSecond;
    const { recent } = this.acceptedSince(now - RECENT_MS, Infinity);
    this.rate = { at: now, perSecond: (recent * 1000) / RECENT_MS };
    return this.rate.perSecond;
  }

  /** The share of the requests accepted since `since` that had `level` or more (0 if none were). */
  private reachedShare(level: number, since: number): number {
    const { recent, reached } = this.acceptedSince(since, level);
    return recent > 0 ? reached / recent : 0;
  }

  /** Requests accepted since `since` (none is answered after now), and those at `level` or more. */
  private acceptedSince(since: number, level: number): { recent: number; reached: number } {
    let recent = 0;
    let reached = 0;
    for (const a of this.accepted) {
      if (a.at < since) continue;
      recent++;
      if (a.level >= level) reached++;
    }
    return { recent, reached };
  }

  private setLimit(limit: number, now: number, confirmed: boolean): void {
    this.limit = limit;
    this.confirmed = confirmed;
    this.limitSetAt = now;
    this.probeAt = now + (confirmed ? HOLD_PROBE_MS : QUICK_PROBE_MS);
  }

  private reset(): void {
    this.limit = Infinity;
    this.confirmed = false;
    this.probeAt = Infinity;
  }
}
