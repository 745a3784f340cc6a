// A cap on open requests (an API gateway's concurrency limit: 429, Retry-After 1, whenever more
// than N requests are in flight, whatever the rate), in virtual time against the simulator's own
// limiter: the run learns the cap and holds its requests in flight there (src/run/rate-open.ts).
import { describe, expect, it } from "vitest";
import { runRateCase } from "./helpers/rate-harness.js";

const LATENCY: [number, number] = [20, 60];

describe("a cap on open requests", () => {
  for (const maxOpen of [4, 8, 16])
    it(`cap ${maxOpen}, 20–60 ms: at least 0.93 of cap ÷ mean latency, at most 5 % answered 429`, async () => {
      const rows = Math.round((maxOpen / 0.04) * 60); // a minute at the cap
      const f = await runRateCase({
        name: `cap ${maxOpen}`,
        limit: { kind: "max-open", maxOpen },
        concurrency: 32,
        rows,
        latencyMs: LATENCY,
      });
      console.log(
        `cap ${maxOpen}: share ${f.share.toFixed(3)}, 429 ${(f.throttledShare * 100).toFixed(2)} %, peak ${f.peakOpen}`,
      );
      expect(f.failedRows).toBe(0);
      expect(f.share).toBeGreaterThanOrEqual(0.93);
      expect(f.throttledShare).toBeLessThanOrEqual(0.05);
      expect(f.peakOpen).toBe(maxOpen);
    });
});

describe("a bucket and a cap at once", () => {
  it("the bucket binds (40/s, cap 8 allows 200/s): the bucket's rate, the cap never exceeded", async () => {
    const f = await runRateCase({
      name: "bucket 40/s burst 10 and cap 8",
      limit: { perSecond: 40, burst: 10, retryAfterSeconds: 1, maxOpen: 8 },
      concurrency: 32,
      rows: 2_400,
      latencyMs: LATENCY,
    });
    expect(f.failedRows).toBe(0);
    expect(f.share).toBeGreaterThanOrEqual(0.95);
    expect(f.throttledShare).toBeLessThanOrEqual(0.05);
  });

  it("the cap binds (cap 4 allows 100/s, bucket 200/s): the cap held, the pace not cut for it", async () => {
    const f = await runRateCase({
      name: "bucket 200/s burst 10 and cap 4",
      limit: { perSecond: 200, burst: 10, retryAfterSeconds: 1, maxOpen: 4 },
      concurrency: 32,
      rows: 6_000,
      latencyMs: LATENCY,
    });
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

  it("stops probing once the rows left fit in one Retry-After: the last 429 comes early", async () => {
    const [rule, without] = [await endgameCase(true), await endgameCase(false)];
    const lastRefused = (f: typeof rule) => Math.max(...f.starts.filter((s) => !s.accepted).map((s) => s.at));
    expect(lastRefused(rule)).toBeLessThan(5_000);
    expect(lastRefused(without)).toBeGreaterThan(10_000);
    expect(rule.share).toBeGreaterThanOrEqual(0.95);
    expect(without.share).toBeLessThan(0.7);
    expect(rule.runMs).toBeLessThan(without.runMs - 15_000);
  });
});
