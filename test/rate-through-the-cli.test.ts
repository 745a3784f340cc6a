// The rate controller in real time, through the built CLI (dist/cli.js) as a child process
// against the bundled simulator on 127.0.0.1: a token bucket with a small burst, the case where
// an unpaced first wave used to cost a run more than half its speed, and a run at the limit whose
// every 429 is retried without a second record.
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import {
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";
import { expectConfirmedOnce } from "./helpers/confirmed-once.js";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

/** `run` of `rows` generated rows against `url` at --concurrency 32; its --json summary. */
async function runGenerated(url: string, rows: number) {
  const dir = tempDir("mca-rate-");
  const file = path.join(dir, "in.csv");
  await writeGeneratedCsv(file, rows);
  const r = await runCli(["run", file, "--base-url", url, "--concurrency", "32", "--json", "--quiet"], {
    cwd: dir,
    env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
    timeoutMs: 60_000,
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    statuses: Record<string, number>;
    elapsedSeconds: number;
    throttled: number;
    tailSeconds: number | null;
  };
}

// The bucket's and the window's runs go at 20 requests a second, the retried run's at 40: a
// tenth of a core each, so they run side by side (13 s rather than 31 s of a test suite's serial
// end). The cap's run keeps a core busy and goes alone.
const RATE = 20;
const BURST = 2;
const ROWS = 240;

it.concurrent(`runs close to a ${RATE}/s bucket with burst ${BURST}, few requests answered 429`, async () => {
  const sim = await trackedSimulator({ latencyMs: 10, rateLimit: { perSecond: RATE, burst: BURST } });
  const summary = await runGenerated(sim.url, ROWS);
  expect(summary.statuses.confirmed).toBe(ROWS);
  const { requests, throttled } = sim.stats;
  // The metadata call and every POST count against the bucket; what it grants up front is free.
  const idealSeconds = (requests - throttled - BURST) / RATE;
  const share = idealSeconds / summary.elapsedSeconds;
  if (process.env.RATE_FIGURES)
    console.log(
      `real time: share ${share.toFixed(3)}, 429 ${throttled}/${requests}, ${summary.elapsedSeconds} s`,
    );
  // Real timers add jitter the virtual-time matrix does not have: a little below its 95 %.
  expect(share).toBeGreaterThanOrEqual(0.85);
  expect(throttled / requests).toBeLessThanOrEqual(0.05);
});

const WINDOW = 100;
const WINDOW_MS = 5_000;
/** With the metadata call, 4 windows' worth of requests: the last window is used in full. */
const WINDOW_ROWS = 4 * WINDOW - 1;

/** The first request finds the window this far under way. */
const UNDER_WAY_MS = 1_500;

it.concurrent(
  `runs close to a fixed window of ${WINDOW} per ${WINDOW_MS / 1000} s already under way when the run begins`,
  async () => {
    // A re-run started seconds after another: the first request (the metadata call) finds the
    // window 1.5 s under way, whenever the CLI gets going (counted from the simulator's creation,
    // the phase was the CLI's start-up time). The bench's shape (docs/rate-limits.md). A window of
    // 40 per 2 s was used here before: its Retry-After can only say 1 or 2, and on a busy machine
    // (answers read in bursts) its closings often said 1 alone, so no countdown ever showed it
    // (0.40-0.53 of the limit in CI and under four busy loops; docs/rate-limits.md).
    const sim = await trackedSimulator({
      latencyMs: 10,
      rateLimit: {
        kind: "fixed-window",
        limit: WINDOW,
        windowSeconds: WINDOW_MS / 1000,
        underWayAtFirstMs: UNDER_WAY_MS,
      },
    });
    const summary = await runGenerated(sim.url, WINDOW_ROWS);
    expect(summary.statuses.confirmed).toBe(WINDOW_ROWS);
    const { requests, throttled, firstRequestAt, lastAnswerAt } = sim.stats;
    // The oracle: the first window's N at once, each later window's N as it opens.
    const windows = Math.floor((requests - throttled - 1) / WINDOW);
    const idealMs = windows * WINDOW_MS - UNDER_WAY_MS;
    const share = idealMs / (lastAnswerAt - firstRequestAt);
    if (process.env.RATE_FIGURES)
      console.log(`fixed window under way: share ${share.toFixed(3)}, 429 ${throttled}/${requests}`);
    // A loose floor: real timers under load lose more than the virtual-time matrix's 98 %, and the
    // bench's (d) holds the bar (docs/rate-limits.md). This guards that the window is learned at all.
    expect(share).toBeGreaterThanOrEqual(0.72);
    // Each closing refuses the requests then in flight, up to 31 at --concurrency 32, more of them
    // the more the client reads its answers in bursts: 5.0-6.1 % of requests quiet, 4.5-8.9 % under
    // two busy loops, 5.4-10.5 % under four. A run that takes the window for a cap on open
    // requests sends on into it when closed: 38-50 %.
    expect(throttled / requests).toBeLessThanOrEqual(0.15);
  },
);

it.concurrent("runs at the API's rate limit, with every 429 retried and nothing recorded twice", async () => {
  const s = await trackedSimulator({ latencyMs: 10, rateLimit: { perSecond: 40 } });
  const dir = tempDir("mca-rate-");
  const file = path.join(dir, "in.csv");
  await writeGeneratedCsv(file, 160);
  const started = Date.now();
  const r = await runCli(["run", file, "--base-url", s.url, "--quiet", "--concurrency", "32"], {
    cwd: dir,
    env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
    timeoutMs: 45_000,
  });
  const ms = Date.now() - started;
  expect(r.code, r.stderr).toBe(0);
  expectConfirmedOnce(s, readCsv(path.join(dir, "in.results.csv")));
  expect(s.stats.throttled).toBeGreaterThan(0);
  // 160 rows + the metadata call against 40/s with a burst of 40: 3 s at the limit.
  expect(ms).toBeLessThan(9_000);
  expect(s.stats.throttled / s.stats.requests).toBeLessThan(0.2);
});

const CAP = 8;
const CAP_ROWS = 1_200;

it(`holds ${CAP} requests open against a cap of ${CAP} (20–60 ms), few 429s; --json tells the tail`, async () => {
  const sim = await trackedSimulator({
    latencyMs: 20,
    latencyMaxMs: 60,
    rateLimit: { kind: "max-open", maxOpen: CAP },
  });
  const summary = await runGenerated(sim.url, CAP_ROWS);
  expect(summary.statuses.confirmed).toBe(CAP_ROWS);
  const { requests, throttled, firstRequestAt, lastAnswerAt } = sim.stats;
  const share = ((requests - throttled) * 0.04) / CAP / ((lastAnswerAt - firstRequestAt) / 1000);
  if (process.env.RATE_FIGURES)
    console.log(
      `cap ${CAP}: share ${share.toFixed(3)}, 429 ${throttled}/${requests}, tail ${summary.tailSeconds}`,
    );
  // A pace alone kept 0.66 of it. This guards that the cap is learned at all; how close whole
  // runs come is the bench's (d) to measure: 0.90-0.91 here on a quiet machine, 0.78-0.80 in CI
  // runs with other work on the machine, and one 2,400-row run lost the cap for a while (0.78,
  // 47 answers 429): docs/rate-limits.md.
  expect(share).toBeGreaterThanOrEqual(0.7);
  expect(throttled / requests).toBeLessThanOrEqual(0.05);
  expect(summary.throttled).toBe(throttled);
  if (throttled > 0) expect(summary.tailSeconds).toBeGreaterThanOrEqual(0);
  else expect(summary.tailSeconds).toBeNull();
});
