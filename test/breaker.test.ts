// The run-wide circuit breaker (src/run/breaker.ts) in virtual time: when it opens, how it
// probes, when it closes, and that an outage longer than --outage-timeout stops the run.
import { describe, expect, it } from "vitest";
import { RunStoppedError } from "../src/errors.js";
import { createBreaker, type Breaker } from "../src/run/breaker.js";
import { virtualClock } from "./helpers/virtual-clock.js";

function record(b: Breaker, faults: boolean[]): void {
  for (const f of faults) b.record(f);
}

/** `n` workers each waiting in admit(); resolves/rejects are collected with their virtual time. */
function waiters(b: Breaker, clock: { now(): number }, n: number) {
  const admitted: number[] = [];
  const stopped: { at: number; err: unknown }[] = [];
  for (let i = 0; i < n; i++) {
    b.admit().then(
      () => admitted.push(clock.now()),
      (err: unknown) => stopped.push({ at: clock.now(), err }),
    );
  }
  return { admitted, stopped };
}

describe("circuit breaker", () => {
  it("stays closed through scattered faults and bursts shorter than its window", async () => {
    const clock = virtualClock();
    const b = createBreaker({ clock, outageTimeoutMs: 600_000 });
    for (let i = 0; i < 200; i++) b.record(i % 2 === 0); // half the attempts fail
    expect(b.open).toBe(false);
    record(b, [true, true, true, true, true, true, false, false]); // a short burst of 5xx
    expect(b.open).toBe(false);
    await b.admit(); // no waiting
  });

  it("opens when most recent attempts failed and then lets one probe through at a time", async () => {
    const clock = virtualClock();
    const b = createBreaker({ clock, outageTimeoutMs: 600_000 });
    record(
      b,
      Array.from({ length: 10 }, () => true),
    );
    expect(b.open).toBe(true);
    const w = waiters(b, clock, 8);
    await clock.advanceTo(1_999);
    expect(w.admitted).toEqual([]); // nothing is sent while open
    await clock.advanceTo(2_500);
    expect(w.admitted).toEqual([2_000]); // one probe after 2 s
    expect(b.open).toBe(true);
    b.record(true); // the probe failed: next one after 4 s
    await clock.advanceTo(5_999);
    expect(w.admitted).toHaveLength(1);
    await clock.advanceTo(6_500);
    expect(w.admitted).toHaveLength(2);
    b.record(false); // the probe got an answer: the API is back, everyone goes
    await clock.advanceTo(7_000);
    expect(b.open).toBe(false);
    expect(w.admitted).toHaveLength(8);
  });

  it("doubles the wait between failed probes up to a minute", async () => {
    const clock = virtualClock();
    const b = createBreaker({ clock, outageTimeoutMs: 3_600_000 });
    record(
      b,
      Array.from({ length: 10 }, () => true),
    );
    const probes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const p = b.admit().then(() => probes.push(clock.now()));
      for (let s = 0; s < 200 && probes.length === i; s++) await clock.advanceTo(clock.now() + 1_000);
      await p;
      b.record(true);
    }
    const gaps = probes.map((t, i) => t - (i === 0 ? 0 : probes[i - 1]));
    expect(gaps).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it("stops the run once the outage outlasts --outage-timeout, and says what to do", async () => {
    const clock = virtualClock();
    const b = createBreaker({ clock, outageTimeoutMs: 120_000 });
    await clock.advanceTo(10_000);
    record(
      b,
      Array.from({ length: 12 }, () => true),
    );
    const w = waiters(b, clock, 4);
    // Every probe fails.
    for (let s = 0; s < 200 && w.stopped.length < 3; s++) {
      await clock.advanceTo(clock.now() + 1_000);
      if (w.admitted.length > 0) {
        w.admitted.length = 0;
        b.record(true);
        waiters(b, clock, 1);
      }
    }
    expect(w.stopped.length).toBeGreaterThanOrEqual(3);
    for (const s of w.stopped) {
      expect(s.err).toBeInstanceOf(RunStoppedError);
      expect((s.err as RunStoppedError).code).toBe("outage");
      expect((s.err as RunStoppedError).message).toMatch(/--resume/);
      expect((s.err as RunStoppedError).message).toMatch(/--outage-timeout/);
      expect(s.at).toBeGreaterThanOrEqual(130_000);
      expect(s.at).toBeLessThanOrEqual(131_000);
    }
    await expect(b.admit()).rejects.toBeInstanceOf(RunStoppedError);
  });

  it("wakes held workers at once when the run stops", async () => {
    const clock = virtualClock();
    const b = createBreaker({ clock, outageTimeoutMs: 600_000 });
    record(
      b,
      Array.from({ length: 10 }, () => true),
    );
    const stop = new AbortController();
    let done = false;
    void b.admit(stop.signal).then(() => (done = true));
    await clock.advanceTo(500);
    expect(done).toBe(false);
    stop.abort();
    await clock.advanceTo(501);
    expect(done).toBe(true);
  });
});
