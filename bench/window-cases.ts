// Whole CLI runs against the simulator's fixed and sliding windows in real time, with the
// whole-second Retry-After Partner Center sends (`Retry-After: 57`), including a fixed window
// already under way when the run starts (a re-run started seconds after another): the simulator
// is started, the run `headStartMs` later (its FixedWindow counts windows from its creation).
// On its own, after `npm run bench` (or `tsc -p tsconfig.bench.json`) has built it:
//   node .bench/build/bench/window-cases.js [short|minute|all] [--trace]
// --trace prints, per 250 ms of the run, the requests the simulator accepted and refused;
// WINDOW_CASE=<part of a name> runs only the matching cases, WINDOW_ROWS=<n> another row count,
// RATE_RUNS_CLI=<other build>/dist/cli.js another build.
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startSimulator, type ApiLimit } from "../src/simulator/index.js";
import { CLI, lastJson, runNode } from "./proc.js";
import { describeRun, type RealRun } from "./rate-runs.js";

export interface WindowCase {
  name: string;
  kind: "fixed-window" | "sliding-window";
  limit: number;
  windowSeconds: number;
  rows: number;
  /** The simulator (and its fixed window) starts this long before the run. */
  headStartMs: number;
}

function windowCase(
  kind: WindowCase["kind"],
  limit: number,
  windowSeconds: number,
  rows: number,
  headStartMs = 0,
): WindowCase {
  const begun = headStartMs > 0 ? `, begun ${headStartMs / 1000} s before` : "";
  const name = `${kind} ${limit} per ${windowSeconds} s${begun}, ${rows} rows, 10 ms`;
  return { name, kind, limit, windowSeconds, rows, headStartMs };
}

/** 100 per 5 s over 1,000 rows: fixed (fresh, begun 1.5 s and 3.5 s before) and sliding. */
export function shortWindowCases(rows = 1_000): WindowCase[] {
  return [
    windowCase("fixed-window", 100, 5, rows),
    windowCase("fixed-window", 100, 5, rows, 1_500),
    windowCase("fixed-window", 100, 5, rows, 3_500),
    windowCase("sliding-window", 100, 5, rows),
  ];
}

/** 1,200 per minute over 4,000 rows: fixed (fresh, begun 20 s before) and sliding. */
export function minuteWindowCases(rows = 4_000): WindowCase[] {
  return [
    windowCase("fixed-window", 1_200, 60, rows),
    windowCase("fixed-window", 1_200, 60, rows, 20_000),
    windowCase("sliding-window", 1_200, 60, rows),
  ];
}

/**
 * What a client that knows the window needs for `accepted` requests, first request to last
 * answer, as bench/rate-runs.ts counts it: the first N at once, then N per window, continuously
 * (a fixed window begun h before the run opens its second window h sooner).
 */
export function idealSeconds(c: WindowCase, accepted: number): number {
  const begun = c.kind === "fixed-window" ? c.headStartMs / 1000 : 0;
  return Math.max(0, ((accepted - c.limit) * c.windowSeconds) / c.limit - begun);
}

/**
 * The oracle of the virtual-time tests (test/helpers/rate-run.ts idealMs): every request at the
 * first moment the limiter takes it. Windows take N at a time, so the last of `accepted` requests
 * goes k = ⌊(accepted − 1) ÷ N⌋ windows after the first, less how far a fixed window was under way
 * when the run's first request came (`phaseMs`, from the simulator's creation: start-up included).
 */
export function oracleSeconds(c: WindowCase, accepted: number, phaseMs: number): number {
  const k = Math.floor((accepted - 1) / c.limit);
  const under = c.kind === "fixed-window" ? (phaseMs % (c.windowSeconds * 1000)) / 1000 : 0;
  return k === 0 ? 0 : k * c.windowSeconds - under;
}

export interface WindowRun extends RealRun {
  /** oracleSeconds ÷ the run's time, first request to last answer. */
  oracleShare: number;
  /** From the simulator's creation (its fixed window's start) to the run's first request. */
  phaseMs: number;
}

interface Answer {
  at: number;
  status: number;
}

/** Records every answer's time and status in this process (the simulator runs in it). */
function traceAnswers(): { answers: Answer[]; stop: () => void } {
  const answers: Answer[] = [];
  const proto = http.ServerResponse.prototype;
  const own = Object.getOwnPropertyDescriptor(proto, "writeHead");
  const original = own?.value as (this: http.ServerResponse, ...a: unknown[]) => http.ServerResponse;
  proto.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    answers.push({ at: Date.now(), status: args[0] as number });
    return original.apply(this, args);
  } as typeof proto.writeHead;
  return { answers, stop: () => void (own && Object.defineProperty(proto, "writeHead", own)) };
}

export async function windowRun(c: WindowCase, dir: string, trace = false): Promise<WindowRun> {
  const file = path.join(dir, `in-${c.rows}.csv`);
  await writeGeneratedCsv(file, c.rows, { salt: c.name.length });
  const limit: ApiLimit = { kind: c.kind, limit: c.limit, windowSeconds: c.windowSeconds };
  const traced = trace ? traceAnswers() : undefined;
  const created = Date.now();
  const sim = await startSimulator({ host: "127.0.0.1", latencyMs: 10, rateLimit: limit });
  try {
    if (c.headStartMs > 0) await new Promise((resolve) => setTimeout(resolve, c.headStartMs));
    const out = path.join(dir, `out-${Date.now()}.csv`);
    const args = [
      "run",
      file,
      "--out",
      out,
      "--base-url",
      sim.url,
      "--concurrency",
      "32",
      "--json",
      "--quiet",
    ];
    const env = { ...process.env, PARTNER_CENTER_ACCESS_TOKEN: "bench-token" };
    const res = await runNode(process.env.RATE_RUNS_CLI ?? CLI, args, { env, timeoutMs: 10 * 60_000 });
    const s = lastJson<{ statuses: Record<string, number>; elapsedSeconds: number }>(res.stdout);
    if (!s) throw new Error(`${c.name}: no summary (exit ${res.code}): ${res.stderr.slice(0, 400)}`);
    const { requests, throttled, firstRequestAt, lastAnswerAt, lastThrottledAt } = sim.stats;
    const ideal = idealSeconds(c, requests - throttled);
    const busySeconds = Math.max(0.001, (lastAnswerAt - firstRequestAt) / 1000);
    if (traced) printTrace(traced.answers, firstRequestAt);
    const phaseMs = firstRequestAt - created;
    return {
      name: c.name,
      share: ideal / busySeconds,
      oracleShare: oracleSeconds(c, requests - throttled, phaseMs) / busySeconds,
      phaseMs,
      wholeShare: ideal / s.elapsedSeconds,
      throttledShare: requests > 0 ? throttled / requests : 0,
      tailSeconds: lastThrottledAt > 0 ? Math.round((lastAnswerAt - lastThrottledAt) / 100) / 10 : null,
      elapsedSeconds: s.elapsedSeconds,
      confirmed: s.statuses.confirmed ?? 0,
      rows: c.rows,
    };
  } finally {
    traced?.stop();
    await sim.close();
  }
}

/** Per 250 ms of the run: accepted and refused answers, to see where a run loses time. */
function printTrace(answers: Answer[], from: number): void {
  const slots = new Map<number, { ok: number; refused: number }>();
  for (const a of answers) {
    const slot = Math.floor((a.at - from) / 250);
    const s = slots.get(slot) ?? { ok: 0, refused: 0 };
    if (a.status === 429) s.refused++;
    else s.ok++;
    slots.set(slot, s);
  }
  const last = Math.max(...slots.keys());
  const lines: string[] = [];
  for (let i = 0; i <= last; i++) {
    const s = slots.get(i);
    if (s) lines.push(`${((i * 250) / 1000).toFixed(2)}s ok ${s.ok}${s.refused ? ` 429 ${s.refused}` : ""}`);
  }
  console.log(lines.join("\n"));
}

export function describeWindowRun(r: WindowRun): string {
  const oracle = `${(r.oracleShare * 100).toFixed(1)}% of the oracle`;
  return `${describeRun(r)}; ${oracle}, first request ${(r.phaseMs / 1000).toFixed(2)} s after the window began`;
}

async function main(args: string[]): Promise<void> {
  const trace = args.includes("--trace");
  const which = args.filter((a) => !a.startsWith("--"));
  const pick = which.length > 0 ? which : ["short"];
  // WINDOW_ROWS: another row count (the metadata call makes one request more than the rows).
  const rows = process.env.WINDOW_ROWS ? Number(process.env.WINDOW_ROWS) : undefined;
  const cases = [
    ...(pick.includes("short") || pick.includes("all") ? shortWindowCases(rows ?? 1_000) : []),
    ...(pick.includes("minute") || pick.includes("all") ? minuteWindowCases(rows ?? 4_000) : []),
  ];
  const only = process.env.WINDOW_CASE;
  const dir = await mkdtemp(path.join(os.tmpdir(), "mca-window-runs-"));
  try {
    for (const c of cases.filter((x) => !only || x.name.includes(only)))
      console.log(describeWindowRun(await windowRun(c, dir, trace)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("window-cases.js")) await main(process.argv.slice(2));
