// A whole run against a rate-limited API, in virtual time: the shape of src/run/pipeline.ts and
// call.ts (a new row only while fewer than --concurrency rows are attempting, p-limit slots held
// from the pace's admission until the answer, the real retryDelay with Retry-After as a floor,
// the controller told of every answer) against the simulator's own limiter classes
// (src/simulator/limiter.ts), so the figures here are the simulator's. Minutes of traffic take
// a second or two and come out the same every time (seeded latency).
import pLimit from "p-limit";
import { createRateController } from "../../src/engine/rate/controller.js";
import { DEFAULT_RETRY, retryDelay } from "../../src/engine/retry.js";
import { seededRandom } from "../../src/simulator/faults.js";
import { createLimiter, sustainedRate, type ApiLimit, type RateLimit } from "../../src/simulator/limiter.js";
import { virtualClock } from "./virtual-clock.js";

export interface RateCase<L extends ApiLimit = RateLimit> {
  name: string;
  limit: L;
  concurrency: number;
  /** Rows to run; by default enough for `seconds` at the limit's sustained rate plus its burst. */
  rows?: number;
  seconds?: number;
  /** Accepted answers come back after a latency drawn from this range; 429s after 1 ms. */
  latencyMs?: [number, number];
  maxAttempts?: number;
  maxRpm?: number;
  seed?: number;
  /** The limiter began this long before the run (a window already under way, e.g. a re-run). */
  headStartMs?: number;
  /** The controller's endgame rule (default on). */
  endgame?: boolean;
}

export interface RateFigures {
  rows: number;
  requests: number;
  throttled: number;
  /** Rows whose attempts were used up on 429s. */
  failedRows: number;
  /** First to last request start, virtual ms. */
  elapsedMs: number;
  /** What a client knowing the limiter exactly would need from first to last request. */
  idealMs: number;
  /** idealMs ÷ elapsedMs. */
  share: number;
  throttledShare: number;
  /** Every request's start (virtual ms) and whether it was accepted, in start order. */
  starts: { at: number; accepted: boolean }[];
  /** The controller's pace (requests/s, Infinity when beyond mattering) every virtual second. */
  pace: { at: number; perSecond: number }[];
  /** Most requests open at once, as the API counted them (accepted and unanswered). */
  peakOpen: number;
  /** From the last 429 to the last answer, virtual ms (0 without a 429). */
  tailMs: number;
  /** From the first request's start to the last answer, virtual ms. */
  runMs: number;
}

/** Requests a spec lets through at once (a bucket's burst, a window's allowance). */
function upFront(spec: ApiLimit): number {
  if (spec.kind === "max-open") return spec.maxOpen;
  return "perSecond" in spec ? Math.max(1, spec.burst ?? spec.perSecond) : spec.limit;
}

/** Rows for a run of `seconds` at the sustained rate after what the limiter grants up front. */
export function rowsFor(spec: ApiLimit, seconds: number): number {
  if (spec.kind === "max-open") throw new Error("a lone cap on open requests needs `rows`");
  return Math.round(sustainedRate(spec) * seconds) + upFront(spec);
}

/**
 * The oracle: each request sent at the first millisecond the limiter (the same class, fresh)
 * accepts it. Bounded by the ideal duration in ms plus the row count.
 */
export function idealMs(spec: ApiLimit, rows: number, headStartMs = 0, meanLatencyMs = 12.5): number {
  // A cap on open requests: `maxOpen` always in flight, one latency each.
  if (spec.kind === "max-open") return (rows * meanLatencyMs) / spec.maxOpen;
  if (spec.maxOpen !== undefined) {
    const rate: RateLimit = { ...spec, maxOpen: undefined };
    return Math.max((rows * meanLatencyMs) / spec.maxOpen, idealMs(rate, rows, headStartMs));
  }
  let t = 0;
  let headStart = 0;
  const limiter = createLimiter(spec, () => t + headStart);
  headStart = headStartMs;
  const maxSteps = rows * 10 + 100_000_000;
  for (let sent = 0, step = 0; sent < rows && step < maxSteps; step++) {
    if (limiter.take() === 0) sent++;
    else t += 1;
  }
  return t;
}

export async function runRateCase(c: RateCase<ApiLimit>): Promise<RateFigures> {
  const clock = virtualClock();
  const random = seededRandom(c.seed ?? 1);
  const rows = c.rows ?? rowsFor(c.limit, c.seconds ?? 20);
  const [minLatency, maxLatency] = c.latencyMs ?? [5, 20];
  const policy = { ...DEFAULT_RETRY, maxAttempts: c.maxAttempts ?? 6 };
  let headStart = 0;
  const limiter = createLimiter(c.limit, () => clock.now() + headStart);
  headStart = c.headStartMs ?? 0;
  const rate = createRateController({ clock, maxRpm: c.maxRpm, endgame: c.endgame });
  rate.rowsLeft(() => rows - finished);
  let open = 0;
  let peakOpen = 0;
  let lastAnswer = 0;
  const slot = pLimit(c.concurrency);
  const starts: RateFigures["starts"] = [];
  let demand = 0;
  /** Wakes the feeder when a row stops attempting (the pipeline's `changed()`). */
  let wakeFeeder: (() => void) | undefined;
  let finished = 0;
  let failedRows = 0;
  let throttled = 0;

  async function attempt(): Promise<{ refusedFor?: number; startedAt: number }> {
    demand++;
    try {
      return await slot(async () => {
        const startedAt = await rate.acquire();
        const refusedFor = limiter.take();
        starts.push({ at: clock.now(), accepted: refusedFor === 0 });
        if (refusedFor === 0) peakOpen = Math.max(peakOpen, ++open);
        // The gateway answers a 429 before any work; an accepted request takes the latency.
        const latency = minLatency + Math.floor(random() * (maxLatency - minLatency + 1));
        await clock.sleep(refusedFor > 0 ? 1 : latency);
        if (refusedFor === 0) {
          open--;
          limiter.release();
        }
        lastAnswer = clock.now();
        return { refusedFor: refusedFor || undefined, startedAt };
      });
    } finally {
      demand--;
      wakeFeeder?.();
    }
  }

  async function row(): Promise<void> {
    for (let attempts = 1; attempts <= policy.maxAttempts; attempts++) {
      const a = await attempt();
      const retryAfterMs = a.refusedFor === undefined ? undefined : a.refusedFor * 1000;
      rate.onAnswer(retryAfterMs !== undefined, retryAfterMs, a.startedAt);
      if (retryAfterMs === undefined) return;
      throttled++;
      const delay = retryDelay(attempts, retryAfterMs, policy, random);
      if (delay === undefined) break;
      await clock.sleep(delay);
    }
    failedRows++;
  }

  // The pipeline's feeder: the next row only while fewer than --concurrency rows are attempting.
  void (async () => {
    for (let next = 0; next < rows; next++) {
      // Bounded: every pass waits for a row to stop attempting, and attempts end.
      for (let wait = 0; demand >= c.concurrency && wait < 10_000_000; wait++)
        await new Promise<void>((resolve) => (wakeFeeder = resolve));
      void row().finally(() => finished++);
    }
  })();
  const meanLatency = (minLatency + maxLatency) / 2;
  const limitMs = (idealMs(c.limit, rows, c.headStartMs, meanLatency) + 600_000) * 4;
  const pace: RateFigures["pace"] = [];
  for (let t = 1_000; finished < rows && t <= limitMs; t += 1_000) {
    await clock.advanceTo(t);
    pace.push({ at: t, perSecond: rate.ratePerSecond ?? Infinity });
  }
  if (finished < rows) throw new Error(`${c.name}: ${rows - finished} rows unfinished after ${limitMs} ms`);

  const elapsedMs = starts[starts.length - 1].at - starts[0].at;
  const ideal = idealMs(c.limit, rows, c.headStartMs, meanLatency);
  const lastThrottled = rate.lastThrottledAt;
  return {
    rows,
    requests: starts.length,
    throttled,
    failedRows,
    elapsedMs,
    idealMs: ideal,
    share: ideal / Math.max(1, elapsedMs),
    throttledShare: throttled / starts.length,
    starts,
    pace,
    peakOpen,
    tailMs: lastThrottled === undefined ? 0 : lastAnswer - lastThrottled,
    runMs: lastAnswer - starts[0].at,
  };
}
