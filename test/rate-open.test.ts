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
