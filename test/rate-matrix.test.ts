// Whole runs against every limiter shape of the matrix (test/helpers/rate-matrix.ts), in virtual
// time: the engine's gate, calls with their retries and pace (test/helpers/rate-run.ts) against the
// simulator's own limiter classes: share of the limit and 429 share per case.
// RATE_FIGURES=1 prints each case's figures.
import { describe, expect, it } from "vitest";
import { rowsFor, runRateCase, type RateFigures } from "./helpers/rate-run.js";
import { BELOW_TARGET, CHANGE_AFTER_SECONDS, matrixCases, TARGET } from "./helpers/rate-matrix.js";
import type { RateCase } from "./helpers/rate-run.js";

function startsPerSecond(
  f: RateFigures,
  fromSecond: number,
  toSecond: number,
  acceptedOnly: boolean,
): number {
  const from = fromSecond * 1000;
  const to = toSecond * 1000;
  const n = f.starts.filter((s) => s.at >= from && s.at < to && (!acceptedOnly || s.accepted)).length;
  return n / (toSecond - fromSecond);
}

async function meetsTarget(c: RateCase): Promise<void> {
  const f = await runRateCase(c);
  if (process.env.RATE_FIGURES)
    console.log(
      `${c.name}: share ${f.share.toFixed(3)} 429 ${(f.throttledShare * 100).toFixed(1)}% (${f.throttled}/${f.requests}) failed ${f.failedRows} elapsed ${(f.elapsedMs / 1000).toFixed(1)} ideal ${(f.idealMs / 1000).toFixed(1)}`,
    );
  expect(f.failedRows).toBe(0);
  expect(f.share).toBeGreaterThanOrEqual(TARGET.share);
  expect(f.throttledShare).toBeLessThanOrEqual(TARGET.throttled);
}

/**
 * Rows past which a case runs here at concurrency 32 only: a 200/s bucket with a 30 s Retry-After
 * runs 120,000 rows (20 Retry-Afters at the limit), 4 s of CPU at each concurrency and a third of
 * the file's. Every shape still runs here; `npm run bench` (d) runs every case at 8, 32 and 64.
 */
const LONG_ROWS = 50_000;

describe("the engine against every limiter shape (virtual time)", () => {
  const cases = matrixCases()
    .filter((c) => c.concurrency === 32 || rowsFor(c.limit, c.seconds!) <= LONG_ROWS)
    .map((c) => [c.name, c] as const);
  it.each(cases.filter(([name]) => !BELOW_TARGET.has(name)))("%s", (_name, c) => meetsTarget(c));
  // Below the bar today (BELOW_TARGET says why and by how much): expected to fail it.
  it.fails.each(cases.filter(([name]) => BELOW_TARGET.has(name)))("below the bar: %s", (_name, c) =>
    meetsTarget(c),
  );
});

describe("rate controller when the limit changes in the middle of a run", () => {
  const changing = matrixCases().filter((c) => c.limit.change && c.concurrency === 32);

  it.each(changing.filter((c) => c.limit.change!.factor < 1).map((c) => [c.name, c] as const))(
    "follows a halved limit down within one Retry-After: %s",
    async (_name, c) => {
      const f = await runRateCase(c);
      const limit = c.limit;
      const retryAfter = "perSecond" in limit ? limit.retryAfterSeconds! : limit.windowSeconds;
      const lowered = ("perSecond" in limit ? limit.perSecond : limit.limit / limit.windowSeconds) / 2;
      // Requests of any answer: the run no longer sends above the new limit.
      const from = CHANGE_AFTER_SECONDS + retryAfter + 1;
      expect(startsPerSecond(f, from, from + 10, false)).toBeLessThanOrEqual(lowered * 1.1);
    },
  );

  it.each(changing.filter((c) => c.limit.change!.factor > 1).map((c) => [c.name, c] as const))(
    "finds a doubled limit within 30 s: %s",
    async (_name, c) => {
      // Enough rows to run on for a minute after the change at the new rate.
      const f = await runRateCase({ ...c, seconds: 150 });
      const limit = c.limit;
      const raised = ("perSecond" in limit ? limit.perSecond : limit.limit / limit.windowSeconds) * 2;
      const from = CHANGE_AFTER_SECONDS + 30;
      expect(startsPerSecond(f, from, from + 10, true)).toBeGreaterThanOrEqual(raised * 0.9);
    },
  );
});

describe("rate controller against a fixed window already under way when the run begins (a re-run)", () => {
  // The opening countdown then ends early and says the window is shorter than it is (or, when the
  // window ends within a second of the start, shows no countdown at all). The first 429 with room
  // left in the learned budget has the end of its window sharpened with single probes and W
  // measured again (src/engine/rate/window-budget.ts); without that the budget was dropped and
  // the pace held these runs at 89-95 % (docs/rate-limits.md).
  const cases = [
    { headStartMs: 1_500, limit: 100, windowSeconds: 5, share: 0.95 },
    { headStartMs: 3_500, limit: 100, windowSeconds: 5, share: 0.95 },
    { headStartMs: 1_500, limit: 1_200, windowSeconds: 60, share: 0.95 },
    { headStartMs: 20_000, limit: 1_200, windowSeconds: 60, share: 0.95 },
  ];
  it.each(
    cases.map((c) => [`${c.limit}/${c.windowSeconds} s, ${c.headStartMs / 1000} s under way`, c] as const),
  )("%s", async (_name, c) => {
    const f = await runRateCase({
      name: _name,
      limit: { kind: "fixed-window", limit: c.limit, windowSeconds: c.windowSeconds },
      concurrency: 32,
      seconds: c.windowSeconds * 12,
      headStartMs: c.headStartMs,
    });
    if (process.env.RATE_FIGURES)
      console.log(`${_name}: share ${f.share.toFixed(3)} 429 ${(f.throttledShare * 100).toFixed(1)}%`);
    expect(f.failedRows).toBe(0);
    expect(f.share).toBeGreaterThanOrEqual(c.share);
    expect(f.throttledShare).toBeLessThanOrEqual(0.05);
  });
});

describe("rate controller against a fixed window with under a second left when the run begins", () => {
  // The slow start's first requests (36 at --concurrency 32 in 0.5 s) are accepted by the window
  // that ends, without a refusal; the opening then counts them into the next window's N (1,236)
  // and its W (60.6 s of 60). The first closing after it took 1,200 since the opening: N is that,
  // and W is measured again over the two windows since the first start after those 36
  // (src/engine/rate/window-budget.ts). Left as it was, the budget started each window later than
  // the last and a window's 1,201st request, refused with room left, dropped it: the last
  // window's rows went at the pace, over 11-12 s. The oracle takes the ending window's whole
  // 1,200 in its last half second, which no run at these concurrencies can (8 requests open at
  // 5-20 ms each: at most 640 a second), so the run is held to one window more than it.
  it.each([
    [32, 500],
    [32, 300],
    [8, 500],
    [8, 150],
  ] as const)(
    "--concurrency %i, %i ms left: every later window's rows go at once",
    async (concurrency, leftMs) => {
      const f = await runRateCase({
        name: "fixed-window",
        limit: { kind: "fixed-window", limit: 1_200, windowSeconds: 60 },
        concurrency,
        rows: 4_000,
        headStartMs: 60_000 - leftMs,
      });
      expect(f.failedRows).toBe(0);
      // The last window takes the last 364 rows: at once (11-12 s at the pace).
      const tail = f.starts.filter((s) => s.accepted).slice(-300);
      expect(tail[tail.length - 1].at - tail[0].at).toBeLessThan(2_000);
      // 181.6-182.7 s (194.6-196.3 s with the budget dropped).
      expect(f.runMs).toBeLessThanOrEqual(f.idealMs + 63_000);
      expect(f.throttled).toBeLessThanOrEqual(40);
    },
  );
});

describe("rate controller against a window whose budget it learned", () => {
  // A window takes its N at any rate: once the budget is learned the pace does not spread them.
  // Paced at the curve (about 25/s against 1,200 per minute), the last window's 400 rows took
  // 16 s of it and the run reached 90 % of the limit (bench scenario d). That happens when the
  // first window's 429s all come at once, so no countdown shows before the second window and the
  // pace is cut there: in real time at --concurrency 32, in virtual time (answers at once) at 128.
  // 59 s under way, the first window ends within a second of the start and draws no countdown:
  // the opening's N counts two windows (2,385 of 1,200) and the third window's 429s, started with
  // room left in that budget, lower it to what the window took (one closing more, so more 429s).
  // Read as a budget proved wrong, they dropped it: the last 708 rows at the pace, 0.88.
  it.each([
    ["fixed-window", 0, 60],
    ["fixed-window", 20_000, 60],
    ["fixed-window", 59_000, 80],
    ["sliding-window", 0, 60],
  ] as const)(
    "%s of 1,200 per 60 s (%i ms under way): the last window's rows go at once",
    async (kind, headStartMs, most429) => {
      const f = await runRateCase({
        name: kind,
        limit: { kind, limit: 1_200, windowSeconds: 60 },
        concurrency: 128,
        rows: 4_000,
        latencyMs: [10, 10],
        headStartMs,
      });
      expect(f.failedRows).toBe(0);
      const accepted = f.starts.filter((s) => s.accepted);
      // The last 400 accepted: within 2 s of the first of them (the last window's opening).
      const tail = accepted.slice(-400);
      expect(tail[tail.length - 1].at - tail[0].at).toBeLessThan(2_000);
      expect(f.share).toBeGreaterThanOrEqual(0.97);
      // 47-52 429s here (75 at 59 s under way); 83-88 while the 429s that looked like a cap's
      // stayed in the window's log and N was learned 18 too high (each window then drew 18).
      expect(f.throttled).toBeLessThanOrEqual(most429);
    },
  );
  // 59 s under way with slower answers the first window's last second takes fewer (605 at 64 and
  // 20-60 ms), so the opening's N (1,805) is less than twice the limit, and the next window's
  // 1,200 is 66 % of it: too many to be read as a lower N by share alone, and the budget was
  // dropped (the last window's 995 rows at the pace, 0.72-0.76). That window closed one W after
  // the last one, less the second the opening counted too much: it is a fixed window's next one.
  it.each([
    [64, [20, 60], 2],
    [64, [5, 150], 2],
    [128, [5, 150], 1],
  ] as const)(
    "fixed-window of 1,200 per 60 s 59 s under way, --concurrency %i, %j ms (seed %i): the next window's count is its N",
    async (concurrency, latencyMs, seed) => {
      const f = await runRateCase({
        name: "fixed-window",
        limit: { kind: "fixed-window", limit: 1_200, windowSeconds: 60 },
        concurrency,
        rows: 4_000,
        latencyMs: [...latencyMs],
        headStartMs: 59_000,
        seed,
      });
      expect(f.failedRows).toBe(0);
      const tail = f.starts.filter((s) => s.accepted).slice(-400);
      expect(tail[tail.length - 1].at - tail[0].at).toBeLessThan(2_000);
      expect(f.share).toBeGreaterThanOrEqual(0.97);
      expect(f.throttled).toBeLessThanOrEqual(80);
    },
  );
});

describe("rate controller against a sliding window other clients had partly used", () => {
  // 700 of 1,200 per minute taken 20 s before the run (another run of the same tenant): the first
  // closing's Retry-After says when the other client's requests leave (40 s), not the window's
  // length, and the budget learns 500 per 40 s (docs/rate-limits.md "Real runs"). The ideal is
  // 180 s for 4,000 rows. At the next closing, which ends 20 s before the run's requests within
  // that W could leave, W is measured again (longerWindow): 0.89 here, 0.78 before. What is left
  // is the window between: the budget replays 500 where 700 were free, and finds out at the
  // probe two windows later. test/rate.test.ts reaches the bar with workers that retry at once.
  const busy = {
    name: "sliding 1,200 per 60 s, 700 taken 20 s before",
    limit: { kind: "sliding-window", limit: 1_200, windowSeconds: 60 },
    concurrency: 32,
    rows: 4_000,
    latencyMs: [10, 10],
    prefill: { requests: 700, agoMs: 20_000 },
  } satisfies RateCase;

  it("confirms every row at 85 % of the limit or more, with few 429s", async () => {
    const f = await runRateCase(busy);
    if (process.env.RATE_FIGURES)
      console.log(`${busy.name}: share ${f.share.toFixed(3)} 429 ${f.throttled}/${f.requests}`);
    expect(f.idealMs).toBe(180_000); // 500 at once, then the window's own turnover
    expect(f.failedRows).toBe(0);
    expect(f.share).toBeGreaterThanOrEqual(0.85);
    expect(f.throttledShare).toBeLessThanOrEqual(0.05);
  });

  it.fails("below the bar: reaches 95 % of it", async () => {
    expect((await runRateCase(busy)).share).toBeGreaterThanOrEqual(0.95);
  });
});

describe("rate controller in steady state against a bucket", () => {
  // After a probe's 429 the pace returns to the measured rate. It returned 3 % over it, where a
  // bucket refuses one request in about 38: 2.6 % of a 5/s run's requests after its opening.
  it.each([5, 40, 200])(
    "answers 429 to at most one request in 50 after the opening: %i/s, burst 10, Retry-After 1 s",
    async (perSecond) => {
      const f = await runRateCase({
        name: `bucket ${perSecond}/s`,
        limit: { perSecond, burst: 10, retryAfterSeconds: 1 },
        concurrency: 32,
        seconds: 200,
      });
      const t0 = f.starts[0].at;
      const steady = f.starts.filter((s) => s.at - t0 >= 10_000);
      const refused = steady.filter((s) => !s.accepted).length;
      if (process.env.RATE_FIGURES)
        console.log(`${perSecond}/s steady: ${refused}/${steady.length} 429, share ${f.share.toFixed(4)}`);
      expect(f.share).toBeGreaterThanOrEqual(0.99);
      expect(refused / steady.length).toBeLessThanOrEqual(0.02);
    },
  );
});
