// A whole run against a rate-limited API, in virtual time: the engine's own parts as
// src/engine/api.ts wires them (breaker → p-limit slot → rate controller in src/engine/gate.ts,
// callWithRetries of src/engine/call.ts with its retry policy and verdicts, the row window of
// src/engine/row-window.ts feeding rows as the run's pipeline does), on the virtual clock, with
// a send function in place of the HTTP client: it asks the simulator's own limiter classes
// (src/simulator/limiter.ts) for a verdict at the virtual time and answers an Attempt (201, or
// 429 with Retry-After) after a virtual latency. The figures here are the engine's against the
// simulator's limiters. Minutes of traffic take a second or two and come out the same every
// time (seeded latency and jitter).
import { wireGate } from "../../src/engine/api.js";
import { callWithRetries, type CallContext } from "../../src/engine/call.js";
import { DEFAULT_RETRY } from "../../src/engine/retry.js";
import { createWindow } from "../../src/engine/row-window.js";
import { createRunStop } from "../../src/engine/stop.js";
import { silentLogger } from "../../src/log.js";
import type { Attempt } from "../../src/partner-center/client.js";
import { seededRandom } from "../../src/simulator/faults.js";
import { createLimiter, sustainedRate, type ApiLimit, type RateLimit } from "../../src/simulator/limiter.js";
import { virtualClock, type VirtualClock } from "./virtual-clock.js";

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
  /** Requests another client made `agoMs` before the run (a sliding window partly used). */
  prefill?: Prefill;
}

export interface Prefill {
  requests: number;
  agoMs: number;
}

/** A fresh limiter on `now`, began `headStartMs` before it, holding `prefill`'s requests. */
function limiterFor(spec: ApiLimit, now: () => number, headStartMs = 0, prefill?: Prefill) {
  let offset = -(prefill?.agoMs ?? 0);
  const limiter = createLimiter(spec, () => now() + offset);
  for (let i = 0; i < (prefill?.requests ?? 0); i++) limiter.take();
  offset = headStartMs;
  return limiter;
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
  /**
   * Most rows read past the oldest unfinished one (the row window's span in use): the rows a
   * real run would hold in memory for ordered writing are at most this many.
   */
  peakAhead: number;
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
export function idealMs(
  spec: ApiLimit,
  rows: number,
  headStartMs = 0,
  meanLatencyMs = 12.5,
  prefill?: Prefill,
): number {
  // A cap on open requests: `maxOpen` always in flight, one latency each.
  if (spec.kind === "max-open") return (rows * meanLatencyMs) / spec.maxOpen;
  if (spec.maxOpen !== undefined) {
    const rate: RateLimit = { ...spec, maxOpen: undefined };
    return Math.max(
      (rows * meanLatencyMs) / spec.maxOpen,
      idealMs(rate, rows, headStartMs, meanLatencyMs, prefill),
    );
  }
  let t = 0;
  const limiter = limiterFor(spec, () => t, headStartMs, prefill);
  const maxSteps = rows * 10 + 100_000_000;
  for (let sent = 0, step = 0; sent < rows && step < maxSteps; step++) {
    if (limiter.take() === 0) sent++;
    else t += 1;
  }
  return t;
}

/** What the virtual API saw and what became of the rows, as the run goes. */
interface Tally {
  starts: RateFigures["starts"];
  open: number;
  peakOpen: number;
  lastAnswer: number;
  throttled: number;
  failedRows: number;
  finished: number;
}

const OK_BODY = JSON.stringify({ userId: "00000000-0000-4000-8000-000000000001" });

/**
 * In place of the client's confirm: the limiter's verdict at the virtual time the engine sends,
 * answered as Partner Center would. The gateway answers a 429 before any work (1 ms); an
 * accepted request takes the latency.
 */
function virtualApi(c: RateCase<ApiLimit>, clock: VirtualClock, random: () => number, tally: Tally) {
  const [minLatency, maxLatency] = c.latencyMs ?? [5, 20];
  const limiter = limiterFor(c.limit, () => clock.now(), c.headStartMs, c.prefill);
  return async (): Promise<Attempt> => {
    const refusedFor = limiter.take();
    tally.starts.push({ at: clock.now(), accepted: refusedFor === 0 });
    if (refusedFor === 0) tally.peakOpen = Math.max(tally.peakOpen, ++tally.open);
    const latency = minLatency + Math.floor(random() * (maxLatency - minLatency + 1));
    await clock.sleep(refusedFor > 0 ? 1 : latency);
    tally.lastAnswer = clock.now();
    if (refusedFor > 0) {
      tally.throttled++;
      return { kind: "response", status: 429, body: "", retryAfter: String(refusedFor), durationMs: 1 };
    }
    tally.open--;
    limiter.release();
    const body = OK_BODY;
    return { kind: "response", status: 201, body, contentType: "application/json", durationMs: latency };
  };
}

/** The rows' order of writing: the window holds rows within its size of the first unfinished one. */
function writtenOrder(rows: number) {
  const done = new Uint8Array(rows + 2);
  let next = 1;
  return {
    nextRow: () => next,
    finish(rowNumber: number) {
      done[rowNumber] = 1;
      while (next <= rows && done[next]) next++;
    },
  };
}

/** The engine as src/engine/api.ts wires it, on the virtual clock, without an HTTP client. */
function engine(
  c: RateCase<ApiLimit>,
  clock: VirtualClock,
  random: () => number,
  rows: number,
  tally: Tally,
) {
  const stop = createRunStop(silentLogger);
  const order = writtenOrder(rows);
  const window = createWindow({ concurrency: c.concurrency, nextRow: order.nextRow });
  const config = { concurrency: c.concurrency, maxRpm: c.maxRpm, outageTimeoutMs: OUTAGE_TIMEOUT_MS };
  const { rate, gate } = wireGate({ config, clock, stop, window, endgame: c.endgame });
  rate.rowsLeft(() => rows - tally.finished);
  const context: CallContext = {
    gate,
    policy: { ...DEFAULT_RETRY, maxAttempts: c.maxAttempts ?? 6 },
    clock,
    logger: silentLogger,
    stop,
    renewToken: () => Promise.resolve(false),
    random,
  };
  return { rate, stop, window, order, context };
}

/** --outage-timeout's default (docs/cli.md): no Retry-After of the matrix comes near it. */
const OUTAGE_TIMEOUT_MS = 600_000;

export async function runRateCase(c: RateCase<ApiLimit>): Promise<RateFigures> {
  const clock = virtualClock();
  const random = seededRandom(c.seed ?? 1);
  const rows = c.rows ?? rowsFor(c.limit, c.seconds ?? 20);
  const tally: Tally = {
    starts: [],
    open: 0,
    peakOpen: 0,
    lastAnswer: 0,
    throttled: 0,
    failedRows: 0,
    finished: 0,
  };
  const send = virtualApi(c, clock, random, tally);
  const { rate, stop, window, order, context } = engine(c, clock, random, rows, tally);
  let peakAhead = 0;

  async function row(rowNumber: number): Promise<void> {
    const { result } = await callWithRetries(context, { what: "confirm", rowNumber }, send);
    if (result.end !== "ok") tally.failedRows++;
    order.finish(rowNumber);
    tally.finished++;
  }
  // The run's feeder (src/run/pipeline.ts): the next row once a worker is free and it fits the window.
  void (async () => {
    for (let rowNumber = 1; rowNumber <= rows && !stop.signal.aborted; rowNumber++) {
      const worker = window.waitForWorker(rowNumber);
      if (worker) await worker;
      peakAhead = Math.max(peakAhead, rowNumber - order.nextRow());
      window.track(row(rowNumber));
    }
  })();

  const [minLatency, maxLatency] = c.latencyMs ?? [5, 20];
  const ideal = idealMs(c.limit, rows, c.headStartMs, (minLatency + maxLatency) / 2, c.prefill);
  const limitMs = (ideal + 600_000) * 4;
  const pace: RateFigures["pace"] = [];
  for (let t = 1_000; tally.finished < rows && !stop.signal.aborted && t <= limitMs; t += 1_000) {
    await clock.advanceTo(t);
    pace.push({ at: t, perSecond: rate.ratePerSecond ?? Infinity });
  }
  if (stop.reason) throw new Error(`${c.name}: the run stopped: ${stop.reason.message}`);
  if (tally.finished < rows)
    throw new Error(`${c.name}: ${rows - tally.finished} rows unfinished after ${limitMs} ms`);

  const { starts } = tally;
  const elapsedMs = starts[starts.length - 1].at - starts[0].at;
  const lastThrottled = rate.lastThrottledAt;
  return {
    rows,
    requests: starts.length,
    throttled: tally.throttled,
    failedRows: tally.failedRows,
    elapsedMs,
    idealMs: ideal,
    share: ideal / Math.max(1, elapsedMs),
    throttledShare: tally.throttled / starts.length,
    starts,
    pace,
    peakOpen: tally.peakOpen,
    tailMs: lastThrottled === undefined ? 0 : tally.lastAnswer - lastThrottled,
    runMs: tally.lastAnswer - starts[0].at,
    peakAhead,
  };
}
