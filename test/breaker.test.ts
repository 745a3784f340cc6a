// The run-wide circuit breaker (src/engine/breaker.ts) in virtual time: when it opens, how it
// probes, when it closes, and that an outage longer than --outage-timeout stops the run.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../src/log.js";
import { createBreaker, type Breaker } from "../src/engine/breaker.js";
import type { Clock } from "../src/engine/clock.js";
import { createRunStop, type RunStop } from "../src/engine/stop.js";
import { virtualClock } from "./helpers/virtual-clock.js";

function breakerFor(clock: Clock, outageTimeoutMs: number): { breaker: Breaker; stop: RunStop } {
  const stop = createRunStop(silentLogger);
  return { breaker: createBreaker({ clock, outageTimeoutMs, stop }), stop };
}

/** Answers to requests that went out while the breaker was closed (none of them a probe). */
function record(breaker: Breaker, faults: boolean[]): void {
  for (const fault of faults) breaker.record(fault, false);
}

/**
 * `count` workers each waiting in admit(), with the virtual time each was let through: as the
 * probe, or released because the run stopped.
 */
function waiters(
  breaker: Breaker,
  stop: RunStop,
  clock: { now(): number },
  count: number,
  collected = { admitted: [] as number[], stopped: [] as number[] },
) {
  const { admitted, stopped } = collected;
  for (let i = 0; i < count; i++) {
    void breaker.admit().then(() => (stop.signal.aborted ? stopped : admitted).push(clock.now()));
  }
  return { admitted, stopped };
}

describe("circuit breaker", () => {
  it("stays closed through scattered faults and bursts shorter than its window", async () => {
    const clock = virtualClock();
    const { breaker: b } = breakerFor(clock, 600_000);
    for (let i = 0; i < 200; i++) b.record(i % 2 === 0, false); // half the attempts fail
    expect(b.open).toBe(false);
    record(b, [true, true, true, true, true, true, false, false]); // a short burst of 5xx
    expect(b.open).toBe(false);
    await b.admit(); // no waiting
  });

  it("opens when most recent attempts failed and then lets one probe through at a time", async () => {
    const clock = virtualClock();
    const { breaker: b, stop } = breakerFor(clock, 600_000);
    record(
      b,
      Array.from({ length: 10 }, () => true),
    );
    expect(b.open).toBe(true);
    const w = waiters(b, stop, clock, 8);
    await clock.advanceTo(1_999);
    expect(w.admitted).toEqual([]); // nothing is sent while open
    await clock.advanceTo(2_500);
    expect(w.admitted).toEqual([2_000]); // one probe after 2 s
    expect(b.open).toBe(true);
    b.record(true, true); // the probe failed: next one after 4 s
    await clock.advanceTo(5_999);
    expect(w.admitted).toHaveLength(1);
    await clock.advanceTo(6_500);
    expect(w.admitted).toHaveLength(2);
    b.record(false, true); // the probe got an answer: the API is back, everyone goes
    await clock.advanceTo(7_000);
    expect(b.open).toBe(false);
    expect(w.admitted).toHaveLength(8);
  });

  it("doubles the wait between failed probes up to a minute", async () => {
    const clock = virtualClock();
    const { breaker: b } = breakerFor(clock, 3_600_000);
    record(
      b,
      Array.from({ length: 10 }, () => true),
    );
    const probes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const p = b.admit().then(() => probes.push(clock.now()));
      for (let s = 0; s < 200 && probes.length === i; s++) await clock.advanceTo(clock.now() + 1_000);
      await p;
      b.record(true, true);
    }
    const gaps = probes.map((t, i) => t - (i === 0 ? 0 : probes[i - 1]));
    expect(gaps).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it("stops the run once the outage outlasts --outage-timeout, and says what to do", async () => {
    const clock = virtualClock();
    const { breaker: b, stop } = breakerFor(clock, 120_000);
    await clock.advanceTo(10_000);
    record(
      b,
      Array.from({ length: 12 }, () => true),
    );
    const w = waiters(b, stop, clock, 4);
    // Every probe fails.
    for (let step = 0; step < 200 && w.stopped.length < 3; step++) {
      await clock.advanceTo(clock.now() + 1_000);
      if (w.admitted.length > 0) {
        w.admitted.length = 0;
        b.record(true, true);
        waiters(b, stop, clock, 1, w);
      }
    }
    expect(w.stopped.length).toBeGreaterThanOrEqual(3);
    expect(stop.reason?.kind).toBe("outage");
    expect(stop.reason?.message).toMatch(/--resume/);
    expect(stop.reason?.message).toMatch(/--outage-timeout/);
    expect(stop.reason?.message).toContain("or not at all for 2 min;");
    for (const at of w.stopped) {
      expect(at).toBeGreaterThanOrEqual(130_000);
      expect(at).toBeLessThanOrEqual(131_000);
    }
    // Stopped: nobody is let through as a probe any more.
    expect(await b.admit()).toBe(false);
  });

  it("names a short --outage-timeout in seconds, as it was given", async () => {
    const clock = virtualClock();
    const { breaker: b, stop } = breakerFor(clock, 5_000);
    record(
      b,
      Array.from({ length: 10 }, () => true),
    );
    for (let step = 0; step < 100 && !stop.signal.aborted; step++) {
      const probe = await Promise.race([b.admit(), clock.advanceTo(clock.now() + 500).then(() => false)]);
      if (probe) b.record(true, true);
    }
    expect(stop.reason?.kind).toBe("outage");
    expect(stop.reason?.message).toContain("or not at all for 5 s;");
    expect(stop.reason?.message).not.toContain("min");
  });

  it("wakes held workers at once when the run stops", async () => {
    const clock = virtualClock();
    const { breaker: b, stop } = breakerFor(clock, 600_000);
    record(
      b,
      Array.from({ length: 10 }, () => true),
    );
    let done = false;
    void b.admit().then(() => (done = true));
    await clock.advanceTo(500);
    expect(done).toBe(false);
    stop.stop("interrupted", "Ctrl-C");
    await clock.advanceTo(501);
    expect(done).toBe(true);
  });
});
