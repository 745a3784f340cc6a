// The ordered row window's span (src/engine/row-window.ts): rows held for ordered writing follow
// pace × the longest Retry-After, never fewer than the fixed span of before, never more than
// MAX_HELD_ROWS; the engine-level part with a fake pace, the whole-run part in virtual time
// (test/helpers/rate-run.ts: the engine's gate, calls, pace and window against the simulator's
// limiters).
import { describe, expect, it } from "vitest";
import {
  createWindow,
  heldRowsCeiling,
  MAX_HELD_ROWS,
  windowSpan,
  type RunPace,
} from "../src/engine/row-window.js";
import { runRateCase } from "./helpers/rate-run.js";

/** A pace the test sets, in place of the rate controller. */
function fakePace(ratePerSecond: number | undefined, longestRetryAfterMs: number): RunPace {
  return { ratePerSecond, longestRetryAfterMs };
}

/** Reads rows while the oldest one stays unfinished: how many fit before the reader must wait. */
function rowsReadAhead(window: ReturnType<typeof createWindow>, from: number): number {
  // Bounded by the ceiling and a bit.
  let row = from;
  while (row < MAX_HELD_ROWS * 2 && window.waitForRoom(row) === undefined) row++;
  return row - 1;
}

describe("the row window's span", () => {
  it("is the fixed span of before until an answer asks to wait", () => {
    expect(windowSpan(8)).toBe(2048);
    expect(windowSpan(64)).toBe(4096);
    expect(windowSpan(8, fakePace(200, 0))).toBe(2048);
    expect(windowSpan(8, fakePace(undefined, 0))).toBe(2048);
  });

  it("holds pace × the longest Retry-After, with a margin, never less than before", () => {
    // 200/s for 30 s: 6,000 rows go by while a throttled row sleeps; a quarter over.
    expect(windowSpan(8, fakePace(200, 30_000))).toBe(7_500);
    expect(windowSpan(64, fakePace(200, 30_000))).toBe(7_500);
    // A slow pace or a short wait: the fixed span is already enough.
    expect(windowSpan(8, fakePace(40, 1_000))).toBe(2048);
    expect(windowSpan(64, fakePace(40, 30_000))).toBe(4096);
  });

  it("never holds more than MAX_HELD_ROWS, whatever the pace and Retry-After", () => {
    expect(windowSpan(8, fakePace(1_000, 600_000))).toBe(MAX_HELD_ROWS);
    // Nothing limits the pace (the API answers as fast as it can): only the ceiling bounds it.
    expect(windowSpan(8, fakePace(undefined, 30_000))).toBe(MAX_HELD_ROWS);
    expect(windowSpan(256, fakePace(1e9, 1e9))).toBe(MAX_HELD_ROWS);
  });

  it("holds fewer rows of wide lines, never fewer than the fixed span", () => {
    // Typical rows (the generated file's 117 bytes): the ceiling in rows binds.
    expect(heldRowsCeiling(117)).toBe(MAX_HELD_ROWS);
    expect(heldRowsCeiling()).toBe(MAX_HELD_ROWS);
    // 2 KB rows: about 2.9 KB of heap each, the same 18 MB.
    expect(heldRowsCeiling(2_117)).toBe(6_583);
    // Lines of 256 KiB (the longest a file may have): the fixed span of before, not less.
    const widest = heldRowsCeiling(262_144);
    expect(widest).toBeLessThan(100);
    expect(windowSpan(8, fakePace(200, 30_000), widest)).toBe(2048);
    expect(windowSpan(8, fakePace(1_000, 60_000), heldRowsCeiling(2_117))).toBe(6_583);
  });

  it("a reader ahead of an unfinished row stops at the span the pace gives, and goes on when it grows", async () => {
    // Row 1 never finishes: the oldest unfinished row, as a row sleeping its Retry-After.
    const window = createWindow({ concurrency: 8, nextRow: () => 1 });
    expect(rowsReadAhead(window, 2)).toBe(2048);
    const pace = { ratePerSecond: 200 as number | undefined, longestRetryAfterMs: 30_000 };
    window.follow(pace);
    expect(rowsReadAhead(window, 2049)).toBe(7_500);
    // The pace climbs back while the row sleeps: the waiting reader is let through at the next
    // finished attempt.
    const waiting = window.waitForRoom(7_501);
    expect(waiting).toBeInstanceOf(Promise);
    pace.ratePerSecond = 400;
    window.demand(1);
    window.demand(-1);
    await waiting;
    expect(rowsReadAhead(window, 7_501)).toBe(15_000);
    // A fast pace and a long Retry-After: held at the ceiling.
    pace.ratePerSecond = 1_000;
    pace.longestRetryAfterMs = 600_000;
    expect(rowsReadAhead(window, 15_001)).toBe(MAX_HELD_ROWS);
    expect(window.waitForWorker(MAX_HELD_ROWS + 1)).toBeInstanceOf(Promise);
  });

  it("a run of wide rows stops reading ahead at its own ceiling", () => {
    const window = createWindow({ concurrency: 8, nextRow: () => 1, rowBytes: 2_117 });
    window.follow(fakePace(1_000, 600_000));
    expect(rowsReadAhead(window, 2)).toBe(6_583);
  });
});

describe("whole runs with a long Retry-After (virtual time)", () => {
  it("a 200/s bucket with Retry-After 30 s reads ahead what 30 s at its pace needs, and no more", async () => {
    const f = await runRateCase({
      name: "200/s burst 10 Retry-After 30 s",
      limit: { perSecond: 200, burst: 10, retryAfterSeconds: 30 },
      concurrency: 32,
      seconds: 120,
    });
    // Beyond the fixed 2,048 that stalled the run (6,057 read ahead: 30 s at 200/s and the
    // row's time in the queue), within 200/s × 30 s × 1.25.
    expect(f.peakAhead).toBeGreaterThan(6_000);
    expect(f.peakAhead).toBeLessThan(7_500);
    expect(f.throttled).toBeGreaterThan(0);
    expect(f.failedRows).toBe(0);
  });

  it("a fast pace and a Retry-After of a minute hold at most MAX_HELD_ROWS", async () => {
    // 1,000/s for 60 s would want 75,000 rows held: the ceiling holds it at 20,000.
    const f = await runRateCase({
      name: "1000/s burst 10 Retry-After 60 s",
      limit: { perSecond: 1_000, burst: 10, retryAfterSeconds: 60 },
      concurrency: 64,
      rows: 60_000,
    });
    expect(f.throttled).toBeGreaterThan(0);
    // The window filled to its ceiling and no further (a row fits while fewer are ahead of it).
    expect(f.peakAhead).toBe(MAX_HELD_ROWS - 1);
    expect(f.failedRows).toBe(0);
  });
});
