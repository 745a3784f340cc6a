// The token spacing of a burst-1 bucket (src/engine/rate/token-spacing.ts): the proof read from
// accepted and refused gaps, and the pace that follows the 429s once proven, against the
// simulator's own TokenBucket.
import { describe, expect, it } from "vitest";
import { createTokenSpacing, type Answer, type TokenSpacing } from "../src/engine/rate/token-spacing.js";
import { TokenBucket } from "../src/simulator/limiter.js";

/** Sends one request every `gapMs` (in order, answered at once) and returns how many were accepted. */
function send(spacing: TokenSpacing, bucket: TokenBucket, clock: { t: number }, gapsMs: number[]): number {
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

/** Paced a little under 40/s, then a little over it, then under again: a proof. */
const PROVING_GAPS = [...Array<number>(30).fill(25.4), ...Array<number>(3).fill(24.6), 25.4];

/** A spacing proven by PROVING_GAPS against a 40/s bucket of burst 1, and its clock. */
function provenAt40() {
  const clock = { t: 0 };
  const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
  const spacing = createTokenSpacing();
  send(spacing, bucket, clock, PROVING_GAPS);
  return { spacing, clock };
}

/** Starts one request `gap` ms after the last and answers it at once, as told. */
function answer(spacing: TokenSpacing, clock: { t: number }, gap: number, accepted: boolean, how?: Answer) {
  clock.t += gap;
  spacing.started(clock.t);
  spacing.answered(clock.t, accepted, clock.t, how);
}

/** A small deterministic generator (mulberry32), so the jitter is the same in every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same loop at one fixed spacing: what a client that knew I could do in that jitter. */
function fixedAgainst(perSecond: number, factor: number, requests: number, delay: () => number) {
  const arrival = { t: 0 };
  const bucket = new TokenBucket({ perSecond, burst: 1 }, () => arrival.t);
  let accepted = 0;
  let firstAt: number | undefined;
  for (let i = 0; i < requests; i++) {
    arrival.t = Math.max(arrival.t, (i * factor * 1000) / perSecond + delay());
    if (bucket.take() === 0) {
      accepted++;
      firstAt ??= arrival.t;
    }
  }
  return { share: accepted / ((arrival.t - firstAt!) / 1000) / perSecond, refused: 1 - accepted / requests };
}

/**
 * A closed loop: each request starts one interval of the spacing's pace after the previous start
 * and reaches the bucket `delay()` ms later, in order; answered at once. Returns the accepted
 * and refused counts and the time the accepted ones took.
 */
function paceAgainst(
  spacing: TokenSpacing,
  perSecond: number,
  requests: number,
  delay: () => number,
  arrival = { t: 0 },
  bucket = new TokenBucket({ perSecond, burst: 1 }, () => arrival.t),
) {
  let start = arrival.t;
  let accepted = 0;
  let firstAt: number | undefined;
  for (let i = 0; i < requests; i++) {
    start += 1000 / (spacing.pace() ?? perSecond * 0.8);
    spacing.started(start);
    arrival.t = Math.max(arrival.t, start + delay());
    const ok = bucket.take() === 0;
    if (ok) {
      accepted++;
      firstAt ??= arrival.t;
    }
    spacing.answered(start, ok, start + 1);
  }
  return { accepted, refused: requests - accepted, seconds: (arrival.t - firstAt!) / 1000 };
}

describe("token spacing", () => {
  it("proves a burst-1 bucket from its gaps, at the second shortest gap it granted", () => {
    const { spacing } = provenAt40();
    // 1000 / 25.4 ms, then moved by the answers that followed the proof.
    expect(spacing.pace()).toBeGreaterThan(38);
    expect(spacing.pace()).toBeLessThan(41);
  });

  it("says nothing before 20 accepted gaps and a refusal", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const spacing = createTokenSpacing();
    send(spacing, bucket, clock, Array<number>(30).fill(26));
    expect(spacing.pace()).toBeUndefined();
  });

  it("proves nothing from grants a microsecond apart, even with a refusal closer still", () => {
    // A 200/s bucket of burst 100 at a run's opening, as measured: its burst granted starts a few
    // microseconds apart, and one start refused 2 µs after a grant showed no overlap.
    const clock = { t: 0 };
    const spacing = createTokenSpacing();
    for (let i = 0; i < 25; i++) answer(spacing, clock, 0.005, true);
    answer(spacing, clock, 0.002, false);
    for (let i = 0; i < 5; i++) answer(spacing, clock, 0.005, true);
    expect(spacing.pace()).toBeUndefined();
  });

  it("is never used against a bucket with a larger burst", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 10 }, () => clock.t);
    const spacing = createTokenSpacing();
    // The burst lets a fast opening through; later refusals come at far longer gaps than it had.
    send(spacing, bucket, clock, Array<number>(15).fill(5));
    send(spacing, bucket, clock, [...Array<number>(60).fill(25.5), ...Array<number>(40).fill(24)]);
    expect(spacing.pace()).toBeUndefined();
  });

  it("comes close to the best fixed spacing, with few 429s, when requests reach the bucket with jitter", () => {
    // Most requests take 1.3 ms on the way, give or take 0.2; one in forty takes 3 to 8 ms more
    // (measured at the simulator on loopback, docs/rate-limits.md). A late one makes the next one
    // look early to the bucket, whatever the pace.
    const random = seeded(7);
    const delay = () => 1.1 + random() * 0.4 + (random() < 0.025 ? 3 + random() * 5 : 0);
    for (const perSecond of [40, 200]) {
      // The best a client that knew I and the jitter could do with at most 5 % of 429s.
      let best = 0;
      for (let factor = 1; factor <= 1.5; factor += 0.01) {
        const fixed = fixedAgainst(perSecond, factor, 20 * perSecond, delay);
        if (fixed.refused <= 0.05) best = Math.max(best, fixed.share);
      }
      const spacing = createTokenSpacing();
      const clock = { t: 0 };
      const bucket = new TokenBucket({ perSecond, burst: 1 }, () => clock.t);
      send(spacing, bucket, clock, [
        ...Array<number>(30).fill(1030 / perSecond),
        900 / perSecond,
        1030 / perSecond,
      ]);
      expect(spacing.pace()).toBeDefined();
      const run = paceAgainst(spacing, perSecond, 20 * perSecond, delay);
      const share = run.accepted / run.seconds / perSecond;
      expect(share, `${perSecond}/s`).toBeGreaterThan(0.9 * best);
      expect(share, `${perSecond}/s`).toBeLessThanOrEqual(1.001);
      expect(run.refused / (run.accepted + run.refused), `${perSecond}/s`).toBeLessThan(0.05);
      expect(spacing.pace(), `${perSecond}/s`).toBeDefined(); // jitter alone never drops it
    }
  });

  it("climbs to a limit well above the pace that proved it", () => {
    const spacing = createTokenSpacing();
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    // Proved at about 31/s (accepted gaps of 32 ms, a refusal at 20 ms).
    send(spacing, bucket, clock, [...Array<number>(25).fill(32), 20, 32]);
    expect(spacing.pace()).toBeLessThan(32);
    const run = paceAgainst(spacing, 40, 800, () => 1);
    expect(run.accepted / run.seconds / 40).toBeGreaterThan(0.95);
  });

  it("takes its proof from the second shortest accepted gap: one granted by jitter sets no pace", () => {
    const spacing = createTokenSpacing();
    const clock = { t: 0 };
    for (let i = 0; i < 12; i++) answer(spacing, clock, 26, true);
    answer(spacing, clock, 22, true); // reached the API late enough to be granted
    for (let i = 0; i < 12; i++) answer(spacing, clock, 26, true);
    answer(spacing, clock, 24.9, false);
    expect(spacing.pace()).toBeCloseTo(1000 / 26, 5);
  });

  it("raises its pace only while the run's starts keep up with it", () => {
    const { spacing, clock } = provenAt40();
    const proven = spacing.pace()!;
    /** `count` grants, the starts `factor` times the pace's interval apart. */
    const grants = (count: number, factor: number) => {
      for (let i = 0; i < count; i++) answer(spacing, clock, (factor * 1000) / spacing.pace()!, true);
    };
    // The run's own work spaced its starts a third wider than asked: grants say nothing of the pace.
    grants(40, 1.33);
    expect(spacing.pace()).toBeLessThan(proven * 1.03);
    grants(40, 1);
    expect(spacing.pace()).toBeGreaterThan(proven * 1.1);
  });

  it("does not sink under 85 % of the proof's pace when jitter refuses more than its target", () => {
    // A 30 s Retry-After aims at 2 % ÷ 30 refused; jitter refuses one in twenty at any pace.
    const { spacing, clock } = provenAt40();
    const proof = 1000 / 25.4;
    for (let i = 0; i < 2_000; i++) answer(spacing, clock, 26, i % 20 !== 0, { retryAfterMs: 30_000 });
    // At the floor (the shortest accepted gap was 25.4 ms, give or take the float sums).
    expect(spacing.pace()).toBeGreaterThan(proof * 0.849);
    expect(spacing.pace()).toBeLessThan(proof * 0.851);
  });

  it("does not probe in the endgame: a grant there leaves the pace as it was", () => {
    const { spacing, clock } = provenAt40();
    const before = spacing.pace()!;
    answer(spacing, clock, 30, true, { probing: false });
    expect(spacing.pace()).toBe(before);
    answer(spacing, clock, 30, true);
    expect(spacing.pace()).toBeGreaterThan(before);
  });

  it("is dropped when a quarter of the answers are refused, three in a row, or when told", () => {
    // A limit that halves: every other request refused. Cuts of half a percent would take a
    // hundred and forty 429s to follow it; the controller's cut takes one (controller.ts).
    const clock = { t: 0 };
    const halved = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const spacing = createTokenSpacing();
    send(spacing, halved, clock, PROVING_GAPS);
    expect(spacing.pace()).toBeDefined();
    halved.scale(0.5);
    let answers = 0;
    for (; spacing.pace() !== undefined && answers < 200; answers++) send(spacing, halved, clock, [26]);
    expect(answers).toBeLessThanOrEqual(40);

    // A tenth of the limit: requests at the old pace are refused nine in ten, in a row.
    const fell = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const dropped = createTokenSpacing();
    send(dropped, fell, clock, PROVING_GAPS);
    expect(dropped.pace()).toBeDefined();
    fell.scale(0.1);
    send(dropped, fell, clock, Array<number>(6).fill(26));
    expect(dropped.pace()).toBeUndefined();

    const told = createTokenSpacing();
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    send(told, bucket, clock, PROVING_GAPS);
    told.disproved();
    send(told, bucket, clock, PROVING_GAPS);
    expect(told.pace()).toBeUndefined();
  });

  it("is dropped within four 429s when a bucket of two tokens passed for one", () => {
    // 20/s, burst 2: at 50 ms gaps it stays full; a gap of 33 ms is granted twice from its
    // second token, one of 10 ms then refused. The gaps prove a one-token bucket of 30/s, and a
    // pace at 33 ms draws a 429 every other request (on loopback, 7 % of a 240-row run's).
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 20, burst: 2 }, () => clock.t);
    const spacing = createTokenSpacing();
    send(spacing, bucket, clock, [...Array<number>(20).fill(50), 33, 50, 33, 10]);
    expect(spacing.pace()).toBeCloseTo(1000 / 33, 5);
    let refused = 0;
    for (let i = 0; spacing.pace() !== undefined && i < 100; i++)
      refused += 1 - send(spacing, bucket, clock, [33]);
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(4);
  });

  it("skips a start whose answer never comes: after PENDING_MS, or at once when told it is lost", () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    const spacing = createTokenSpacing();
    clock.t = 10;
    spacing.started(clock.t); // never answered: the run stopped it
    send(spacing, bucket, clock, PROVING_GAPS);
    expect(spacing.pace()).toBeUndefined(); // still waiting for the first answer
    clock.t += 60_000;
    send(spacing, bucket, clock, [25.4]);
    expect(spacing.pace()).toBeDefined();

    const told = createTokenSpacing();
    const other = new TokenBucket({ perSecond: 40, burst: 1 }, () => clock.t);
    clock.t += 10;
    const lostAt = clock.t;
    told.started(lostAt);
    send(told, other, clock, PROVING_GAPS);
    expect(told.pace()).toBeUndefined();
    told.lost(lostAt, clock.t);
    send(told, other, clock, [25.4]);
    expect(told.pace()).toBeDefined();
  });
});
