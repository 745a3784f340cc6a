// The window budget (src/engine/rate/window-budget.ts) on its own: what it learns from a window limiter's
// Retry-After countdown and the run's own acceptances, and when it lets the next request start.
import { describe, expect, it } from "vitest";
import { createWindowBudget } from "../src/engine/rate/window-budget.js";

/** `count` starts spaced `everyMs` apart from `from`. */
function startMany(
  budget: ReturnType<typeof createWindowBudget>,
  from: number,
  count: number,
  everyMs: number,
) {
  for (let i = 0; i < count; i++) budget.started(from + i * everyMs);
}

/**
 * An opening: `count` starts `everyMs` apart from 0, then two refusals of its countdown, each
 * [start, Retry-After]; the second shows the window (the first, alone, might be a bucket's).
 */
function opening(
  count: number,
  everyMs: number,
  refusals: [[number, number], [number, number]],
): ReturnType<typeof createWindowBudget> {
  const budget = createWindowBudget();
  startMany(budget, 0, count, everyMs);
  refusals.forEach(([at, retryAfterMs], i) => {
    budget.started(at);
    budget.refused(at, retryAfterMs, i > 0);
  });
  return budget;
}

/**
 * A budget that learned N = 100 and W = 5.1 s: 100 accepted in the first 990 ms of a 5 s window,
 * then two refusals counting down to its end (W in (4.2 s, 5.2 s], then in (4.1 s, 5.1 s]).
 */
function learnedBudget(): ReturnType<typeof createWindowBudget> {
  return opening(100, 10, [
    [1_200, 4_000],
    [2_100, 3_000],
  ]);
}

/**
 * A learned budget (N = 100, W = 5.1 s), then `count` starts `everyMs` apart from 20 s, and a 429
 * at 20.5 s, with room left in the budget.
 */
function refusedAfter(count: number, everyMs: number): ReturnType<typeof createWindowBudget> {
  const budget = learnedBudget();
  expect(budget.known).toBe(true);
  startMany(budget, 20_000, count, everyMs);
  budget.started(20_500);
  budget.refused(20_500, 5_000, true);
  return budget;
}

describe("window budget", () => {
  it("learns N and W from the opening countdown and replays the acceptances one window later", () => {
    const budget = learnedBudget();
    expect(budget.known).toBe(true);
    // Full: the next start waits until the oldest acceptance (at 0) leaves the window.
    expect(budget.freeAt(2_200)).toBe(5_100);
    // The 100th most recent start is the one at 0 until it leaves; then the one at 10 ms.
    budget.started(5_100);
    expect(budget.freeAt(5_100)).toBe(5_110);
  });

  it("learns nothing from a bucket's constant Retry-After", () => {
    const budget = createWindowBudget();
    startMany(budget, 0, 50, 20);
    for (const at of [1_000, 1_500, 2_500]) {
      budget.started(at);
      budget.refused(at, 1_000, false);
    }
    expect(budget.known).toBe(false);
    expect(budget.freeAt(3_000)).toBe(0);
  });

  it("does not trust a window in which the run had accepted fewer than 20 requests", () => {
    const budget = opening(5, 100, [
      [1_000, 57_000],
      [3_000, 55_000],
    ]);
    expect(budget.known).toBe(false);
  });

  it("lowers N to what the window took since it was last seen closing, if far fewer (a lowered limit)", () => {
    // Later, a refusal with only 40 accepted since the window last closed (at 4.1 s at least).
    const budget = refusedAfter(40, 10);
    expect(budget.known).toBe(true);
    expect(budget.perSecond).toBeCloseTo(40 / 5.1, 6);
    // The 40 fill it: the next start waits until the oldest of them leaves.
    expect(budget.freeAt(20_600)).toBe(20_000 + 5_100);
  });

  it("drops the budget when refused with room left after more than 60 % of N since the window closed", () => {
    // Other clients of the tenant, or a sliding window learned short: 70 of 100 is no N to go on
    // with (lowered to it, such a run was held at 75 % of its limit).
    expect(refusedAfter(70, 5).known).toBe(false);
  });

  it("lowers N to what a window took when it closed 0.5-3 s short of W after the last closing", () => {
    // The next window of a fixed one whose opening counted two windows: the learned W is up to 2 s
    // long, so that window closes short of W after the last closing. 70 of 100 is more than 60 %,
    // yet it is that window's N (dropped instead, a minute window 59 s under way ran at 0.75).
    const closing = (retryAfterMs: number) => {
      const budget = learnedBudget(); // its closing ends by 5.104 s (2.1 s + 3 s + 4 ms to arrive)
      startMany(budget, 5_200, 70, 5);
      budget.started(6_000);
      budget.refused(6_000, retryAfterMs, true);
      return budget;
    };
    const fixed = closing(3_000); // ends by 9 s: 3.9 s after the last closing, 1.2 s short of W (5.1 s)
    expect(fixed.known).toBe(true);
    expect(fixed.perSecond).toBeCloseTo(70 / 5.1, 6);
    // 0.2 s short of W (a busy sliding window closes W apart), or 3.2 s short (more than an opening
    // over two windows adds): no next window of a fixed one, the budget is dropped.
    expect(closing(4_000).known).toBe(false);
    expect(closing(1_000).known).toBe(false);
    expect(closing(1_500).known).toBe(true); // 2.7 s short
  });

  it("measures W again, once, when the window freed earlier than the run's requests within W could leave it", () => {
    // A sliding window of 120 per 20 s that held 70 of another client's requests from 8 s before
    // the run: the opening's countdown ends when theirs leave (12 s), and it learns 50 per 12.6 s.
    const opened = () => {
      const budget = opening(50, 10, [
        [600, 12_000],
        [1_600, 11_000],
      ]);
      expect(budget.perSecond).toBeCloseTo(50 / 12.6, 6);
      startMany(budget, 12_600, 50, 10); // the replay
      budget.started(13_200);
      return budget;
    };
    // Refused with a Retry-After that ends the window by 20.2 s, 5 s before the oldest of the run's
    // requests within the learned W (12.6 s) could leave it: the run's first one leaves then.
    const longer = opened();
    longer.refused(13_200, 7_000, true);
    expect(longer.known).toBe(true);
    expect(longer.perSecond).toBeCloseTo(100 / 20.204, 6);
    expect(longer.freeAt(13_300)).toBeCloseTo(20_204, 6);
    // Once in a run: a window that closes early again is not measured again (it would be 130 per
    // 27.4 s here, from the run's first start) but read as any 429 with room left: 30 since the
    // last closing, at most 60 % of N, is the N to go on with.
    startMany(longer, 26_000, 30, 10);
    longer.started(26_400);
    longer.refused(26_400, 1_000, true);
    expect(longer.perSecond).toBeCloseTo(30 / 20.204, 6);
    // 2.2 s early is within what an opening over two windows of a fixed one adds: not read so.
    const near = opened();
    near.refused(13_200, 9_800, true);
    expect(near.perSecond ?? 0).not.toBeCloseTo(100 / 23.004, 3);
  });

  it("drops the budget when refused with room left after fewer than 20 since the window closed", () => {
    const budget = refusedAfter(10, 10);
    expect(budget.known).toBe(false);
    expect(budget.freeAt(20_600)).toBe(0);
  });

  it("takes refusals of one closing together: one refused with another is no room left", () => {
    const budget = learnedBudget();
    // The next window: 99 accepted, then two requests started at the same moment, both refused.
    // The first refusal counts the second (still in flight): 100, the budget full. The second
    // counts 99, as if there were room; since the first said the window is closed until 9.09 s
    // nothing was accepted, and read alone that dropped the budget.
    startMany(budget, 5_100, 99, 10);
    budget.started(6_090);
    budget.started(6_090);
    budget.refused(6_090, 4_000, true);
    budget.refused(6_090, 4_000, true);
    expect(budget.known).toBe(true);
    // What the closing took, 99, is the N to go on with.
    expect(budget.perSecond).toBeCloseTo(99 / 5.1, 6);
    // Refused in that window's last second (it is full), then 150 ms later, within what its
    // Retry-After of 1 s leaves open: the same closing, though the last W (5.1 s) no longer
    // reaches the oldest of the window's 99 (94 in it): no room left, and N stays.
    budget.started(10_100);
    budget.refused(10_100, 1_000, true);
    budget.started(10_250);
    budget.refused(10_250, 1_000, true);
    expect(budget.known).toBe(true);
    expect(budget.perSecond).toBeCloseTo(99 / 5.1, 6);
  });

  it("doubles after two windows without a refusal, to find a raised limit", () => {
    const budget = learnedBudget();
    // Two windows (10.2 s) after the last refusal the budget is 200: 199 more fit in 5.1 s.
    expect(budget.freeAt(12_400)).toBe(0);
    startMany(budget, 12_400, 199, 1);
    expect(budget.freeAt(12_600)).toBe(0);
    budget.started(12_600);
    expect(budget.freeAt(12_601)).toBe(12_400 + 5_100);
    // Refused at 200 while probing: the budget is measured again, at 200.
    budget.started(12_700);
    budget.refused(12_700, 5_000, true);
    expect(budget.known).toBe(true);
    expect(budget.freeAt(12_800)).toBe(12_400 + 5_100);
  });

  it("measures W again when a fixed window was under way at the start, finding its end with probes", () => {
    // A fixed window of 100 per 5 s begun 1.5 s before the run: it ends at 3.5 s, 8.5 s, 13.5 s.
    const end = (t: number) => (t < 3_500 ? 3_500 : t < 8_500 ? 8_500 : 13_500);
    const retryAfter = (t: number) => Math.ceil((end(t) - t) / 1_000) * 1_000;
    const budget = opening(100, 10, [
      [1_200, retryAfter(1_200)],
      [2_600, retryAfter(2_600)],
    ]);
    // The opening says W ≤ 3.6 s; the next window's 100 replay the first's from 3.6 s.
    expect(budget.freeAt(2_700)).toBe(3_600);
    startMany(budget, 3_600, 100, 10);
    // The budget lets the first of them be replayed at 7.2 s: refused, with room left in it.
    expect(budget.freeAt(7_200)).toBe(0);
    budget.started(7_200);
    budget.refused(7_200, retryAfter(7_200), true);
    expect(budget.known).toBe(true);
    expect(budget.sharpening).toBe(true);
    // Single probes until the end is found; everyone else waits for them.
    let now = 7_201;
    const probes: number[] = [];
    for (let i = 0; i < 20 && budget.sharpening; i++) {
      const at = Math.max(now, budget.freeAt(now));
      if (budget.freeAt(at) > at) {
        now = at + 1; // a probe is out: nothing else starts
        continue;
      }
      probes.push(at);
      budget.started(at);
      if (at < 8_500) budget.refused(at, retryAfter(at), true);
      else budget.accepted(at);
      now = at + 1;
    }
    expect(budget.sharpening).toBe(false);
    expect(probes.length).toBeLessThanOrEqual(8);
    // The first probe, a whole second before the middle of (8.2 s, 9.2 s], halves it by its Retry-After.
    expect(probes[0]).toBe(7_700);
    // W measured from the oldest of the window's 100 (3.6 s) to the end found: the window's
    // second start (3.61 s) is replayed just after 8.5 s, not at 7.21 s.
    const next = budget.freeAt(now);
    expect(next).toBeGreaterThanOrEqual(8_500);
    expect(next).toBeLessThanOrEqual(8_600);
  });

  it("an opening of fewer than 20 learns no N, and the next closing learns it as any closing does", () => {
    // 5 accepted, then a countdown: W is learned (1.1 s), N is not (5 is too few to trust).
    const budget = opening(5, 10, [
      [100, 1_000],
      [150, 1_000],
    ]);
    expect(budget.known).toBe(false);
    // 30 accepted in a later window, then its closing: N is what the last W took, and W stays.
    startMany(budget, 2_000, 30, 10);
    budget.started(2_300);
    budget.refused(2_300, 1_000, true);
    expect(budget.known).toBe(true);
    expect(budget.perSecond).toBeCloseTo((30 * 1000) / 1_100, 6);
    // (Checked as the opening's next closing, its N was taken as undefined less 30: W became NaN,
    // and the run drew 2,792 refusals from a sliding window of 1,200 per minute.)
    expect(budget.freeAt(2_310)).toBe(2_000 + 1_100);
  });
});
