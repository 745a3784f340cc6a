// Shared by the end-to-end tests: the built CLI (dist/cli.js) as a child process, temp
// directories, and results files read back as objects. `npm test` builds dist/ first.
import { spawn } from "node:child_process";
import fs from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = path.join(ROOT, "dist", "cli.js");

export interface CliResult {
  /** Exit code; null when the process was killed (see `timedOut`). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface CliOptions {
  readonly cwd?: string;
  /** Added to a clean environment: PATH/HOME etc. are inherited, every PARTNER_CENTER_* variable is not. */
  readonly env?: Record<string, string | undefined>;
  /** Killed (SIGKILL) after this long; default 20 s. */
  readonly timeoutMs?: number;
  /** Run as this user and group (the tests run as root; an ordinary user is e.g. nobody, 65534). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/**
 * The test runner's environment less what would change the CLI's behaviour: sign-in settings,
 * and npm's own variables (under `npx vitest` the CLI would think it was started by npx).
 */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(PARTNER_CENTER_|MCA_CONFIRM_|npm_)/.test(k)) env[k] = v;
  }
  return env;
}

/** Runs `node dist/cli.js ...args` and collects its output; never hangs longer than timeoutMs. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env = baseEnv();
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.user ?? {}),
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 20_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/**
 * A CSV file as one object per data row, keyed by header. The delimiter (comma, semicolon or
 * tab) is taken from the header line unless given; a BOM is dropped.
 */
export function readCsv(file: string, delimiter?: string): Record<string, string>[] {
  const text = fs.readFileSync(file, "utf8");
  const header = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const count = (d: string) => header.split(d).length;
  const sep = delimiter ?? [",", ";", "\t"].reduce((a, b) => (count(b) > count(a) ? b : a));
  return parse<Record<string, string>>(text, {
    columns: true,
    bom: true,
    delimiter: sep,
    skip_empty_lines: true,
  });
}

const dirs: string[] = [];

/** A new empty directory under the OS temp dir; removed by removeTempDirs() (or left for inspection). */
export function tempDir(prefix = "mca-confirm-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every directory tempDir() made in this process; call from afterAll. */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

const simulators: Simulator[] = [];

/** A simulator on port 0 that closeSimulators() (in afterAll) shuts down. */
export async function trackedSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator(options);
  simulators.push(s);
  return s;
}

export async function closeSimulators(): Promise<void> {
  await Promise.all(simulators.splice(0).map((s) => s.close()));
}

const servers: http.Server[] = [];

/** A test's own server on 127.0.0.1, port 0, that closeServers() (in afterAll) shuts down; its URL. */
export async function listenOnLoopback(server: http.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function closeServers(): void {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
}
