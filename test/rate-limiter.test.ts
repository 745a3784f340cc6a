// The simulator's limiters (src/simulator/limiter.ts): the Retry-After each shape sends, a
// limit that changes mid-run, and the launcher's options for them. The rate tests' virtual API
// is these same classes, so what is checked here is what the rate matrix runs against.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLimiter, FixedWindow, OpenCap, SlidingWindow, TokenBucket } from "../src/simulator/limiter.js";
import { simulatorLaunch } from "../src/simulator/options.js";
import { closeSimulators, ROOT, trackedSimulator } from "./helpers/cli.js";

afterAll(closeSimulators);

describe("simulator limiters", () => {
  it("token bucket: Retry-After is the time to the next token, or the constant it was given", () => {
    let t = 0;
    const timed = new TokenBucket({ perSecond: 0.25, burst: 1 }, () => t);
    const constant = new TokenBucket({ perSecond: 10, burst: 1, retryAfterSeconds: 30 }, () => t);
    expect([timed.take(), timed.take()]).toEqual([0, 4]);
    expect([constant.take(), constant.take()]).toEqual([0, 30]);
    t = 100;
    expect(constant.take()).toBe(0);
  });

  it("fixed window: Retry-After counts down to the window's end, then the window opens again", () => {
    let t = 0;
    const w = new FixedWindow({ kind: "fixed-window", limit: 2, windowSeconds: 5 }, () => t);
    expect([w.take(), w.take(), w.take()]).toEqual([0, 0, 5]);
    t = 1_500;
    expect(w.take()).toBe(4); // 3.5 s left, whole seconds rounded up
    t = 4_200;
    expect(w.take()).toBe(1);
    t = 5_000;
    expect([w.take(), w.take(), w.take()]).toEqual([0, 0, 5]);
    t = 17_000; // two windows later: a fresh allowance, counted from the window's own start
    expect([w.take(), w.take(), w.take()]).toEqual([0, 0, 3]);
  });

  it("fixed window under way at the first request: the phase counts from that request, not from creation", () => {
    let t = 0;
    const spec = { kind: "fixed-window", limit: 2, windowSeconds: 5, underWayAtFirstMs: 3_800 } as const;
    const w = new FixedWindow(spec, () => t);
    t = 9_000; // however late the client starts, its first request finds 1.2 s left
    expect([w.take(), w.take(), w.take()]).toEqual([0, 0, 2]);
    t = 10_199;
    expect(w.take()).toBe(1);
    t = 10_200;
    expect([w.take(), w.take(), w.take()]).toEqual([0, 0, 5]);
    expect(() => new FixedWindow({ ...spec, underWayAtFirstMs: -1 })).toThrow(RangeError);
  });

  it("sliding window: at most `limit` in any span; Retry-After until the oldest leaves it", () => {
    let t = 0;
    const w = new SlidingWindow({ kind: "sliding-window", limit: 2, windowSeconds: 5 }, () => t);
    expect(w.take()).toBe(0);
    t = 3_000;
    expect([w.take(), w.take()]).toEqual([0, 2]);
    t = 5_000; // the first has left the window, the second has not
    expect([w.take(), w.take()]).toEqual([0, 3]);
  });

  it("changes its rate once, at the given time, keeping what it had", () => {
    let t = 0;
    const limiter = createLimiter(
      { perSecond: 10, burst: 1, change: { afterSeconds: 10, factor: 0.1 } },
      () => t,
    );
    expect(limiter.take()).toBe(0);
    t = 10_000;
    expect(limiter.take()).toBe(0); // full bucket carried over the change
    t = 10_500; // at 1/s now: half a token
    expect(limiter.take()).toBe(1);
    t = 11_000;
    expect(limiter.take()).toBe(0);
  });

  it("cap on open requests: Retry-After 1 over the cap whatever the rate; an answer frees a place", () => {
    const cap = new OpenCap(2);
    expect([cap.take(), cap.take(), cap.take()]).toEqual([0, 0, 1]);
    expect(cap.openNow).toBe(2); // the refused one never counts as open
    cap.release();
    expect([cap.take(), cap.take()]).toEqual([0, 1]);
  });

  it("a bucket and a cap at once: the cap asked first, a request the bucket refuses is not open", () => {
    let t = 0;
    const limiter = createLimiter({ perSecond: 1, burst: 2, retryAfterSeconds: 30, maxOpen: 1 }, () => t);
    expect([limiter.take(), limiter.take()]).toEqual([0, 1]); // over the cap: 1 s, the token kept
    limiter.release();
    expect(limiter.take()).toBe(0); // the second token
    limiter.release();
    expect(limiter.take()).toBe(30); // the bucket's 429, and nothing left open by it
    t = 1_000;
    expect(limiter.take()).toBe(0);
  });

  it("refuses shapes that cannot work", () => {
    expect(() => new TokenBucket({ perSecond: 0 })).toThrow(RangeError);
    expect(() => new FixedWindow({ kind: "fixed-window", limit: 0, windowSeconds: 5 })).toThrow(RangeError);
    expect(() => createLimiter({ perSecond: 5, change: { afterSeconds: 1, factor: 0 } })).toThrow(RangeError);
  });
});

describe("simulator launcher limiter options", () => {
  const main = path.join(ROOT, "dist", "simulator", "main.js");
  const launch = (...args: string[]) =>
    spawnSync(process.execPath, [main, ...args], { encoding: "utf8", timeout: 10_000 });

  it.each([
    [["--fixed-window", "100"], /--fixed-window: expected N\/S/],
    [["--sliding-window", "100/0"], /--sliding-window: expected a number/],
    [["--rate-limit", "5", "--fixed-window", "100/5"], /choose one of/],
    [["--limit-change", "30:0.5"], /--limit-change needs a limit/],
    [["--rate-limit", "5", "--limit-change", "30"], /--limit-change: expected S:FACTOR/],
    [["--max-open", "0"], /--max-open: expected a number from 1/],
    [["--max-open", "2.5"], /--max-open: expected a whole number/],
    [["--latency", "50", "--latency-max", "20"], /--latency-max: below --latency/],
  ])("refuses %j with a message naming the option (exit 2)", (args, message) => {
    const r = launch(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe("simulator launcher --max-open", () => {
  it("a cap alone, or in front of the rate limit", () => {
    expect(simulatorLaunch({ "max-open": "8" }).options.rateLimit).toEqual({ kind: "max-open", maxOpen: 8 });
    expect(simulatorLaunch({ "rate-limit": "40", burst: "10", "max-open": "8" }).options.rateLimit).toEqual({
      perSecond: 40,
      burst: 10,
      maxOpen: 8,
    });
    expect(simulatorLaunch({ latency: "20", "latency-max": "60" }).options).toMatchObject({
      latencyMs: 20,
      latencyMaxMs: 60,
    });
  });
});

describe("simulator over HTTP", () => {
  it("answers a request over the cap on open requests with 429 and Retry-After 1", async () => {
    const sim = await trackedSimulator({ latencyMs: 300, rateLimit: { kind: "max-open", maxOpen: 2 } });
    const get = () =>
      fetch(`${sim.url}/v1/agreements?agreementType=MicrosoftCustomerAgreement`, {
        headers: { authorization: "Bearer t", "ms-contract-version": "v1" },
      });
    const open = [get(), get()];
    await new Promise((resolve) => setTimeout(resolve, 100)); // both under way
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await Promise.all(open)).map((r) => r.status)).toEqual([200, 200]);
    expect((await get()).status).toBe(200); // answered ones are no longer open
    expect(sim.stats.throttled).toBe(1);
  });

  it("answers a used-up fixed window with the gateway's 429 and the seconds to the window's end", async () => {
    const sim = await trackedSimulator({ rateLimit: { kind: "fixed-window", limit: 1, windowSeconds: 60 } });
    const get = () =>
      fetch(`${sim.url}/v1/agreements?agreementType=MicrosoftCustomerAgreement`, {
        headers: { authorization: "Bearer t", "ms-contract-version": "v1" },
      });
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    const seconds = Number(refused.headers.get("retry-after"));
    expect(seconds).toBeGreaterThanOrEqual(59);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ statusCode: 429 });
    expect(sim.stats.throttled).toBe(1);
  });
});
