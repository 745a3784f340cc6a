// Child processes for the benchmark: the CLI (wall clock + peak RSS) and the standalone
// simulator launcher. Everything is bounded by a kill timeout; nothing listens beyond 127.0.0.1.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { once } from "node:events";

export const CLI = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));
export const SIMULATOR_MAIN = fileURLToPath(new URL("../../../dist/simulator/main.js", import.meta.url));
/** The reference programs (csv-parse alone, got alone), compiled beside this file. */
export const REFERENCES = fileURLToPath(new URL("./references.js", import.meta.url));
/** A client sending at a fixed spacing (the ceiling against a bucket of one token), compiled beside this file. */
export const FIXED_SPACING = fileURLToPath(new URL("./fixed-spacing.js", import.meta.url));

/** The token every CLI run of the bench signs in with (the simulator takes any). */
export const BENCH_TOKEN = "bench-token";

/**
 * The environment of a CLI run of the bench: the bench's token and nothing of the operator's
 * sign-in, base URL or measuring knobs (MCA_CONFIRM_ENDGAME), then `extra`.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PARTNER_CENTER_ACCESS_TOKEN: BENCH_TOKEN };
  delete env.PARTNER_CENTER_BASE_URL;
  delete env.PARTNER_CENTER_REFRESH_TOKEN;
  delete env.MCA_CONFIRM_ENDGAME;
  return { ...env, ...extra };
}
/** The machine's CPU time so far (all CPUs, in clock ticks) and the part the host gave to others (steal). */
export interface CpuTimes {
  total: number;
  steal: number;
}

/**
 * From /proc/stat's first line, undefined where there is none (not Linux). A virtual machine's
 * steal is time its CPUs were ready but the host ran something else: real-time figures taken
 * while it is more than a few percent are not those of a quiet machine.
 */
export function cpuTimes(): CpuTimes | undefined {
  if (!existsSync("/proc/stat")) return undefined;
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== "cpu") return undefined;
  // user nice system idle iowait irq softirq steal (guest time is counted in user already).
  const ticks = fields.slice(1, 9).map(Number);
  if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) return undefined;
  return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] };
}

/** The share of CPU time stolen between two readings; undefined where either is missing or no time passed. */
export function stolenShare(from: CpuTimes | undefined, to: CpuTimes | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return (to.steal - from.steal) / (to.total - from.total);
}

const TIME = "/usr/bin/time";

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallSeconds: number;
  /** Peak resident set size of the CLI process in MB, when it could be measured. */
  peakRssMb?: number;
  /** CPU time (user + system) of the process, in seconds, when it could be measured. */
  cpuSeconds?: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Whether `/usr/bin/time -v` works here (GNU time); else peak RSS is polled from /proc. */
export const HAVE_GNU_TIME: boolean = (() => {
  if (!existsSync(TIME)) return false;
  // `-v` is GNU time's; busybox or BSD time lack it.
  const probe = spawnSync(TIME, ["-v", "true"], { encoding: "utf8", timeout: 5_000 });
  return probe.status === 0 && /Maximum resident set size/.test(probe.stderr ?? "");
})();

function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of a live process in seconds (Linux, 100 clock ticks per second). */
function cpuOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Keeps only the tail of a stream (a runaway child must not fill the bench's memory). */
function collector(limit = 256 * 1024) {
  let text = "";
  return {
    add(chunk: Buffer) {
      text += chunk.toString("utf8");
      if (text.length > limit * 2) text = text.slice(-limit);
    },
    get text() {
      return text;
    },
  };
}

/**
 * Runs `node dist/cli.js …args` and measures it. Peak RSS comes from GNU time's "Maximum resident
 * set size" when available, else from polling /proc/<pid>/status VmHWM every 100 ms.
 */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; nodeArgs?: string[] },
): Promise<ChildResult> {
  return runNode(CLI, args, options);
}

/** Runs `node <script> …args` and measures it as runCli does. */
export async function runNode(
  script: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; nodeArgs?: string[] },
): Promise<ChildResult> {
  const nodeArgs = [...(options.nodeArgs ?? []), script, ...args];
  const useTime = HAVE_GNU_TIME;
  const started = performance.now();
  const child = useTime
    ? spawn(TIME, ["-v", process.execPath, ...nodeArgs], {
        env: options.env,
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(process.execPath, nodeArgs, { env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  const out = collector();
  const err = collector();
  child.stdout.on("data", (chunk: Buffer) => out.add(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.add(chunk));
  let polledKb = 0;
  let polledCpu: number | undefined;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        const kb = child.pid !== undefined ? vmHwmKb(child.pid) : undefined;
        if (kb !== undefined && kb > polledKb) polledKb = kb;
        polledCpu = (child.pid !== undefined ? cpuOf(child.pid) : undefined) ?? polledCpu;
      }, 100);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  const wallSeconds = (performance.now() - started) / 1000;
  clearTimeout(killer);
  if (poll) clearInterval(poll);
  let peakRssMb: number | undefined;
  let cpuSeconds = polledCpu;
  let stderr = err.text;
  if (useTime) {
    const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(stderr);
    if (m) peakRssMb = Number(m[1]) / 1024;
    const user = /User time \(seconds\):\s*([\d.]+)/.exec(stderr);
    const system = /System time \(seconds\):\s*([\d.]+)/.exec(stderr);
    if (user && system) cpuSeconds = Number(user[1]) + Number(system[1]);
    // GNU time appends its report after the child's own stderr.
    const at = stderr.indexOf("\tCommand being timed:");
    if (at >= 0) stderr = stderr.slice(0, at);
    // GNU time reports the child's failure on its own line before the report.
    stderr = stderr.replace(/^Command exited with non-zero status \d+\n?/m, "");
  } else if (polledKb > 0) {
    peakRssMb = polledKb / 1024;
  }
  return { code, signal, wallSeconds, peakRssMb, cpuSeconds, stdout: out.text, stderr, timedOut };
}

/** The last JSON object printed on stdout (the CLI's --json summary). */
export function lastJson<T>(stdout: string): T | undefined {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

export interface SimulatorProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node dist/simulator/main.js --port 0 …flags` and waits for its URL (first stdout line). */
export async function startSimulatorProcess(flags: string[], timeoutMs = 15_000): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [SIMULATOR_MAIN, "--port", "0", "--host", "127.0.0.1", ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const err = collector(16 * 1024);
  child.stderr.on("data", (chunk: Buffer) => err.add(chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`simulator did not start within ${timeoutMs} ms: ${err.text}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolve(buf.slice(0, nl).trim());
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited (${code}) before printing its URL: ${err.text}`));
    });
  });
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) {
    child.kill("SIGKILL");
    throw new Error(`simulator printed an unexpected URL: ${url}`);
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = once(child, "exit");
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await closed;
      clearTimeout(t);
    },
  };
}
