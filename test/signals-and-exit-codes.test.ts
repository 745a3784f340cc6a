// How the CLI ends, as a scheduler or a terminal sees it: a signal to the whole process group
// (as `timeout -s INT` and terminals deliver it), SIGTERM, a second Ctrl-C, a full disk. The real
// CLI as a child process against the simulator in this process.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAME_STOP_MS, untilDoneOrStopped } from "../src/commands/signals.js";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { trackTempFile } from "../src/temp-files.js";
import { CLI, ROOT, baseEnv, readCsv, removeTempDirs, runCli, tempDir } from "./helpers/cli.js";

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "anything" };

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 30, seed: 7 });
});
afterAll(async () => {
  await sim?.close();
  removeTempDirs();
});

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A command in the background, in a process group of its own; killed after 30 s at most. */
function start(
  command: string,
  args: string[],
  cwd = ROOT,
): { child: ChildProcess; exited: Promise<Exited> } {
  const child = spawn(command, args, {
    cwd,
    env: { ...baseEnv(), ...ENV },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const exited = new Promise<Exited>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, exited };
}

async function until(ready: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const outcomes = (journal: string) =>
  fs.existsSync(journal) ? (fs.readFileSync(journal, "utf8").match(/"o":/g) ?? []).length : 0;

async function setup(rows: number) {
  const dir = tempDir("mca-signals-");
  const csv = path.join(dir, "in.csv");
  await writeGeneratedCsv(csv, rows, { salt: Math.floor(Math.random() * 0xffff) });
  const out = path.join(dir, "in.results.csv");
  return { dir, csv, out, journal: `${out}.journal`, args: ["run", csv, "--base-url", sim.url, "--quiet"] };
}

/** The printed resume command, split into words (the paths here need no quoting). */
function resumeWords(stdout: string): string[] {
  const line = /^To continue this run: (.*)$/m.exec(stdout)?.[1];
  expect(line, stdout).toBeDefined();
  return line!.split(" ");
}

const tmpFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"));

describe("a signal to the whole process group", () => {
  it("two SIGINTs within milliseconds are one Ctrl-C: the summary, the resume command (which works), exit 130", async () => {
    const { dir, csv, out, journal, args } = await setup(400);
    sim.setLatency(300);
    const run = start(process.execPath, [CLI, ...args]);
    let r: Exited;
    try {
      await until(() => outcomes(journal) >= 16, "16 outcomes");
      // As a terminal or `timeout` delivers it: the group's signal, and the parent's own.
      process.kill(-run.child.pid!, "SIGINT");
      process.kill(-run.child.pid!, "SIGINT");
      r = await run.exited;
    } finally {
      sim.setLatency(30);
    }
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(
      /^\S*in\.csv, the whole file: 400 rows; this run finished \d+ in .*, \d+ not run\.$/m,
    );
    expect(r.stderr).not.toContain("Stopped at once");
    expect(tmpFiles(dir)).toEqual([]);
    expect(readCsv(out).some((row) => row.status === "not-run")).toBe(true);
    const words = resumeWords(r.stdout);
    expect(words).toContain("--resume");
    expect(words).toContain(sim.url);
    // Asynchronously: the simulator answering it runs in this process.
    const resumed = await start(words[0], words.slice(1)).exited;
    expect(resumed.code, resumed.stderr).toBe(0);
    // Every row done: no header-only failed file, and not the one the interrupted phase wrote.
    expect(resumed.stdout).toContain("No rows need work: no failed file written.");
    expect(fs.existsSync(path.join(dir, "in.failed.csv"))).toBe(false);
    expect(readCsv(out).every((row) => row.status === "confirmed")).toBe(true);
    expect(readCsv(csv)).toHaveLength(400);
  });

  it.skipIf(!fs.existsSync("/usr/bin/timeout"))(
    "`timeout -s INT` gives the normal summary and resume command, no .tmp file",
    async () => {
      const { dir, args } = await setup(400);
      sim.setLatency(300);
      let r: Exited;
      try {
        r = await start("/usr/bin/timeout", [
          "--preserve-status",
          "-s",
          "INT",
          "2",
          process.execPath,
          CLI,
          ...args,
        ]).exited;
      } finally {
        sim.setLatency(30);
      }
      expect(r.code).toBe(130);
      expect(r.stdout).toMatch(/To continue this run: .*--resume$/m);
      expect(r.stderr).not.toContain("Stopped at once");
      expect(tmpFiles(dir)).toEqual([]);
    },
  );
});

describe("SIGTERM", () => {
  it("run: the same clean stop as Ctrl-C, exit 143, --json says 143", async () => {
    const { dir, journal, args } = await setup(400);
    sim.setLatency(300);
    const run = start(process.execPath, [CLI, ...args, "--json"]);
    let r: Exited;
    try {
      await until(() => outcomes(journal) >= 16, "16 outcomes");
      run.child.kill("SIGTERM");
      r = await run.exited;
    } finally {
      sim.setLatency(30);
    }
    expect(r.code).toBe(143);
    const summary = JSON.parse(r.stdout) as {
      exitCode: number;
      resumeCommand: string | null;
      stopped: unknown;
    };
    expect(summary.exitCode).toBe(143);
    expect(summary.resumeCommand).toMatch(/--resume$/);
    expect(tmpFiles(dir)).toEqual([]);
  });

  it("pending: the shared handler, exit 143, no file written", async () => {
    const dir = tempDir("mca-signals-");
    sim.setLatency(400);
    const before = sim.stats.requests;
    const run = start(
      process.execPath,
      [CLI, "pending", "--base-url", sim.url, "--quiet", "--page-size", "1"],
      dir,
    );
    let r: Exited;
    try {
      await until(() => sim.stats.requests > before, "a request");
      run.child.kill("SIGTERM");
      r = await run.exited;
    } finally {
      sim.setLatency(30);
    }
    expect(r.code).toBe(143);
    expect(fs.existsSync(path.join(dir, "pending.csv"))).toBe(false);
  });
});

describe("a second Ctrl-C more than a second later", () => {
  it("ends at once with the signal's code and removes the temporary files", async () => {
    const dir = tempDir("mca-signals-");
    const tmp = path.join(dir, "x.results.csv.tmp");
    fs.writeFileSync(tmp, "half a file");
    const forget = trackTempFile(tmp);
    let clock = 0;
    let interrupted: NodeJS.Signals | undefined;
    const exits: number[] = [];
    let atOnce = 0;
    const never = new Promise<void>(() => {});
    const io = {
      stdout: process.stdout,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
      env: {},
      exit: (code: number): never => {
        exits.push(code);
        throw new Error("exited");
      },
    };
    const waiting = untilDoneOrStopped(
      { done: never, interrupt: (signal) => (interrupted = signal) },
      io,
      () => {},
      { gently: "stopping.", atOnce: () => atOnce++ },
      () => clock,
    );
    process.emit("SIGINT", "SIGINT");
    clock += SAME_STOP_MS - 1;
    process.emit("SIGINT", "SIGINT"); // the same Ctrl-C, delivered twice
    expect(interrupted).toBe("SIGINT");
    expect(atOnce).toBe(0);
    expect(fs.existsSync(tmp)).toBe(true);
    clock += 2;
    expect(() => process.emit("SIGINT", "SIGINT")).toThrow("exited");
    expect(atOnce).toBe(1);
    expect(exits).toEqual([130]);
    expect(fs.existsSync(tmp)).toBe(false);
    forget();
    void waiting;
  });
});

/** A folder on a tmpfs of `size`, where this test may mount one (root on Linux); else undefined. */
function smallDisk(size: string): { dir: string; unmount: () => void } | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = tempDir("mca-disk-");
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  if (mounted.status !== 0) return undefined;
  return { dir, unmount: () => spawnSync("umount", [dir]) };
}

/** Whether a tmpfs can be mounted here at all (tried once, unmounted at once). */
const canMount = (() => {
  const disk = smallDisk("16k");
  disk?.unmount();
  return disk !== undefined;
})();

describe("a full disk", () => {
  it.skipIf(!canMount)("exit 4 with the cause, in --json too, and no temporary file left", async () => {
    const disk = smallDisk("64k")!;
    try {
      const dir = tempDir("mca-disk-input-");
      const csv = path.join(dir, "in.csv");
      await writeGeneratedCsv(csv, 3000, { salt: 1 });
      const out = path.join(disk.dir, "in.validation.csv");
      const r = await runCli(["validate", csv, "--out", out, "--quiet", "--json"]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/^mca-confirm: cannot write the output files: ENOSPC/);
      const json = JSON.parse(r.stdout) as { command: string; exitCode: number; error: { code: string } };
      expect(json).toMatchObject({ command: "validate", exitCode: 4, error: { code: "disk-full" } });
      expect(fs.readdirSync(disk.dir)).toEqual([]);
    } finally {
      disk.unmount();
    }
  });
});

describe("a bug", () => {
  it("an error thrown outside any command's promise exits 4 with the tool's message, no stack", async () => {
    const { args } = await setup(50);
    sim.setLatency(500);
    let r: Exited;
    try {
      // A timer that throws, loaded before the CLI: as a bug in a callback would.
      const bug = "data:text/javascript,setTimeout(()=>{throw new Error('a bug in a callback')},300)";
      r = await start(process.execPath, ["--import", bug, CLI, ...args]).exited;
    } finally {
      sim.setLatency(30);
    }
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("mca-confirm: internal error: a bug in a callback");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
