// `npm run bench [-- --quick] [-- --only a,c] [-- --json-out file] [-- --rate-cases <substring>]`: the performance figures of
// mca-confirm, each measured on the compiled CLI as a separate process, against the bundled
// simulator on 127.0.0.1. Data is generated into a temp dir that is removed afterwards.
//
//   a  validate 500k rows beside csv-parse alone on the same file: rows/s, the ratio, peak RSS
//   b  run 20k rows, no latency, --concurrency 32, beside got alone sending the same requests:
//      rows/s, CPU per row (the CLI process's CPU time) and its ratio to got alone's, log size
//      per 1,000 rows
//   c  run at 20 ms latency, default concurrency, against a sequential one-request-at-a-time loop
//   d  rate limits: the whole limiter matrix in virtual time (one line per case, share of the
//      limit and 429 share, then the worst case), and the real-time matrix (bench/rate-runs.ts):
//      whole CLI runs against a fresh simulator per case (buckets 5/40/200 per s × burst 1/10/100
//      × Retry-After 1 and 30 s, fixed and sliding windows, also begun before the run, a limit
//      halved and doubled mid-run, caps of 4/8/16 open requests, a bucket with a cap), printed as
//      a table with the worst share last; and a 30 s Retry-After run with and without the endgame
//      rule for its tail. `--rate-cases <substring>` runs only the matching real-time cases.
//   e  faulty simulator (15% faults, 3% of each kind): requests per row, duplicate records, all confirmed
//   f  run 1M rows, no latency, --concurrency 32: peak RSS, rows/s
//   g  pending over 10k customers at 5 ms latency, default concurrency: customers/s, peak RSS
//   h  start-up: `--version`, and a 10-row run against a simulator process, 15 times each: the
//      medians of wall time and CPU (user + system), as a user waits for them
// a and b run 3 paired rounds and report medians: the machine may be busy with other work.
//
// `--quick` (or BENCH_QUICK=1) scales everything down about 10x for a smoke run.

import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { parseArgs } from "node:util";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import {
  BENCH_TOKEN,
  cliEnv,
  HAVE_GNU_TIME,
  lastJson,
  REFERENCES,
  runCli,
  runNode,
  startSimulatorProcess,
  type ChildResult,
  type SimulatorProcess,
} from "./proc.js";
import { runSequential } from "./sequential.js";
import { printRateMatrix } from "./rate-matrix.js";
import {
  BAR,
  endgameCases,
  endgameTable,
  matrixCases,
  matrixTable,
  quickCases,
  runCases,
  type RealRun,
} from "./rate-runs.js";

interface Summary {
  rows: number;
  statuses: Record<string, number>;
  requests: number;
  throttled: number;
  elapsedSeconds: number;
  rowsPerSecond: number;
  exitCode: number;
  stopped: { reason: string; message: string } | null;
}

interface Row {
  scenario: string;
  figure: string;
  value: string;
  target: string;
  pass?: boolean;
}

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "json-out": { type: "string" },
    "rate-cases": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(
    "npm run bench [-- --quick] [-- --only a,b,c,d,e,f,g,h] [-- --json-out file] [-- --rate-cases <substring>]\n" +
      "  BENCH_QUICK=1 is the same as --quick; BENCH_RATE_CASES=<substring> as --rate-cases (d's real-time\n" +
      "  cases whose name contains it, without the virtual-time matrix).\n",
  );
  process.exit(0);
}

const QUICK = values.quick || process.env.BENCH_QUICK === "1";
const ALL = ["a", "b", "c", "d", "e", "f", "g", "h"] as const;
type Scenario = (typeof ALL)[number];
const only = values.only
  ? values.only
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean)
  : [...ALL];
for (const s of only) {
  if (!(ALL as readonly string[]).includes(s)) {
    process.stderr.write(`bench: unknown scenario "${s}" (choose from ${ALL.join(",")})\n`);
    process.exit(2);
  }
}
const selected = new Set(only as Scenario[]);

const q = (full: number, quick: number) => (QUICK ? quick : full);
const SIZES = {
  validateRows: q(500_000, 50_000),
  runRows: q(20_000, 2_000),
  latencyRows: q(2_000, 300),
  sequentialRows: q(300, 60),
  faultRows: q(2_000, 300),
  bigRows: q(1_000_000, 100_000),
  pendingCustomers: q(10_000, 1_000),
  startRounds: q(15, 5),
};
/** Rounds of the paired figures (a, b), each reported as the median: the machine may be shared. */
const REPEATS = 3;
const MIN = 60_000;
const CLI_ENV = cliEnv();

const table: Row[] = [];
const notes: string[] = [];
/** Blocks of text printed before the table (the real-time matrix of d). */
const blocks: string[][] = [];
let realTime: { load: string; matrix: RealRun[]; endgame: RealRun[] } | undefined;
let dir = "";
const sims: { inProc: Simulator[]; procs: SimulatorProcess[] } = { inProc: [], procs: [] };

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (r: ChildResult) => (r.peakRssMb === undefined ? "n/a" : `${fmt(r.peakRssMb, 1)} MB`);

function record(row: Row): void {
  table.push(row);
  const mark = row.pass === undefined ? "" : row.pass ? "  PASS" : "  FAIL";
  process.stderr.write(`  [${row.scenario}] ${row.figure}: ${row.value} (target ${row.target})${mark}\n`);
}

const files = new Map<string, Promise<string>>();
/** A generated CSV of `rows` valid rows (cached per size and salt). */
function dataFile(rows: number, salt = 0): Promise<string> {
  const key = `${rows}-${salt}`;
  let p = files.get(key);
  if (!p) {
    const file = path.join(dir, `rows-${rows}-${salt}.csv`);
    p = writeGeneratedCsv(file, rows, { salt }).then(() => file);
    files.set(key, p);
  }
  return p;
}

let runNo = 0;
function runArgs(command: "run" | "validate", input: string, extra: string[]): string[] {
  const out = path.join(dir, `out-${++runNo}.csv`);
  return [command, input, "--out", out, "--json", "--quiet", "--overwrite", ...extra];
}

/** Runs the CLI and checks it produced a summary; a crash or timeout is a failed figure. */
async function cli(
  scenario: string,
  args: string[],
  timeoutMs: number,
): Promise<{ r: ChildResult; s: Summary } | undefined> {
  const r = await runCli(args, { env: CLI_ENV, timeoutMs });
  const s = lastJson<Summary>(r.stdout);
  if (r.timedOut || !s) {
    record({
      scenario,
      figure: "CLI finished",
      value: r.timedOut
        ? `killed after ${timeoutMs / 1000} s`
        : `exit ${r.code}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`,
      target: "a JSON summary",
      pass: false,
    });
    return undefined;
  }
  return { r, s };
}

function allConfirmed(scenario: string, s: Summary, rows: number): void {
  const confirmed = s.statuses.confirmed ?? 0;
  if (confirmed !== rows) {
    record({
      scenario,
      figure: "rows confirmed",
      value: `${confirmed} of ${rows} (${JSON.stringify(s.statuses)})`,
      target: `${rows}`,
      pass: false,
    });
  }
}

/** The middle value (the lower middle of an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** a: validate against csv-parse alone on the same file, paired in each of REPEATS rounds (medians). */
async function scenarioA(): Promise<void> {
  const rows = SIZES.validateRows;
  const file = await dataFile(rows);
  const rates: number[] = [];
  const parserRates: number[] = [];
  const rss: number[] = [];
  for (let round = 0; round < REPEATS && !interrupted; round++) {
    const parsed = await runNode(REFERENCES, ["parse", file], { timeoutMs: 10 * MIN });
    const records = lastJson<{ records: number }>(parsed.stdout)?.records;
    if (records !== rows + 1) notes.push(`a: csv-parse alone read ${records} records, expected ${rows + 1}`);
    const res = await cli("a", runArgs("validate", file, []), 20 * MIN);
    if (!res) return;
    if ((res.s.statuses.valid ?? 0) !== rows)
      notes.push(`a: expected ${rows} valid rows, got ${JSON.stringify(res.s.statuses)}`);
    parserRates.push(rows / parsed.wallSeconds);
    rates.push(rows / res.r.wallSeconds);
    if (res.r.peakRssMb !== undefined) rss.push(res.r.peakRssMb);
  }
  const rate = median(rates);
  const parserRate = median(parserRates);
  record({
    scenario: "a",
    figure: `validate ${fmt(rows)} rows: rows/s (median of ${rates.length})`,
    value: `${fmt(rate)} (csv-parse alone ${fmt(parserRate)})`,
    target: "≥ 50,000",
    pass: rate >= 50_000,
  });
  const ratios = rates.map((r, i) => r / parserRates[i]);
  record({
    scenario: "a",
    figure: "validate / csv-parse alone, same file, whole processes",
    value: `${fmt(median(ratios), 2)}x (rounds: ${ratios.map((r) => fmt(r, 2)).join(", ")})`,
    target: "≥ 0.50x",
    pass: median(ratios) >= 0.5,
  });
  record({
    scenario: "a",
    figure: "validate: peak RSS",
    value: rss.length > 0 ? `${fmt(median(rss), 1)} MB` : "n/a",
    target: "< 200 MB",
    pass: rss.length === 0 ? undefined : median(rss) < 200,
  });
}

/** A run of `file` against a fresh simulator process without latency, --concurrency 32. */
async function runAgainstSimulator(scenario: string, file: string, timeoutMs: number) {
  const sim = await startSimulatorProcess(["--latency", "0"]);
  sims.procs.push(sim);
  try {
    const args = runArgs("run", file, ["--base-url", sim.url, "--concurrency", "32"]);
    const res = await cli(scenario, args, timeoutMs);
    const log = `${args[args.indexOf("--out") + 1]}.log`;
    return res && { ...res, logBytes: existsSync(log) ? statSync(log).size : undefined };
  } finally {
    await sim.stop();
  }
}

/** got alone, the same requests at the same concurrency against a fresh simulator process. */
async function gotAlone(
  file: string,
  rows: number,
): Promise<{ r: ChildResult; seconds: number } | undefined> {
  const sim = await startSimulatorProcess(["--latency", "0"]);
  sims.procs.push(sim);
  try {
    const r = await runNode(REFERENCES, ["got", sim.url, file, String(rows), "32"], { timeoutMs: 20 * MIN });
    const answer = lastJson<{ requests: number; seconds: number; statuses: Record<string, number> }>(
      r.stdout,
    );
    if (!answer || answer.statuses[201] !== rows) {
      notes.push(
        `b: got alone answered ${JSON.stringify(answer?.statuses)} (${r.stderr.trim().slice(-200)})`,
      );
      return undefined;
    }
    return { r, seconds: answer.seconds };
  } finally {
    await sim.stop();
  }
}

const perRowMicros = (r: ChildResult, rows: number) =>
  r.cpuSeconds === undefined ? undefined : (r.cpuSeconds / rows) * 1e6;

/** b: a run beside got alone, paired in each of REPEATS rounds (medians): speed and CPU per row. */
async function scenarioB(): Promise<void> {
  const rows = SIZES.runRows;
  const file = await dataFile(rows);
  const rounds: { rate: number; cpu?: number; gotRate: number; gotCpu?: number; logBytes?: number }[] = [];
  for (let round = 0; round < REPEATS && !interrupted; round++) {
    const reference = await gotAlone(file, rows);
    const res = await runAgainstSimulator("b", file, 60 * MIN);
    if (!res || !reference) return;
    allConfirmed("b", res.s, rows);
    rounds.push({
      rate: rows / res.r.wallSeconds,
      cpu: perRowMicros(res.r, rows),
      gotRate: rows / reference.seconds,
      gotCpu: perRowMicros(reference.r, rows),
      logBytes: res.logBytes,
    });
  }
  const mid = (pick: (round: (typeof rounds)[number]) => number | undefined) => {
    const values = rounds.map(pick).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const rate = mid((x) => x.rate) ?? 0;
  record({
    scenario: "b",
    figure: `run ${fmt(rows)} rows, c=32: rows/s (median of ${rounds.length})`,
    value: `${fmt(rate)} (got alone ${fmt(mid((x) => x.gotRate) ?? 0)} requests/s)`,
    target: "≥ 1,000",
    pass: rate >= 1_000,
  });
  const cpu = mid((x) => x.cpu);
  const gotCpu = mid((x) => x.gotCpu);
  record({
    scenario: "b",
    figure: "run: CPU per row, whole CLI process",
    value:
      cpu === undefined
        ? "n/a"
        : `${fmt(cpu)} µs (got alone ${gotCpu === undefined ? "n/a" : fmt(gotCpu)} µs)`,
    target: "≤ 400 µs",
    pass: cpu === undefined ? undefined : cpu <= 400,
  });
  // The 400 µs were set beside got alone at 343 µs on another machine: as a ratio to got alone
  // on the same machine in the same round (1.17x) the figure holds on any machine.
  const ratios = rounds
    .filter((x) => x.cpu !== undefined && x.gotCpu !== undefined)
    .map((x) => x.cpu! / x.gotCpu!);
  record({
    scenario: "b",
    figure: "run / got alone: CPU per row, same round",
    value:
      ratios.length === 0
        ? "n/a"
        : `${fmt(median(ratios), 2)}x (rounds: ${ratios.map((r) => fmt(r, 2)).join(", ")})`,
    target: `≤ ${fmt(400 / 343, 2)}x`,
    pass: ratios.length === 0 ? undefined : median(ratios) <= 400 / 343,
  });
  const logBytes = mid((x) => x.logBytes);
  record({
    scenario: "b",
    figure: "log size per 1,000 rows (--log-level info)",
    value: logBytes === undefined ? "n/a" : `${fmt(logBytes / rows, 0)} KB`,
    target: "(info)",
  });
}

/** f: the largest run, for its peak memory. */
async function scenarioF(): Promise<void> {
  const rows = SIZES.bigRows;
  const file = await dataFile(rows);
  const res = await runAgainstSimulator("f", file, 120 * MIN);
  if (!res) return;
  record({
    scenario: "f",
    figure: `run ${fmt(rows)} rows, c=32: peak RSS`,
    value: mb(res.r),
    target: "< 150 MB",
    pass: res.r.peakRssMb === undefined ? undefined : res.r.peakRssMb < 150,
  });
  record({
    scenario: "f",
    figure: "run: rows/s",
    value: `${fmt(rows / res.r.wallSeconds)} (CLI's own ${fmt(res.s.rowsPerSecond)})`,
    target: "(info)",
  });
  allConfirmed("f", res.s, rows);
}

async function scenarioC(): Promise<void> {
  const rows = SIZES.latencyRows;
  const seqRows = SIZES.sequentialRows;
  const file = await dataFile(rows, 1);
  const seqFile = await dataFile(seqRows, 2);
  const sim = await startSimulator({ host: "127.0.0.1", latencyMs: 20 });
  sims.inProc.push(sim);
  try {
    const seq = await runSequential(sim.url, BENCH_TOKEN, seqFile, seqRows);
    const ok = (seq.statuses[201] ?? 0) + (seq.statuses[200] ?? 0);
    if (ok !== seq.rows) notes.push(`c: the sequential baseline got ${JSON.stringify(seq.statuses)}`);
    record({
      scenario: "c",
      figure: `sequential loop (${seqRows} rows, 20 ms): rows/s`,
      value: fmt(seq.rowsPerSecond, 1),
      target: "(baseline)",
    });
    const res = await cli("c", runArgs("run", file, ["--base-url", sim.url]), 20 * MIN);
    if (!res) return;
    const rate = rows / res.r.wallSeconds;
    record({
      scenario: "c",
      figure: `run (${rows} rows, 20 ms, default concurrency): rows/s`,
      value: fmt(rate, 1),
      target: "(info)",
    });
    const ratio = rate / seq.rowsPerSecond;
    record({
      scenario: "c",
      figure: "speed-up over the sequential loop",
      value: `${fmt(ratio, 1)}x`,
      target: "≥ 6x",
      pass: ratio >= 6,
    });
    allConfirmed("c", res.s, rows);
  } finally {
    await sim.close();
  }
}

async function scenarioD(): Promise<void> {
  const filter = values["rate-cases"] ?? process.env.BENCH_RATE_CASES;
  // A subset of the real-time cases is for measuring one change: the virtual matrix is skipped.
  if (!filter) await virtualMatrix();
  const pool = QUICK ? quickCases() : [...matrixCases(), ...endgameCases()];
  const cases = filter ? pool.filter((c) => c.name.includes(filter)) : pool;
  if (cases.length === 0) {
    notes.push(`d: no real-time case matches "${filter}"`);
    return;
  }
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ");
  const loadBefore = load();
  process.stderr.write(`  [d] real-time matrix: ${cases.length} runs, load ${loadBefore}\n`);
  const runs = await runCases(cases, dir, (line) => process.stderr.write(`  [d] ${line}\n`));
  const loadNote = `load average ${loadBefore} before, ${load()} after (1/5/15 min)`;
  const endgame = runs.filter((r) => r.name.startsWith("endgame"));
  const matrix = runs.filter((r) => !endgame.includes(r));
  const lines = [`real-time matrix (${loadNote}):`, ...matrixTable(matrix)];
  if (endgame.length > 0) lines.push("endgame rule on and off:", ...endgameTable(endgame));
  blocks.push(lines);
  realTime = { load: loadNote, matrix, endgame };
  if (matrix.length === 0) return;
  const worst = [...matrix].sort((a, b) => a.share - b.share)[0];
  const answered = matrix.filter((r) => !r.error);
  const worst429 = [...(answered.length > 0 ? answered : matrix)].sort(
    (a, b) => b.throttledShare - a.throttledShare,
  )[0];
  const below = matrix.filter((r) => !r.pass).length;
  record({
    scenario: "d",
    figure: `real-time matrix: worst share of the limit — ${worst.name}`,
    value: `${fmt(worst.share * 100, 1)}% (${below} of ${matrix.length} cases below the bar)`,
    target: `≥ ${BAR.share * 100}%`,
    pass: below === 0,
  });
  record({
    scenario: "d",
    figure: `real-time matrix: worst 429 share — ${worst429.name}`,
    value: `${fmt(worst429.throttledShare * 100, 2)}%`,
    target: `≤ ${BAR.throttled * 100}%`,
    pass: worst429.throttledShare <= BAR.throttled,
  });
}

/** The whole limiter matrix in virtual time (bench/rate-matrix.ts), its worst cases recorded. */
async function virtualMatrix(): Promise<void> {
  const worst = await printRateMatrix((line) => process.stderr.write(`  [d] ${line}\n`));
  record({
    scenario: "d",
    figure: `limiter matrix (virtual time): worst share of the limit — ${worst.share.name}`,
    value: `${fmt(worst.share.share * 100, 1)}%`,
    target: "≥ 95%",
    pass: worst.share.share >= 0.95,
  });
  record({
    scenario: "d",
    figure: `limiter matrix (virtual time): worst 429 share — ${worst.throttled.name}`,
    value: `${fmt(worst.throttled.throttledShare * 100, 1)}%`,
    target: "≤ 5%",
    pass: worst.throttled.throttledShare <= 0.05,
  });
}

async function scenarioE(): Promise<void> {
  const rows = SIZES.faultRows;
  const file = await dataFile(rows, 4);
  const each = 0.03;
  const sim = await startSimulator({
    host: "127.0.0.1",
    faults: {
      errorRate: each,
      resetBeforeCommitRate: each,
      resetAfterCommitRate: each,
      hangRate: each,
      timeoutRate: each,
    },
  });
  sims.inProc.push(sim);
  try {
    const args = runArgs("run", file, ["--base-url", sim.url, "--timeout", "2"]);
    const res = await cli("e", args, 20 * MIN);
    if (!res) return;
    const st = sim.stats;
    const perRow = st.confirmRequests / rows;
    record({
      scenario: "e",
      figure: `requests per row (15% faults, ${rows} rows, ${fmt(res.r.wallSeconds, 1)} s)`,
      value: `${fmt(perRow, 3)} (${st.confirmRequests} POSTs)`,
      target: "(info; ideal ≈ 1/0.85 = 1.18)",
    });
    const dup = st.customersWithDuplicateRecords().length;
    record({
      scenario: "e",
      figure: "confirmations recorded twice",
      value: String(dup),
      target: "0",
      pass: dup === 0,
    });
    const confirmed = res.s.statuses.confirmed ?? 0;
    const records = st.totalRecords();
    record({
      scenario: "e",
      figure: "rows confirmed / records on the simulator",
      value: `${confirmed} / ${records} of ${rows}`,
      target: `${rows} / ${rows}`,
      pass: confirmed === rows && records === rows,
    });
    // The results are the partner's evidence: a confirmed row must carry the record's userId,
    // also when a lost answer made the API say 600061 ("already exists") to a later attempt.
    const out = args[args.indexOf("--out") + 1];
    const results = parseCsv<Record<string, string>>(readFileSync(out), { columns: true, bom: true });
    const withoutUserId = results.filter((r) => r.status === "confirmed" && r.userId === "").length;
    record({
      scenario: "e",
      figure: "confirmed rows without a userId",
      value: String(withoutUserId),
      target: "0",
      pass: withoutUserId === 0,
    });
  } finally {
    await sim.close();
  }
}

interface PendingSummary {
  customersRead: number;
  needConfirmation: number;
  rows: number;
  lookupFailed: number;
  requests: number;
  exitCode: number;
}

/** g: `pending` pages through the simulator's customers and looks each one up. */
async function scenarioG(): Promise<void> {
  const customers = SIZES.pendingCustomers;
  const sim = await startSimulatorProcess(["--latency", "5", "--customers", String(customers)]);
  sims.procs.push(sim);
  try {
    const out = path.join(dir, `pending-${++runNo}.csv`);
    const args = ["pending", "--base-url", sim.url, "--out", out, "--json", "--quiet", "--overwrite"];
    const r = await runCli(args, { env: CLI_ENV, timeoutMs: 20 * MIN });
    const s = lastJson<PendingSummary>(r.stdout);
    const complete = !r.timedOut && s !== undefined && s.exitCode === 0 && s.customersRead === customers;
    record({
      scenario: "g",
      figure: `pending over ${fmt(customers)} customers, 5 ms: customers/s`,
      value: s
        ? `${fmt(customers / r.wallSeconds)} (${fmt(s.requests)} requests, ${fmt(r.wallSeconds, 1)} s)`
        : "no summary",
      target: "(info)",
    });
    record({
      scenario: "g",
      figure: "pending: peak RSS",
      value: mb(r),
      target: "< 200 MB",
      pass: r.peakRssMb === undefined ? undefined : r.peakRssMb < 200,
    });
    record({
      scenario: "g",
      figure: "customers read / listed",
      value: s
        ? `${fmt(s.customersRead)} / ${fmt(s.rows)} (exit ${s.exitCode})`
        : `exit ${r.code}: ${r.stderr.trim().slice(-200)}`,
      target: `${fmt(customers)} / some`,
      pass: complete && s.rows > 0,
    });
  } finally {
    await sim.stop();
  }
}

/**
 * h: how long a user waits for the tool to start: `--version` (the entry and the help chunk
 * alone), and a run of 10 rows against a simulator process with no latency (the whole `run`
 * path: lock, pre-flight, template, ten requests, results, report). Medians of wall time and CPU.
 */
async function scenarioH(): Promise<void> {
  const rounds = SIZES.startRounds;
  const file = await dataFile(10, 8);
  const sim = await startSimulatorProcess([]);
  sims.procs.push(sim);
  const measure = async (figure: string, args: () => string[], wallTarget: number) => {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const r = await runCli(args(), { env: CLI_ENV, timeoutMs: MIN });
      if (r.code !== 0 || r.timedOut) {
        record({
          scenario: "h",
          figure,
          value: `exit ${r.code}: ${r.stderr.trim().slice(-200)}`,
          target: "exit 0",
          pass: false,
        });
        return;
      }
      walls.push(r.wallSeconds);
      if (r.cpuSeconds !== undefined) cpus.push(r.cpuSeconds);
    }
    const wall = median(walls);
    record({
      scenario: "h",
      figure: `${figure}: median wall (CPU) of ${rounds}`,
      value: `${fmt(wall, 2)} s (${cpus.length ? `${fmt(median(cpus), 2)} s` : "n/a"})`,
      target: `≤ ${wallTarget} s`,
      pass: wall <= wallTarget,
    });
  };
  try {
    await measure("--version", () => ["--version"], 0.3);
    await measure("run of 10 rows", () => runArgs("run", file, ["--base-url", sim.url]), 1);
  } finally {
    await sim.stop();
  }
}

function printTable(): void {
  const head: Row = {
    scenario: "scenario",
    figure: "figure",
    value: "measured",
    target: "target",
    pass: undefined,
  };
  const cells = (r: Row) => [
    r.scenario,
    r.figure,
    r.value,
    r.target,
    r === head ? "result" : r.pass === undefined ? "-" : r.pass ? "PASS" : "FAIL",
  ];
  for (const lines of blocks) process.stdout.write(`\n${lines.join("\n")}\n`);
  const all = [head, ...table].map(cells);
  const widths = all[0].map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join(" | ");
  process.stdout.write(`\n${line(all[0])}\n${widths.map((w) => "-".repeat(w)).join("-|-")}\n`);
  for (const c of all.slice(1)) process.stdout.write(`${line(c)}\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
}

async function cleanup(): Promise<void> {
  await Promise.allSettled([...sims.inProc.map((s) => s.close()), ...sims.procs.map((p) => p.stop())]);
  if (dir) await rm(dir, { recursive: true, force: true });
}

let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write("\nbench: interrupted, cleaning up\n");
  void cleanup().finally(() => process.exit(130));
});

async function main(): Promise<number> {
  const cpus = os.cpus();
  process.stdout.write(
    `mca-confirm bench${QUICK ? " (quick: sizes scaled down ~10x)" : ""}\n` +
      `machine: ${cpus.length} cpus × ${cpus[0]?.model.trim() ?? "unknown"}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.platform()} ${os.release()}\n` +
      `node ${process.version}; peak RSS via ${HAVE_GNU_TIME ? "/usr/bin/time -v" : "/proc/<pid>/status VmHWM polling"}; scenarios ${[...selected].join(",")}\n`,
  );
  dir = await mkdtemp(path.join(os.tmpdir(), "mca-bench-"));
  const started = performance.now();
  const steps: [Scenario, () => Promise<void>][] = [
    ["a", scenarioA],
    ["b", scenarioB],
    ["c", scenarioC],
    ["d", scenarioD],
    ["e", scenarioE],
    ["f", scenarioF],
    ["g", scenarioG],
    ["h", scenarioH],
  ];
  try {
    for (const [name, step] of steps) {
      if (!selected.has(name) || interrupted) continue;
      process.stderr.write(`bench: scenario ${name}…\n`);
      try {
        await step();
      } catch (err) {
        record({
          scenario: name,
          figure: "scenario ran",
          value: `error: ${(err as Error).message}`,
          target: "no error",
          pass: false,
        });
      }
    }
  } finally {
    await cleanup();
  }
  printTable();
  process.stdout.write(`total bench time ${fmt((performance.now() - started) / 1000, 0)} s\n`);
  if (values["json-out"])
    writeFileSync(
      values["json-out"],
      `${JSON.stringify({ quick: QUICK, table, notes, realTime }, null, 2)}\n`,
    );
  return table.some((r) => r.pass === false) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
