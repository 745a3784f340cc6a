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

/** `run` of `rows` generated rows against `url` (--concurrency 32 unless given); its --json summary. */
async function runGenerated(url: string, rows: number, concurrency = 32) {
  const dir = tempDir("mca-rate-");
  const file = path.join(dir, "in.csv");
  await writeGeneratedCsv(file, rows);
  const r = await runCli(
    ["run", file, "--base-url", url, "--concurrency", String(concurrency), "--json", "--quiet"],
    {
      cwd: dir,
      env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
      timeoutMs: 60_000,
    },
  );
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
// end). The cap's run, with a run told the cap beside it, keeps both cores busy and goes alone.
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

/** `run` of `rows` at `concurrency` against a fresh simulator of 20-60 ms; the mean open ÷ CAP. */
async function openShare(rows: number, concurrency: number, capped: boolean) {
  const sim = await trackedSimulator({
    latencyMs: 20,
    latencyMaxMs: 60,
    ...(capped ? { rateLimit: { kind: "max-open" as const, maxOpen: CAP } } : {}),
  });
  const summary = await runGenerated(sim.url, rows, concurrency);
  expect(summary.statuses.confirmed).toBe(rows);
  const { requests, throttled, firstRequestAt, lastAnswerAt, acceptedOpenMs } = sim.stats;
  return { summary, requests, throttled, share: acceptedOpenMs / (lastAnswerAt - firstRequestAt) / CAP };
}

it(`holds ${CAP} requests open against a cap of ${CAP} (20–60 ms), few 429s; --json tells the tail`, async () => {
  // Beside it, at the same time, a run told the cap (--concurrency 8, no limiter): what this
  // machine's client keeps open at the moment. Alone, the capped run's share swung with the
  // machine: 0.83-0.91 quiet, 0.78-0.80 in CI runs, 0.64 once at the end of a whole `npm test`.
  const [capped, told] = await Promise.all([openShare(CAP_ROWS, 32, true), openShare(CAP_ROWS, CAP, false)]);
  const { summary, requests, throttled } = capped;
  const ofTold = capped.share / told.share;
  if (process.env.RATE_FIGURES)
    console.log(
      `cap ${CAP}: share ${capped.share.toFixed(3)}, told ${told.share.toFixed(3)}, ${ofTold.toFixed(3)} of it, 429 ${throttled}/${requests}, tail ${summary.tailSeconds}`,
    );
  // 0.99-1.00 of the told run quiet; 0.75-0.96 under two busy loops, where the client reads its
  // answers late and loses the cap now and then. With the cap never learned (the pace alone):
  // 0.72-0.74 quiet. This guards that it is learned at all; how close whole runs come is the
  // bench's (d) to measure (docs/rate-limits.md).
  expect(ofTold).toBeGreaterThanOrEqual(0.8);
  expect(throttled / requests).toBeLessThanOrEqual(0.05);
  expect(summary.throttled).toBe(throttled);
  if (throttled > 0) expect(summary.tailSeconds).toBeGreaterThanOrEqual(0);
  else expect(summary.tailSeconds).toBeNull();
});
