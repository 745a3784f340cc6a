// Whole CLI runs (dist/cli.js, a child process) against the simulator in real time, for the
// limits a pace alone cannot meet: a cap on open requests (4, 8, 16 at 20–60 ms latency), a
// bucket with a cap, and a bucket whose Retry-After (30 s) makes the end of a run the costly
// part (tailSeconds). Used by `npm run bench` (d); on its own, after `npm run bench` has built it:
//   node .bench/build/bench/rate-runs.js [caps|endgame|windows]...
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startSimulator, type ApiLimit } from "../src/simulator/index.js";
import { CLI, lastJson, runNode } from "./proc.js";

export interface RealRun {
  name: string;
  /** What the limit allows ÷ what the run took, first request to last answer at the simulator. */
  share: number;
  /** The same ÷ the run's own elapsedSeconds (start-up, sign-in and the results file included). */
  wholeShare: number;
  throttledShare: number;
  tailSeconds: number | null;
  elapsedSeconds: number;
  confirmed: number;
  rows: number;
}

interface RealCase {
  name: string;
  limit: ApiLimit;
  rows: number;
  latency: [number, number];
  /** Seconds the limit needs for `accepted` requests (the ideal run). */
  ideal: (accepted: number) => number;
  /** A cap's reference: the same run without the cap, at --concurrency of the cap. */
  knownCap?: number;
}

const mean = ([a, b]: [number, number]) => (a + b) / 2000;

export function capCases(scale = 1): RealCase[] {
  const cases: RealCase[] = [];
  for (const maxOpen of [4, 8, 16]) {
    const latency: [number, number] = [20, 60];
    cases.push({
      name: `cap ${maxOpen} open, 20–60 ms`,
      limit: { kind: "max-open", maxOpen },
      rows: Math.round(maxOpen * 25 * 15 * scale),
      latency,
      ideal: (accepted) => (accepted * mean(latency)) / maxOpen,
      knownCap: maxOpen,
    });
  }
  const latency: [number, number] = [20, 60];
  cases.push({
    name: "bucket 200/s burst 10 and cap 4 open, 20–60 ms",
    limit: { perSecond: 200, burst: 10, retryAfterSeconds: 1, maxOpen: 4 },
    rows: Math.round(1_500 * scale),
    latency,
    ideal: (accepted) => Math.max((accepted * mean(latency)) / 4, (accepted - 10) / 200),
  });
  return cases;
}

/** Windows of 100 per 5 s with whole-second Retry-After, as Partner Center sends it. */
export function windowCases(rows = 1_000): RealCase[] {
  return (["sliding-window", "fixed-window"] as const).map((kind) => ({
    name: `${kind} 100 per 5 s, ${rows} rows, 10 ms`,
    limit: { kind, limit: 100, windowSeconds: 5 },
    rows,
    latency: [10, 10],
    ideal: (accepted: number) => (Math.max(0, accepted - 100) * 5) / 100,
  }));
}

export function endgameCase(rows = 1_200): RealCase {
  return {
    name: `bucket 40/s burst 10 Retry-After 30 s, ${rows} rows, 10 ms`,
    limit: { perSecond: 40, burst: 10, retryAfterSeconds: 30 },
    rows,
    latency: [10, 10],
    ideal: (accepted) => (accepted - 10) / 40,
  };
}

/**
 * A cap's run beside the same run told the cap (no limiter, --concurrency of the cap): the best a
 * client can do with that many open on this machine, real timers and all. Its share is the ratio.
 */
export async function capRun(c: RealCase, dir: string): Promise<RealRun> {
  const run = await realRun(c, dir);
  if (c.knownCap === undefined) return run;
  const told = await realRun({ ...c, limit: undefined }, dir, c.knownCap);
  return {
    ...run,
    share: told.busySeconds / run.busySeconds,
    name: `${c.name} (beside --concurrency ${c.knownCap})`,
  };
}

export async function realRun(
  c: Omit<RealCase, "limit"> & { limit: ApiLimit | undefined },
  dir: string,
  concurrency = 32,
): Promise<RealRun & { busySeconds: number }> {
  const file = path.join(dir, `in-${c.rows}.csv`);
  await writeGeneratedCsv(file, c.rows, { salt: c.name.length });
  const sim = await startSimulator({
    host: "127.0.0.1",
    latencyMs: c.latency[0],
    latencyMaxMs: c.latency[1],
    ...(c.limit ? { rateLimit: c.limit } : {}),
  });
  try {
    const out = path.join(dir, `out-${Date.now()}.csv`);
    const args = ["run", file, "--out", out, "--base-url", sim.url, "--concurrency", String(concurrency)];
    args.push("--json", "--quiet");
    const env = { ...process.env, PARTNER_CENTER_ACCESS_TOKEN: "bench-token" };
    // RATE_RUNS_CLI: another build of the CLI, to measure a change against it.
    const res = await runNode(process.env.RATE_RUNS_CLI ?? CLI, args, { env, timeoutMs: 10 * 60_000 });
    const s = lastJson<{
      statuses: Record<string, number>;
      elapsedSeconds: number;
    }>(res.stdout);
    if (!s) throw new Error(`${c.name}: no summary (exit ${res.code}): ${res.stderr.slice(0, 400)}`);
    const { requests, throttled, firstRequestAt, lastAnswerAt, lastThrottledAt } = sim.stats;
    const ideal = c.ideal(requests - throttled);
    const busySeconds = Math.max(0.001, (lastAnswerAt - firstRequestAt) / 1000);
    return {
      name: c.name,
      busySeconds,
      share: ideal / busySeconds,
      wholeShare: ideal / s.elapsedSeconds,
      throttledShare: requests > 0 ? throttled / requests : 0,
      // As the API saw it (the summary's tailSeconds counts to the end of the process's run).
      tailSeconds: lastThrottledAt > 0 ? Math.round((lastAnswerAt - lastThrottledAt) / 100) / 10 : null,
      elapsedSeconds: s.elapsedSeconds,
      confirmed: s.statuses.confirmed ?? 0,
      rows: c.rows,
    };
  } finally {
    await sim.close();
  }
}

export function describeRun(r: RealRun): string {
  const tail = r.tailSeconds === null ? "no 429" : `tail ${r.tailSeconds} s`;
  return (
    `${r.name}: ${(r.share * 100).toFixed(1)}% of the limit (${(r.wholeShare * 100).toFixed(1)}% whole run), ` +
    `${(r.throttledShare * 100).toFixed(2)}% 429, ` +
    `${r.elapsedSeconds} s, ${tail}, ${r.confirmed}/${r.rows} confirmed`
  );
}

async function main(which: string[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mca-rate-runs-"));
  try {
    const cases = [
      ...(which.includes("caps") ? capCases() : []),
      ...(which.includes("endgame") ? [endgameCase()] : []),
      ...(which.includes("windows") ? windowCases() : []),
    ];
    for (const c of cases) console.log(describeRun(await capRun(c, dir)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("rate-runs.js")) {
  const which = process.argv.slice(2);
  await main(which.length > 0 ? which : ["caps", "endgame"]);
}
