// The run-wide rate controller (src/engine/rate/controller.ts) in virtual time: a clock whose sleeps only end
// when the test advances it, and a model of the API (the simulator's own TokenBucket) answering
// after a latency. The whole-run matrix over every limiter shape is test/rate-matrix.test.ts. Minutes of traffic take a fraction of a second and give the same figures
// every time.
import { describe, expect, it } from "vitest";
import { virtualClock, type VirtualClock } from "./helpers/virtual-clock.js";
import { createRateController, type RateController } from "../src/engine/rate/controller.js";
import { seededRandom, TokenBucket } from "../src/simulator/faults.js";
import { FixedWindow, SlidingWindow, type Limiter } from "../src/simulator/limiter.js";
import { cutAfterRound } from "../src/engine/rate/curve.js";
import { createStartGate } from "../src/engine/rate/pace.js";

interface Traffic {
  /** Accepted answers by arrival second. */
  acceptedPerSecond: number[];
  accepted: number;
  throttled: number;
  /** Virtual start times of every request, and of the requests answered 429 with their Retry-After end. */
  starts: number[];
  throttles: { at: number; until: number }[];
}

/**
 * `workers` loops of acquire → request → answer against a rate-limited API (a token bucket, or
 * any of the simulator's limiters): a 429 comes back at once (the gateway answers it before any
 * work), an accepted request after `latencyMs`.
 */
function drive(o: {
  clock: VirtualClock;
  rc: RateController;
  bucket: () => Pick<Limiter, "take">;
  workers: number;
  latencyMs: number;
  untilMs: number;
}): Traffic {
  const traffic: Traffic = { acceptedPerSecond: [], accepted: 0, throttled: 0, starts: [], throttles: [] };
  for (let w = 0; w < o.workers; w++) {
    void (async () => {
      for (let i = 0; i < 1_000_000 && o.clock.now() < o.untilMs; i++) {
        const startedAt = await o.rc.acquire();
        if (o.clock.now() >= o.untilMs) return;
        traffic.starts.push(o.clock.now());
        const wait = o.bucket().take();
        if (wait > 0) {
          await o.clock.sleep(1);
          traffic.throttled++;
          traffic.throttles.push({ at: o.clock.now(), until: o.clock.now() + wait * 1000 });
          o.rc.onAnswer(true, wait * 1000, startedAt);
        } else {
          await o.clock.sleep(o.latencyMs);
          traffic.accepted++;
          const s = Math.floor(o.clock.now() / 1000);
          traffic.acceptedPerSecond[s] = (traffic.acceptedPerSecond[s] ?? 0) + 1;
          o.rc.onAnswer(false, undefined, startedAt);
        }
      }
    })();
  }
  return traffic;
}

function acceptedBetween(t: Traffic, fromSecond: number, toSecond: number): number {
  let n = 0;
  for (let s = fromSecond; s < toSecond; s++) n += t.acceptedPerSecond[s] ?? 0;
  return n;
}

/**
 * A fixed window of `limit` per `windowSeconds`, `underWayMs` under way at virtual time 0, a rate
 * controller on the same clock, and `answer`, which asks the window for a request started at
 * `startedAt` and tells the controller what it said.
 */
function windowUnderWay(limit: number, windowSeconds: number, underWayMs: number) {
  const clock = virtualClock();
  const rc = createRateController({ clock });
  // The window starts at the clock's 0 as constructed; read `underWayMs` later, it is that far in.
  let shift = 0;
  const api = new FixedWindow({ kind: "fixed-window", limit, windowSeconds }, () => clock.now() + shift);
  shift = underWayMs;
  const accepted: number[] = [];
  const refused: number[] = [];
  const answer = (startedAt: number, wait = api.take()) => {
    (wait > 0 ? refused : accepted).push(startedAt);
    rc.onAnswer(wait > 0, wait > 0 ? wait * 1_000 : undefined, startedAt);
  };
  return { clock, rc, api, accepted, refused, answer };
}

describe("rate controller", () => {
  it("paces the opening wave: a slow start from 8/s that doubles every 100 ms", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    const starts: number[] = [];
    for (let w = 0; w < 64; w++) void rc.acquire().then((t) => starts.push(t));
    await clock.advanceTo(1_000);
    expect(starts).toHaveLength(64);
    // Not all at once (that empties a small bucket in a few ms), but all within 0.7 s.
    expect(starts.filter((t) => t < 100).length).toBeLessThanOrEqual(3);
    expect(Math.max(...starts)).toBeLessThan(700);
    expect(rc.ratePerSecond).toBeGreaterThan(8);
  });

  it("holds every worker until the window's end once Retry-After counts down", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    const first = await rc.acquire();
    await clock.advanceTo(1_000);
    rc.onAnswer(false, undefined, first);
    // A window used up: Retry-After 57 s, then 55 s two seconds later (the same end).
    const a = await rc.acquire();
    rc.onAnswer(true, 57_000, a);
    await clock.advanceTo(3_000);
    const b = await rc.acquire();
    rc.onAnswer(true, 55_000, b);
    expect(rc.pausedUntil).toBe(58_000);
    const started: number[] = [];
    for (let w = 0; w < 16; w++) void rc.acquire().then((t) => started.push(t));
    await clock.advanceTo(57_999);
    expect(started).toEqual([]);
    await clock.advanceTo(75_000);
    expect(started).toHaveLength(16);
    expect(Math.min(...started)).toBeGreaterThanOrEqual(58_000);
  });

  it("knows a window by its next closing when no closing counted down (all its 429s at once)", async () => {
    // A fixed window of 1,184 per minute, 20 s under way: it ends at 40 s, 100 s, 160 s. Waves
    // of 32 requests, each answered at once 10 ms after its last start, so that every 429 of a
    // closing comes in the same moment (at --concurrency 32 in real time, all 30 of a closing came
    // within 50 ms, and the hold then reached the Retry-After before any probe could show a
    // countdown). The second closing's Retry-After (58 s against 38 s), after the first one's
    // end, shows the window: the third window's requests then go at its opening, not at a pace
    // cut to what two windows averaged (31/s, 92 % of the limit over a run of 4,000 rows).
    const { clock, rc, accepted, refused, answer } = windowUnderWay(1_184, 60, 20_000);
    for (let wave = 0; wave < 200 && clock.now() < 130_000; wave++) {
      const starts: number[] = [];
      for (let i = 0; i < 32; i++) void rc.acquire().then((t) => starts.push(t));
      for (let step = 0; step < 200_000 && starts.length < 32; step++) await clock.advanceTo(clock.now() + 1);
      await clock.advanceTo(clock.now() + 10);
      for (const startedAt of starts) answer(startedAt);
    }
    // No countdown: each closing's 429s all started within a few milliseconds.
    const closings = refused.filter((at, i) => i === 0 || at - refused[i - 1] > 1_000);
    expect(closings.length).toBeGreaterThanOrEqual(2);
    for (const from of closings.slice(0, 2)) {
      const closing = refused.filter((at) => at >= from && at < from + 30_000);
      expect(closing[closing.length - 1] - closing[0]).toBeLessThan(100);
    }
    const third = accepted.filter((at) => at >= 100_000 && at < 160_000);
    expect(third).toHaveLength(1_184);
    expect(third[third.length - 1] - 100_000).toBeLessThan(3_000);
  });

  it("knows a short window whose 429s all come at once by a probe a second before its end", async () => {
    // A fixed window of 100 per 5 s, 1.5 s under way: it ends at 3.5 s, 8.5 s, 13.5 s... The
    // client reads its answers only every 250 ms, as a busy machine does: every 429 of a closing
    // comes in the same moment and asks for the same whole seconds, none counts down, and a
    // Retry-After under 5 s is no next closing's either. Held for the whole Retry-After, the run
    // saw no countdown in any closing and paced the window as a bucket, at 8-20/s (0.53-0.69 of
    // the limit through the CLI). A second before the end, a probe is answered "1" for the same
    // end: a window, whose budget then holds the run.
    const { clock, rc, api, accepted, refused, answer } = windowUnderWay(100, 5, 1_500);
    const READ_EVERY_MS = 250;
    for (let w = 0; w < 32; w++) {
      void (async () => {
        for (let i = 0; i < 10_000 && clock.now() < 24_000; i++) {
          const startedAt = await rc.acquire();
          // The window counts the request when it arrives; the client reads the answer later.
          const wait = api.take();
          const latency = wait > 0 ? 1 : 20;
          await clock.sleep(Math.ceil((clock.now() + latency) / READ_EVERY_MS) * READ_EVERY_MS - clock.now());
          answer(startedAt, wait);
        }
      })();
    }
    await clock.advanceTo(24_000);
    // From the third window on each takes its 100 within a second of opening, with few 429s.
    for (const opens of [8_500, 13_500, 18_500]) {
      const window = accepted.filter((at) => at >= opens && at < opens + 5_000);
      expect(window).toHaveLength(100);
      expect(window[window.length - 1] - opens).toBeLessThan(1_000);
    }
    expect(refused.filter((at) => at >= 8_500).length).toBeLessThanOrEqual(96);
  });

  it("takes no bucket for a window when it went on accepting between two long Retry-Afters", async () => {
    // Two limiters in front of a bucket, whose 429s ask for 10 s and 30 s: a 429 after the first
    // one's end, with another Retry-After, looks like a window's next closing, but requests were
    // accepted in between, as no closed window accepts them.
    const clock = virtualClock();
    const rc = createRateController({ clock });
    const next = async (until: number) => {
      const start = rc.acquire();
      await clock.advanceTo(until);
      return start;
    };
    rc.onAnswer(false, undefined, await next(100));
    rc.onAnswer(true, 10_000, await next(200));
    for (let second = 1; second <= 10; second++) rc.onAnswer(false, undefined, await next(second * 1_000));
    rc.onAnswer(true, 30_000, await next(11_000));
    // A bucket's hold: short. A window's would last until its end, 41 s.
    expect(rc.pausedUntil).toBeLessThan(20_000);
  });

  it("reaches a sliding window's limit when other clients' requests were already in it", async () => {
    // 700 of 1,200 per minute taken 20 s before the run (another run of the same tenant): the
    // opening learns W = 40 s and N short, and the first 429 with room left shows 500 since the
    // last closing. Lowered to that, the budget held the run at 75 % of the limit; dropped, the
    // pace and the holds until each 429's end reach it.
    const clock = virtualClock();
    let offset = -20_000;
    const api = new SlidingWindow(
      { kind: "sliding-window", limit: 1_200, windowSeconds: 60 },
      () => clock.now() + offset,
    );
    for (let i = 0; i < 700; i++) api.take();
    offset = 0;
    const rc = createRateController({ clock });
    const t = drive({ clock, rc, bucket: () => api, workers: 32, latencyMs: 12, untilMs: 600_000 });
    await clock.advanceTo(600_000);
    // What the window allows in 10 minutes less what the others took.
    expect(t.accepted / (1_200 * 10 - 700)).toBeGreaterThanOrEqual(0.95);
  });

  it("paces a bucket of one token 3 % under its spacing once a 429 would cost a whole Retry-After", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    let rowsLeft = 1_000_000;
    rc.rowsLeft(() => rowsLeft);
    const bucket = new TokenBucket({ perSecond: 5, burst: 1, retryAfterSeconds: 30 }, () => clock.now());
    const t = drive({ clock, rc, bucket: () => bucket, workers: 32, latencyMs: 10, untilMs: 120_000 });
    await clock.advanceTo(80_000);
    rowsLeft = 100; // 20 s at 5/s: within one Retry-After of the end
    await clock.advanceTo(120_000);
    const meanGap = (from: number, to: number) => {
      const starts = t.starts.filter((at) => at >= from && at < to);
      return (starts[starts.length - 1] - starts[0]) / (starts.length - 1);
    };
    // At the spacing (200 ms) before; 3 % wider after (under what was accepted), where jitter
    // of a millisecond or two refuses nothing.
    expect(meanGap(60_000, 80_000)).toBeLessThan(202);
    expect(meanGap(85_000, 120_000)).toBeGreaterThan(200 / 0.97 - 0.5);
    expect(meanGap(85_000, 120_000)).toBeLessThan(200 / 0.96);
  });

  it("slows down on a constant long Retry-After but keeps the run going (a bucket refills)", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    const bucket = new TokenBucket({ perSecond: 30, burst: 10, retryAfterSeconds: 30 }, () => clock.now());
    const t = drive({ clock, rc, bucket: () => bucket, workers: 32, latencyMs: 20, untilMs: 40_000 });
    await clock.advanceTo(40_000);
    expect(t.throttles.length).toBeGreaterThan(0);
    // Held by nobody for 30 s: every 10 s after the first has requests accepted.
    for (const s of [10, 20, 30]) expect(acceptedBetween(t, s, s + 10)).toBeGreaterThan(30 * 10 * 0.9);
    expect(rc.throttled).toBe(t.throttled);
  });

  it.each([20, 40, 100])(
    "sustains at least 95 percent of a %d/s limit, at most 5 percent answered 429 (concurrency 32)",
    async (limit) => {
      const clock = virtualClock();
      const rc = createRateController({ clock });
      const bucket = new TokenBucket({ perSecond: limit }, () => clock.now());
      const t = drive({ clock, rc, bucket: () => bucket, workers: 32, latencyMs: 20, untilMs: 60_000 });
      await clock.advanceTo(60_000);
      // Sustained: after the opening burst and its pause, over 55 s.
      const sustained = acceptedBetween(t, 5, 60) / 55;
      if (process.env.RATE_FIGURES)
        console.log(
          `limit ${limit}/s: sustained ${((sustained / limit) * 100).toFixed(1)}%, 429 share ${((t.throttled / (t.accepted + t.throttled)) * 100).toFixed(2)}% (${t.throttled}/${t.accepted + t.throttled})`,
        );
      expect(sustained / limit).toBeGreaterThanOrEqual(0.95);
      expect(sustained / limit).toBeLessThanOrEqual(1.01);
      expect(t.throttled / (t.accepted + t.throttled)).toBeLessThanOrEqual(0.05);
    },
  );

  it("finds the limit however large the API's burst is", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    const bucket = new TokenBucket({ perSecond: 25, burst: 250 }, () => clock.now());
    const t = drive({ clock, rc, bucket: () => bucket, workers: 32, latencyMs: 50, untilMs: 60_000 });
    await clock.advanceTo(60_000);
    expect(acceptedBetween(t, 20, 60) / 40 / 25).toBeGreaterThanOrEqual(0.95);
    expect(t.throttled / (t.accepted + t.throttled)).toBeLessThanOrEqual(0.05);
  });

  it("lowers its pace when the limit drops and probes back up when it rises", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    let bucket = new TokenBucket({ perSecond: 60 }, () => clock.now());
    const t = drive({ clock, rc, bucket: () => bucket, workers: 32, latencyMs: 20, untilMs: 120_000 });
    await clock.advanceTo(30_000);
    bucket = new TokenBucket({ perSecond: 15 }, () => clock.now());
    await clock.advanceTo(60_000);
    const low = acceptedBetween(t, 40, 60) / 20;
    expect(low).toBeGreaterThanOrEqual(15 * 0.9);
    expect(low).toBeLessThanOrEqual(15 * 1.06); // at most one burst (15) drained over the 20 s
    bucket = new TokenBucket({ perSecond: 30 }, () => clock.now());
    await clock.advanceTo(120_000);
    // Additive increase of 2% of the estimate per second: from 15/s to 30/s in well under a minute.
    expect(acceptedBetween(t, 100, 120) / 20).toBeGreaterThanOrEqual(30 * 0.9);
    expect(t.throttled / (t.accepted + t.throttled)).toBeLessThanOrEqual(0.05);
  });

  it("keeps every worker together under --max-rpm, 429 or not", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock, maxRpm: 600 });
    const bucket = new TokenBucket({ perSecond: 1000 }, () => clock.now());
    const t = drive({ clock, rc, bucket: () => bucket, workers: 32, latencyMs: 5, untilMs: 10_000 });
    await clock.advanceTo(10_000);
    expect(t.throttled).toBe(0);
    expect(t.starts.length).toBeLessThanOrEqual(101);
    expect(t.starts.length).toBeGreaterThanOrEqual(99);
    expect(rc.ratePerSecond).toBe(10);
  });

  it("does not bank pace while the run is idle", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    const bucket = new TokenBucket({ perSecond: 20 }, () => clock.now());
    drive({ clock, rc, bucket: () => bucket, workers: 32, latencyMs: 20, untilMs: 20_000 });
    await clock.advanceTo(25_000); // the last queued workers have gone by now
    const pace = rc.ratePerSecond!;
    // At the limit, or probing above it: the run may stop at any point of a probe's climb.
    expect(pace).toBeGreaterThan(20 * 0.9);
    expect(pace).toBeLessThan(20 * 1.25);
    await clock.advanceTo(120_000); // nobody asked for 100 s
    expect(rc.ratePerSecond).toBeCloseTo(pace, 5);
  });
});

describe("rate controller and one customer's own throttling", () => {
  it("does not collapse the run's pace when a single row keeps being answered 429", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    const bucket = new TokenBucket({ perSecond: 40 }, () => clock.now());
    const t = drive({ clock, rc, bucket: () => bucket, workers: 31, latencyMs: 20, untilMs: 60_000 });
    await clock.advanceTo(20_000);
    // Meanwhile one customer is throttled on every attempt (Retry-After 1), retried as soon as allowed.
    void (async () => {
      for (let attempt = 0; attempt < 6; attempt++) {
        const startedAt = await rc.acquire();
        await clock.sleep(1);
        rc.onAnswer(true, 1_000, startedAt);
        await clock.sleep(1_000);
      }
    })();
    await clock.advanceTo(60_000);
    const before = acceptedBetween(t, 10, 20) / 10;
    const after = acceptedBetween(t, 30, 60) / 30;
    expect(before).toBeGreaterThan(38);
    expect(after / before).toBeGreaterThan(0.8);
  });
});

describe("the cut after a round of 429s", () => {
  it("halves the pace while nothing is measured (the slow start overshot by an unknown factor)", () => {
    expect(cutAfterRound(80, undefined, false)).toEqual({ floor: 40, top: 80, settled: false });
  });

  it("returns to the measured rate after a probe, under the pace that failed", () => {
    const cut = cutAfterRound(41, { perSecond: 38, rough: false }, false);
    expect(cut.top).toBeCloseTo(38, 5); // the measured rate, below 41 × 0.99
    expect(cut.floor).toBeLessThan(cut.top);
    expect(cut.settled).toBe(true);
  });

  it("lands on the measured rate, not the pace that failed, after an overshoot", () => {
    const cut = cutAfterRound(400, { perSecond: 5, rough: false }, false);
    expect(cut.floor).toBeCloseTo(4.85, 5);
    expect(cut.top).toBeCloseTo(6.25, 5);
  });

  it("holds a burst-1 bucket's proven pace, not the measured rate it left short", () => {
    // Measured 4.8/s (tokens lost while the pace settled); the bucket granted 5/s gap by gap.
    const cut = cutAfterRound(5.02, { perSecond: 4.8, rough: false }, false, 5);
    expect(cut.floor).toBeCloseTo(4.99, 5); // 5 × 0.998
    expect(cut.top).toBe(cut.floor);
  });

  it("keeps a window's pace above its measured average, and ignores rough figures there", () => {
    expect(cutAfterRound(30, { perSecond: 20, rough: false }, true)).toMatchObject({ floor: 25, top: 25 });
    expect(cutAfterRound(30, { perSecond: 0.5, rough: true }, true)).toMatchObject({ floor: 30, top: 30 });
  });
});

/** A start gate at a pace that never changes, nothing held; `strict`: a bucket of one token's. */
function steadyGate(clock: VirtualClock, perSecond: number, strict = false) {
  return createStartGate(clock, {
    pace: () => perSecond,
    heldUntil: () => 0,
    ...(strict ? { strict: () => true } : {}),
    waiting: () => undefined,
    started: () => undefined,
  });
}

describe("the start gate", () => {
  it("gives a refused start's slot back: the next request goes one interval after the one before", async () => {
    const clock = virtualClock();
    const gate = steadyGate(clock, 5);
    expect(await gate.acquire()).toBe(0);
    const refused = gate.acquire();
    await clock.advanceTo(200);
    expect(await refused).toBe(200);
    gate.refund(200);
    const next = gate.acquire();
    const after = gate.acquire();
    await clock.advanceTo(1_000);
    // 200 ms after the accepted start at 0, not 400: the refused request took no token.
    expect(await next).toBe(200);
    expect(await after).toBe(400);
  });

  it("counts a strictly spaced start from when the request before it left, less the usual lead", async () => {
    const clock = virtualClock();
    const gate = steadyGate(clock, 40, true); // 25 ms apart
    // The usual lead is 1 ms; the ninth request leaves 6 ms late, the eleventh never.
    const leads = [...Array<number>(8).fill(1), 7, 1, undefined, 1];
    const starts: number[] = [];
    void (async () => {
      for (const lead of leads) {
        const at = await gate.acquire();
        starts.push(at);
        if (lead !== undefined) void clock.sleep(lead).then(() => gate.written(at + lead));
      }
    })();
    await clock.advanceTo(1_000);
    const gaps = starts.slice(1).map((at, i) => at - starts[i]);
    expect(gaps.slice(0, 7)).toEqual(Array<number>(7).fill(25));
    // 25 ms after it left, less the usual 1 ms: it reached the API a spacing after the one before.
    expect(gaps[8]).toBe(31);
    expect(gaps[9]).toBe(25);
    // Waited for it no longer than WRITE_WAIT_MS (25 ms), then counted from its start.
    expect(gaps[10]).toBe(25);
  });

  it("keeps a bucket of one token from refusing requests that left late, in a closed loop", async () => {
    // Requests leave 1.1-1.5 ms after their start, one in forty 3-8 ms more (docs/rate-limits.md);
    // the bucket sees them as they leave. Paced 1 % under its 40/s.
    const loop = async (reported: boolean) => {
      const clock = virtualClock();
      const random = seededRandom(11);
      const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.now());
      const gate = steadyGate(clock, 39.6, true);
      const tally = { accepted: 0, refused: 0, first: 0, last: 0 };
      for (let w = 0; w < 4; w++)
        void (async () => {
          for (let i = 0; i < 1_000 && clock.now() < 60_000; i++) {
            await gate.acquire();
            await clock.sleep(1.1 + random() * 0.4 + (random() < 0.025 ? 3 + random() * 5 : 0));
            if (reported) gate.written(clock.now());
            if (bucket.take() > 0) tally.refused++;
            else {
              if (tally.accepted++ === 0) tally.first = clock.now();
              tally.last = clock.now();
            }
            await clock.sleep(10);
          }
        })();
      await clock.advanceTo(60_000);
      return { ...tally, share: (tally.accepted - 1) / ((tally.last - tally.first) / 1000) / 40 };
    };
    const counted = await loop(true);
    const fromStarts = await loop(false);
    expect(counted.accepted + counted.refused).toBeGreaterThan(2_000);
    expect(counted.refused / (counted.accepted + counted.refused)).toBeLessThan(0.002);
    expect(counted.share).toBeGreaterThan(0.97);
    // Counted from the starts alone, about one request in forty arrives early behind a late one.
    expect(fromStarts.refused / (fromStarts.accepted + fromStarts.refused)).toBeGreaterThan(0.01);
  });
});
