// How the tool retries: the pure delay maths (full jitter, Retry-After as a floor, the attempt
// limit) and the one retry loop (src/engine/call.ts) driven through the real gate by a scripted
// `send`: how long it waits and which MS-RequestId / MS-CorrelationId each attempt carries.
import { describe, expect, it } from "vitest";
import type { Attempt, RequestIds } from "../src/partner-center/client.js";
import { parseRetryAfter } from "../src/partner-center/verdict.js";
import { createBreaker } from "../src/engine/breaker.js";
import { callWithRetries, type CallContext } from "../src/engine/call.js";
import { createGate } from "../src/engine/gate.js";
import { createRunStop } from "../src/engine/stop.js";
import type { Clock } from "../src/engine/clock.js";
import { createRateController } from "../src/engine/rate/controller.js";
import { retryDelay, type RetryPolicy } from "../src/engine/retry.js";
import { silentLogger } from "../src/log.js";

const answer = (status: number, body: unknown = {}, retryAfter?: string): Attempt => ({
  kind: "response",
  status,
  body: typeof body === "string" ? body : JSON.stringify(body),
  retryAfter,
  durationMs: 1,
});
const reset: Attempt = {
  kind: "no-response",
  reason: "network",
  code: "ECONNRESET",
  message: "ECONNRESET: socket hang up",
  durationMs: 1,
};
const timeout: Attempt = {
  kind: "no-response",
  reason: "timeout",
  code: "ETIMEDOUT",
  message: "ETIMEDOUT",
  durationMs: 1,
};

describe("how long it waits (full jitter, Retry-After as a floor)", () => {
  const policy: RetryPolicy = { maxAttempts: 10, baseMs: 1_000, capMs: 60_000 };
  const randoms = [0, 0.25, 0.5, 0.999_999];

  it("draws full jitter: uniform over [0, min(cap, base·2^(attempt-1)))", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (const attempt of [1, 3, 7]) {
      const ceiling = Math.min(60_000, 1_000 * 2 ** (attempt - 1));
      const draws = Array.from({ length: 2_000 }, () => retryDelay(attempt, undefined, policy, random)!);
      expect(Math.min(...draws)).toBeLessThan(ceiling * 0.02);
      expect(Math.max(...draws)).toBeGreaterThan(ceiling * 0.98);
      expect(Math.max(...draws)).toBeLessThan(ceiling);
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      expect(mean / ceiling).toBeGreaterThan(0.45);
      expect(mean / ceiling).toBeLessThan(0.55);
    }
  });

  it("stays within [0, min(cap, base·2^(attempt-1))) for any random value", () => {
    for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
      const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      for (const r of randoms) {
        const d = retryDelay(attempt, undefined, policy, () => r)!;
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
        expect(d).toBe(Math.floor(r * ceiling));
      }
    }
  });

  it("never exceeds the cap however many attempts", () => {
    expect(retryDelay(9, undefined, policy, () => 0.999_999)).toBeLessThan(60_000);
    expect(retryDelay(9, undefined, policy, () => 0.999_999)).toBeGreaterThan(59_000);
  });

  it("uses Retry-After as a floor, never shortening it", () => {
    expect(retryDelay(1, 5_000, policy, () => 0)).toBe(5_000);
    expect(retryDelay(1, 57_000, policy, () => 0.999)).toBe(57_000);
    expect(retryDelay(6, 100, policy, () => 0.5)).toBe(16_000); // the backoff is longer than Retry-After
    // also when Retry-After is longer than the cap
    expect(retryDelay(2, 120_000, policy, () => 0.99)).toBe(120_000);
  });

  it("stops when the attempts are used up", () => {
    expect(retryDelay(10, undefined, policy, () => 0)).toBeUndefined();
    expect(retryDelay(1, undefined, { ...policy, maxAttempts: 1 }, () => 0)).toBeUndefined();
    expect(retryDelay(5, 1_000, { ...policy, maxAttempts: 6 }, () => 0)).toBe(1_000);
    // --max-attempts counts the first attempt
    expect(retryDelay(7, undefined, { ...policy, maxAttempts: 8 })).toBeDefined();
    expect(retryDelay(8, undefined, { ...policy, maxAttempts: 8 })).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  it("reads seconds", () => {
    expect(parseRetryAfter("57", now)).toBe(57_000);
    expect(parseRetryAfter(" 1 ", now)).toBe(1_000);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });
  it("reads an HTTP date relative to now; a past date means now", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores absent, empty and unreadable values", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined(); // Date.parse would take it as a year
  });
});

/** A session whose clock only pretends to sleep, and a `send` that plays `script` in order. */
function harness(script: Attempt[], maxAttempts = 6) {
  let t = 1_000_000;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
  const sent: RequestIds[] = [];
  const stop = createRunStop(silentLogger);
  const gate = createGate({
    breaker: createBreaker({ clock, outageTimeoutMs: 600_000, stop }),
    slot: (task) => task(),
    rate: createRateController({ clock }),
    demand: () => {},
    clock,
    stop,
    stats: { requests: 0, responses: {} },
  });
  const context: CallContext = {
    gate,
    policy: { maxAttempts, baseMs: 1_000, capMs: 60_000 },
    clock,
    logger: silentLogger,
    stop,
    renewToken: async () => false,
  };
  const send = async (ids: RequestIds) => {
    sent.push(ids);
    t += 10;
    return script[sent.length - 1] ?? answer(201, { userId: "u" });
  };
  return {
    call: () => callWithRetries(context, { what: "confirm", rowNumber: 1 }, send),
    sent,
    sleeps,
    stop,
  };
}

describe("the retry loop", () => {
  it("takes a new MS-RequestId after each answer until an attempt goes unanswered, then keeps that one; one MS-CorrelationId throughout", async () => {
    const h = harness(
      [
        answer(503),
        answer(429, "", "2"),
        reset,
        answer(503),
        timeout,
        answer(429, "", "1"),
        answer(201, { userId: "u1" }),
      ],
      7,
    );
    const r = await h.call();
    expect(r.result.end).toBe("ok");
    expect(r.attempts).toBe(7);
    const ids = h.sent.map((s) => s.requestId);
    // 1 answered 503 → 2 new; 2 answered 429 → 3 new; 3 unanswered (the API may have committed
    // it) → 4, 5, 6 and 7 all re-send it, whatever 5xx, 429 or timeout comes in between.
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[1]);
    expect(ids.slice(3)).toEqual([ids[2], ids[2], ids[2], ids[2]]);
    expect(new Set(ids).size).toBe(3);
    expect(new Set(h.sent.map((s) => s.correlationId)).size).toBe(1);
    expect(r.ids.requestId).toBe(ids[2]);
  });

  it("waits at least Retry-After before the next attempt", async () => {
    const h = harness([answer(429, { statusCode: 429 }, "7")]);
    await h.call();
    expect(h.sleeps.filter((ms) => ms >= 7_000)).toHaveLength(1);
  });

  it("ends failed after --max-attempts retryable answers", async () => {
    const h = harness(
      Array.from({ length: 10 }, () => answer(500)),
      4,
    );
    const r = await h.call();
    expect(r.result.end).toBe("failed");
    expect(r.attempts).toBe(4);
    expect(h.sent).toHaveLength(4);
  });

  it("does not retry a refused connection or a final answer", async () => {
    const refused: Attempt = {
      kind: "no-response",
      reason: "network",
      code: "ECONNREFUSED",
      message: "refused",
      durationMs: 1,
    };
    const a = harness([refused]);
    expect((await a.call()).result.end).toBe("failed");
    expect(a.sent).toHaveLength(1);
    const b = harness([answer(404, { code: 60003, description: "Tenant not found" })]);
    expect((await b.call()).result.end).toBe("rejected");
    expect(b.sent).toHaveLength(1);
  });

  it("renews the token once after a 401, then stops the run", async () => {
    const h = harness([answer(401, { code: 800001 }), answer(401, { code: 800001 })]);
    const r = await h.call();
    expect(r.result.end).toBe("stopped");
    expect(h.stop.reason?.kind).toBe("auth-failed");
    expect(h.sent).toHaveLength(1); // renewal is refused by this context: no second attempt
  });
});
