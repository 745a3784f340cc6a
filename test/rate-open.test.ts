// A cap on open requests (an API gateway's concurrency limit: 429, Retry-After 1, whenever more
// than N requests are in flight, whatever the rate), in virtual time against the simulator's own
// limiter: the run learns the cap and holds its requests in flight there (src/engine/rate/open-limit.ts).
import { describe, expect, it } from "vitest";
import { endgameSwitch } from "../src/engine/api.js";
import { createRateController } from "../src/engine/rate/controller.js";
import { createOpenLimit, type OpenLimit } from "../src/engine/rate/open-limit.js";
import type { ApiLimit } from "../src/simulator/limiter.js";
import { runRateCase, type RateFigures } from "./helpers/rate-run.js";
import { virtualClock } from "./helpers/virtual-clock.js";

const LATENCY: [number, number] = [20, 60];

/** A run at `--concurrency` 32 against `limit`, answers taking 20–60 ms. */
const runAtLatency = (name: string, limit: ApiLimit, rows: number) =>
  runRateCase({ name, limit, concurrency: 32, rows, latencyMs: LATENCY });

/** `count` accepted answers at levels 1 to `top` in turn, 8 ms apart from 100 ms on. */
function answersUpTo(cap: OpenLimit, top: number, count: number): void {
  for (let i = 0; i < count; i++) cap.answered(1 + (i % top), 0, false, 100 + i * 8);
}

describe("a cap on open requests", () => {
  for (const maxOpen of [4, 8, 16])
    it(`cap ${maxOpen}, 20–60 ms: at least 0.93 of cap ÷ mean latency, at most 5 % answered 429`, async () => {
      const rows = Math.round((maxOpen / 0.04) * 60); // a minute at the cap
      const f = await runAtLatency(`cap ${maxOpen}`, { kind: "max-open", maxOpen }, rows);
      console.log(
        `cap ${maxOpen}: share ${f.share.toFixed(3)}, 429 ${(f.throttledShare * 100).toFixed(2)} %, peak ${f.peakOpen}`,
      );
      expect(f.failedRows).toBe(0);
      expect(f.share).toBeGreaterThanOrEqual(0.93);
      expect(f.throttledShare).toBeLessThanOrEqual(0.05);
      expect(f.peakOpen).toBe(maxOpen);
    });
});

describe("a cap that rises", () => {
  it("is found again by the held cap's probe: the endgame is reckoned at the rate the cap allows, not the pace", async () => {
    // 200/s at a cap of 8 for 5 s, then 400/s at 16: 1,000 + 3,000 rows, 12.5 s at best. The
    // cap's 429s never cut the pace, and reckoned at it the rows left would always fit in one
    // Retry-After: the probe one above a held cap never went, and the run stayed at 8 (20 s).
    const f = await runAtLatency(
      "cap 8, ×2 after 5 s",
      { kind: "max-open", maxOpen: 8, change: { afterSeconds: 5, factor: 2 } },
      4_000,
    );
    expect(f.failedRows).toBe(0);
    expect(f.peakOpen).toBe(16);
    expect(f.runMs).toBeLessThan(14_500);
    expect(f.throttledShare).toBeLessThanOrEqual(0.05);
  });
});

describe("a bucket and a cap at once", () => {
  it("the bucket binds (40/s, cap 8 allows 200/s): the bucket's rate, the cap never exceeded", async () => {
    const f = await runAtLatency(
      "bucket 40/s burst 10 and cap 8",
      { perSecond: 40, burst: 10, retryAfterSeconds: 1, maxOpen: 8 },
      2_400,
    );
    expect(f.failedRows).toBe(0);
    expect(f.share).toBeGreaterThanOrEqual(0.95);
    expect(f.throttledShare).toBeLessThanOrEqual(0.05);
    expect(f.peakOpen).toBeLessThanOrEqual(8);
  });

  it("the cap binds (cap 4 allows 100/s, bucket 200/s): the cap held, the pace not cut for it", async () => {
    const f = await runAtLatency(
      "bucket 200/s burst 10 and cap 4",
      { perSecond: 200, burst: 10, retryAfterSeconds: 1, maxOpen: 4 },
      6_000,
    );
    expect(f.failedRows).toBe(0);
    expect(f.share).toBeGreaterThanOrEqual(0.93);
    expect(f.throttledShare).toBeLessThanOrEqual(0.05);
    expect(f.peakOpen).toBe(4);
  });
});

describe("the endgame", () => {
  // 1,200 rows at 40/s are 30 s: every row is within one Retry-After of the end. A probe's 429
  // makes its row wait 30 s after everyone else is done; without probing, the last 429 is the
  // opening burst's, whose rows are back before the rest are done.
  const endgameCase = (endgame: boolean) =>
    runRateCase({
      name: `bucket 40/s burst 10 Retry-After 30 s, 1,200 rows, endgame ${endgame}`,
      limit: { perSecond: 40, burst: 10, retryAfterSeconds: 30 },
      concurrency: 32,
      rows: 1_200,
      endgame,
    });
  /** When the run's last refused request started (virtual ms). */
  const lastRefused = (f: RateFigures) => Math.max(...f.starts.filter((s) => !s.accepted).map((s) => s.at));

  it("stops probing once the rows left fit in one Retry-After: the last 429 comes early", async () => {
    const [rule, without] = [await endgameCase(true), await endgameCase(false)];
    expect(lastRefused(rule)).toBeLessThan(5_000);
    expect(lastRefused(without)).toBeGreaterThan(10_000);
    expect(rule.share).toBeGreaterThanOrEqual(0.95);
    expect(without.share).toBeLessThan(0.7);
    // 31.2 s against 45.0 s (30.7 against 46.3 while the slow start's first 429s, at levels no
    // answer had reached, were read as a cap's: a 30 s Retry-After is no cap's).
    expect(rule.runMs).toBeLessThan(without.runMs - 10_000);
  });

  it("stays under the measured rate: a bucket's tokens are not drained into a 429 in the last Retry-After", async () => {
    // 1,600 rows at 40/s are 40 s, the last 30 of them the endgame. At the measured rate itself
    // (high by one request over its span) 8 of these 16 runs drew a 429 at 19-32 s, each the
    // run's last by 30 s (0.60-0.76 of the limit); with the margin the last came at 3.2-4.5 s (0.98).
    for (const burst of [10, 100]) {
      for (let seed = 1; seed <= 8; seed++) {
        const name = `bucket 40/s burst ${burst} Retry-After 30 s, 1,600 rows, seed ${seed}`;
        const f = await runRateCase({
          name,
          limit: { perSecond: 40, burst, retryAfterSeconds: 30 },
          concurrency: 32,
          rows: 1_600,
          seed,
        });
        expect(lastRefused(f) - f.starts[0].at, name).toBeLessThan(10_000);
        expect(f.share, name).toBeGreaterThanOrEqual(0.95);
      }
    }
  });

  it("widens a bucket of one token's spacing by milliseconds, not by a share: at 40/s, 5 ms more", async () => {
    // Requests reach the API a millisecond or a few late or early (either event loop), so a pace
    // 3 % under a 25 ms spacing (0.75 ms) drew 429s to the end of real runs against 40/s with a
    // 30 s Retry-After, each one the run's last by 30 s. Virtual time has no jitter: the spacing
    // shows the margin itself.
    const f = await runRateCase({
      name: "bucket 40/s burst 1 Retry-After 30 s, 2,400 rows",
      limit: { perSecond: 40, burst: 1, retryAfterSeconds: 30 },
      concurrency: 32,
      rows: 2_400,
    });
    const accepted = f.starts.filter((s) => s.accepted).map((s) => s.at);
    const medianGap = (from: number, to: number) => {
      const within = accepted.filter((at) => at >= from && at < to);
      const gaps = within.slice(1).map((at, i) => at - within[i]);
      return gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    };
    const last = accepted[accepted.length - 1];
    // Before the endgame at the spacing (25 ms), in its last 20 s at 30 ms (25.8 ms with 3 %).
    expect(medianGap(10_000, 25_000)).toBeLessThan(26);
    expect(medianGap(last - 20_000, last)).toBeGreaterThanOrEqual(29.5);
    expect(f.share).toBeGreaterThanOrEqual(0.9);
  });
});

describe("the endgame's measuring switch (docs/performance.md)", () => {
  it("MCA_CONFIRM_ENDGAME=off turns the rule off; anything else leaves the default (on)", () => {
    expect(endgameSwitch({ MCA_CONFIRM_ENDGAME: "off" })).toBe(false);
    expect(endgameSwitch({})).toBeUndefined();
    expect(endgameSwitch({ MCA_CONFIRM_ENDGAME: "on" })).toBeUndefined();
    expect(endgameSwitch({ MCA_CONFIRM_ENDGAME: "OFF " })).toBeUndefined();
  });
});

describe("telling a cap's 429 from a rate limiter's (open-limit.ts)", () => {
  it("a 429 above every level just accepted is a cap's: the limit goes one under it", () => {
    const cap = createOpenLimit();
    const levels = [cap.started(), cap.started(), cap.started(), cap.started()];
    expect(levels).toEqual([1, 2, 3, 4]);
    expect(cap.answered(4, 0, true, 1)).toBe(true); // refused at 4, nothing accepted there
    expect(cap.cap).toBe(3);
    for (const level of [1, 2, 3]) expect(cap.answered(level, 0, false, 40)).toBe(false);
    expect(cap.open).toBe(0);
    expect(cap.allowed(41, false)).toBe(3);
    expect(cap.allowed(1_000, false)).toBe(4); // a probe one above, soon while seen only once
    expect(cap.allowed(1_000, true)).toBe(3); // never in the endgame
  });

  it("a 429 that asks for more than a second is a rate limiter's, however high its level", () => {
    // A closed window's 429s at the run's top level, again and again, with nothing accepted while
    // it is closed: a cap's by level, but a cap frees a place within a second, and these ask for 3.
    const cap = createOpenLimit();
    for (let i = 0; i < 32; i++) cap.started();
    for (let level = 1; level <= 28; level++) cap.answered(level, 0, false, 10);
    for (let i = 0; i < 4; i++) expect(cap.answered(32 - i, 5, true, 20 + i, 3_000)).toBe(false);
    expect(cap.cap).toBeUndefined();
    // The same 429s asking for a second: the cap's (one under the lowest level refused).
    const again = createOpenLimit();
    for (let i = 0; i < 32; i++) again.started();
    for (let level = 1; level <= 28; level++) again.answered(level, 0, false, 10);
    expect(again.answered(32, 5, true, 20, 1_000)).toBe(true);
    expect(again.cap).toBe(31);
  });

  it("a 429 where requests were just accepted is a rate limiter's, and clears a cap seen once", () => {
    const cap = createOpenLimit();
    for (let i = 0; i < 4; i++) cap.started();
    cap.answered(1, 0, false, 10);
    cap.answered(2, 0, false, 10);
    cap.answered(3, 0, false, 10);
    expect(cap.answered(4, 0, true, 11)).toBe(true);
    cap.started();
    cap.started();
    expect(cap.answered(2, 20, true, 30)).toBe(false); // level 2 was accepted a moment ago
    expect(cap.cap).toBeUndefined();
  });

  it("a probe accepted while an answer was on its way raises the limit only until the next 429 above the old one", () => {
    const cap = createOpenLimit();
    for (let i = 0; i < 9; i++) cap.started();
    for (let level = 1; level <= 8; level++) cap.answered(level, 0, false, 10);
    expect(cap.answered(9, 0, true, 11)).toBe(true);
    expect(cap.cap).toBe(8);
    // 250 ms on, the probe one above: the API had sent an answer the client had yet to read.
    for (let i = 0; i < 9; i++) cap.started();
    for (let level = 1; level <= 9; level++) cap.answered(level, 300, false, 320);
    expect(cap.cap).toBe(9);
    // Level 9 was just accepted, yet its next 429 is the cap's: the limit goes back, now held.
    cap.started();
    expect(cap.answered(9, 330, true, 331)).toBe(true);
    expect(cap.cap).toBe(8);
    expect(cap.allowed(1_000, false)).toBe(8); // held: the next probe only after HOLD_PROBE_MS
  });

  it("429s again and again at the run's top level are a cap's, though that level was accepted now and then", () => {
    const cap = createOpenLimit();
    // A second of answers at levels 1–16, and two at 17: answers on their way when those started.
    answersUpTo(cap, 16, 96);
    cap.answered(17, 0, false, 500);
    cap.answered(17, 0, false, 700);
    expect(cap.answered(17, 900, true, 950)).toBe(false); // level 17 was just accepted
    expect(cap.answered(18, 900, true, 1_000)).toBe(false); // a rate limiter's 429s a moment ago
    expect(cap.answered(17, 1_050, true, 1_100)).toBe(true); // the third at 17–18: a cap's
    expect(cap.cap).toBe(16);
  });

  it("a window's 429s at its close, one level after another down, are no cap's", () => {
    const cap = createOpenLimit();
    // A second of answers at levels 1–8, and one each at 9 and 10.
    answersUpTo(cap, 8, 98);
    cap.answered(9, 0, false, 800);
    cap.answered(10, 0, false, 800);
    // Started together at levels up to 12, refused as they come: 9 after 12 and 11.
    expect(cap.answered(12, 900, true, 901)).toBe(true); // above every level accepted: a cap seen once
    expect(cap.answered(11, 900, true, 901)).toBe(true);
    expect(cap.answered(9, 900, true, 902)).toBe(false); // reached by 2 % of the second's answers
    expect(cap.cap).toBeUndefined();
  });

  it("levels 1 and 2 are never a cap: a bucket of one token refuses the second of two close requests", () => {
    const cap = createOpenLimit();
    cap.started();
    cap.started();
    expect(cap.answered(2, 0, true, 1)).toBe(false);
    expect(cap.cap).toBeUndefined();
  });

  it("a request that started and was never answered frees its place", async () => {
    const clock = virtualClock();
    const rc = createRateController({ clock });
    // Slow start lets the first requests go; a 429 at level 3 teaches a cap of 2.
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) void rc.acquire().then((t) => starts.push(t));
    await clock.advanceTo(1_000);
    expect(starts).toHaveLength(3);
    rc.onAnswer(false, undefined, starts[1]); // level 2 accepted (level 1 stays open)
    rc.onAnswer(true, 1_000, starts[2]); // level 3 refused: a cap of 2, one still open
    expect(rc.throttled).toBe(1);
    const later: number[] = [];
    for (let i = 0; i < 2; i++) void rc.acquire().then((t) => later.push(t));
    await clock.advanceTo(1_200);
    expect(later).toHaveLength(1); // one open and one more: the cap of 2 is full
    rc.unanswered(starts[0]);
    await clock.advanceTo(1_210); // before a probe one above the cap would be allowed (1,250)
    expect(later).toHaveLength(2);
  });
});
