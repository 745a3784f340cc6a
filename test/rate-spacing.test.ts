// The token spacing of a burst-1 bucket (src/engine/rate/token-spacing.ts), read from accepted and refused
// gaps, against the simulator's own TokenBucket.
import { describe, expect, it } from "vitest";
import { createTokenSpacing } from "../src/engine/rate/token-spacing.js";
import { TokenBucket } from "../src/simulator/limiter.js";

/** Sends one request every `gapMs` (in order, answered at once) and returns how many were accepted. */
function send(
  spacing: ReturnType<typeof createTokenSpacing>,
  bucket: TokenBucket,
  clock: { t: number },
  gapsMs: number[],
): number {
  let accepted = 0;
  for (const gap of gapsMs) {
    clock.t += gap;
    spacing.started(clock.t);
    const ok = bucket.take() === 0;
    if (ok) accepted++;
    spacing.answered(clock.t, ok, clock.t);
  }
  return accepted;
}

describe("token spacing", () => {
  it("brackets a burst-1 bucket's interval and proves a pace just under its rate", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const spacing = createTokenSpacing();
    // Paced a little under 40/s, then a little over it, then under again.
    send(spacing, bucket, clock, [...Array<number>(30).fill(25.4), ...Array<number>(3).fill(24.6)]);
    send(spacing, bucket, clock, Array<number>(10).fill(25.1));
    const proven = spacing.provenRate()!;
    expect(proven).toBeGreaterThan(39.5);
    expect(proven).toBeLessThanOrEqual(40);
  });

  it("says nothing before 20 accepted gaps and a refusal", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const spacing = createTokenSpacing();
    send(spacing, bucket, clock, Array<number>(30).fill(26));
    expect(spacing.provenRate()).toBeUndefined();
  });

  it("is never used against a bucket with a larger burst", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 10 }, () => clock.t);
    const spacing = createTokenSpacing();
    // The burst lets a fast opening through; later refusals come at longer gaps than it had.
    send(spacing, bucket, clock, Array<number>(15).fill(5));
    send(spacing, bucket, clock, [...Array<number>(60).fill(25.5), ...Array<number>(40).fill(24)]);
    expect(spacing.provenRate()).toBeUndefined();
  });

  it("is dropped for the rest of the run once a request at the proven spacing is refused", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const spacing = createTokenSpacing();
    send(spacing, bucket, clock, [...Array<number>(30).fill(25.4), 24.6, 25.4]);
    expect(spacing.provenRate()).toBeDefined();
    spacing.disproved();
    send(spacing, bucket, clock, [...Array<number>(30).fill(25.4), 24.6, 25.4]);
    expect(spacing.provenRate()).toBeUndefined();
  });

  it("skips a start whose answer never comes", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const spacing = createTokenSpacing();
    clock.t = 10;
    spacing.started(clock.t); // never answered: the run stopped it
    send(spacing, bucket, clock, [...Array<number>(30).fill(25.4), 24.6, 25.4]);
    expect(spacing.provenRate()).toBeUndefined(); // still waiting for the first answer
    clock.t += 60_000;
    send(spacing, bucket, clock, [25.4]);
    expect(spacing.provenRate()).toBeDefined();
  });
});
