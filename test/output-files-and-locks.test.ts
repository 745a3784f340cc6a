// Outputs are only ever regular files the run owns: devices, fifos, folders and sockets are
// refused even with --overwrite; the lock covers every written file, so two runs sharing a
// failed file cannot destroy each other's; a lock whose pid was reused is taken over; no
// output may take the name of a lock or journal. The built CLI as a child process.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { processStart } from "../src/run/lock.js";
import {
  baseEnv,
  CLI,
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "test-token" };
const sockets: net.Server[] = [];
afterAll(async () => {
  await closeSimulators();
  for (const s of sockets) s.close();
  removeTempDirs();
});

async function setup(rows = 20): Promise<{ dir: string; csv: string; out: string }> {
  const dir = tempDir("mca-outputs-");
  const csv = path.join(dir, "in.csv");
  await writeGeneratedCsv(csv, rows);
  return { dir, csv, out: path.join(dir, "in.results.csv") };
}

describe("outputs that are not regular files", () => {
  it("--out /dev/null is refused even with --overwrite, and the device stays a device", async () => {
    const sim = await trackedSimulator();
    const { csv } = await setup();
    const r = await runCli(
      ["run", csv, "--base-url", sim.url, "--out", "/dev/null", "--overwrite", "--quiet"],
      {
        env: ENV,
      },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/\/dev\/null (is a device|is a folder|does not exist or is not writable)/);
    expect(fs.statSync("/dev/null").isCharacterDevice()).toBe(true);
    expect(sim.stats.requests).toBe(0);
  });

  it.each(["--out", "--failed-out", "--log-file"])(
    "a fifo as %s is refused with exit 2 (the run would block on it)",
    async (flag) => {
      const sim = await trackedSimulator();
      const { dir, csv } = await setup();
      const fifo = path.join(dir, "pipe.csv");
      execFileSync("mkfifo", [fifo]);
      const r = await runCli(["run", csv, "--base-url", sim.url, flag, fifo, "--overwrite", "--quiet"], {
        env: ENV,
        timeoutMs: 15_000,
      });
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${fifo} is a fifo`);
      expect(fs.statSync(fifo).isFIFO()).toBe(true);
      expect(sim.stats.requests).toBe(0);
    },
  );

  it("a socket or a folder as an output is refused; a fifo at the old fixed temporary name is left alone", async () => {
    const sim = await trackedSimulator();
    const { dir, csv, out } = await setup();
    const sock = path.join(dir, "s.csv");
    const server = net.createServer();
    sockets.push(server);
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    const folder = path.join(dir, "folder.csv");
    fs.mkdirSync(folder);
    execFileSync("mkfifo", [`${out}.tmp`]);
    for (const [args, says] of [
      [["--out", sock], "is a socket"],
      [["--failed-out", folder], "is a folder"],
    ] as const) {
      const r = await runCli(["run", csv, "--base-url", sim.url, ...args, "--overwrite", "--quiet"], {
        env: ENV,
        timeoutMs: 15_000,
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(says);
    }
    expect(sim.stats.requests).toBe(0);
    // Temporary names are random now (docs/cli.md "Runs"): nothing opens the fifo.
    const r = await runCli(["run", csv, "--base-url", sim.url, "--overwrite", "--quiet"], {
      env: ENV,
      timeoutMs: 15_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.statSync(`${out}.tmp`).isFIFO()).toBe(true);
  });

  it.each([".lock", ".journal", ".tmp"])(
    "an output named like a run's working file (%s) is refused",
    async (suffix) => {
      const sim = await trackedSimulator();
      const { csv, out } = await setup();
      const r = await runCli(
        ["run", csv, "--base-url", sim.url, "--failed-out", `${out}${suffix}`, "--quiet"],
        {
          env: ENV,
        },
      );
      expect(r.code, r.stderr).toBe(2);
      // This run's own journal is caught as a clash with it; any other as a working-file name.
      expect(r.stderr).toMatch(
        /--failed-out .*names ending in \.lock, \.journal or \.tmp|the journal .* must not be the same file as --failed-out/,
      );
      expect(sim.stats.requests).toBe(0);
    },
  );
});

describe("the lock covers every written file", () => {
  it("a second run writing the same failed file is refused while the first goes on, and the first's files stay whole", async () => {
    // Slow answers keep the first run going while the second starts.
    const sim = await trackedSimulator({ latencyMs: 40 });
    const a = await setup(120);
    const b = await setup(20);
    const shared = path.join(a.dir, "shared.failed.csv");
    const first = runCli(
      ["run", a.csv, "--base-url", sim.url, "--failed-out", shared, "--concurrency", "2", "--quiet"],
      { env: ENV, timeoutMs: 60_000 },
    );
    const lock = `${shared}.lock`;
    for (let i = 0; i < 200 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(lock)).toBe(true);
    const second = await runCli(["run", b.csv, "--base-url", sim.url, "--failed-out", shared, "--quiet"], {
      env: ENV,
    });
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/another run \(process \d+\) is writing .*shared\.failed\.csv/);
    expect(second.stderr).toContain(`delete ${lock}`);
    // The refused run took no lock of its own with it and left its results untouched.
    expect(fs.existsSync(`${b.out}.lock`)).toBe(false);
    expect(fs.existsSync(b.out)).toBe(false);
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
    expect(readCsv(a.out)).toHaveLength(120);
    // Every row confirmed: no failed file at all (none with a header alone).
    expect(fs.existsSync(shared)).toBe(false);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("a lock whose pid now belongs to another process is taken over; a live run's lock is refused, naming the file to delete", async () => {
    const sim = await trackedSimulator();
    const { csv, out } = await setup();
    const lock = `${out}.lock`;
    // This test process is alive, but the lock says it started at another time: a reused pid.
    const start = processStart(process.pid);
    expect(start, "this test needs /proc").toBeDefined();
    const owner = (s: string) => `${JSON.stringify({ pid: process.pid, start: s, host: os.hostname() })}\n`;
    fs.writeFileSync(lock, owner(String(Number(start) + 12345)));
    const taken = await runCli(["run", csv, "--base-url", sim.url, "--quiet"], { env: ENV });
    expect(taken.code, taken.stderr).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);

    // The same pid with its real start time is a run still writing: refused.
    fs.writeFileSync(lock, owner(start!));
    const refused = await runCli(["run", csv, "--base-url", sim.url, "--overwrite", "--quiet"], { env: ENV });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`another run (process ${process.pid}) is writing ${out}`);
    expect(refused.stderr).toContain(`If no run is writing it, delete ${lock}`);
    expect(fs.readFileSync(lock, "utf8")).toBe(owner(start!));
    fs.rmSync(lock);
  });
});

describe("the log after kill -9", () => {
  it("holds an attempt line for every answered request but those in flight", async () => {
    // No latency: lines are logged as fast as the run goes, which is when a buffering writer
    // holds the most of them in memory.
    const sim = await trackedSimulator();
    const { csv, out } = await setup(20_000);
    const child = spawn(
      process.execPath,
      [CLI, "run", csv, "--base-url", sim.url, "--quiet", "--concurrency", "4"],
      {
        env: { ...baseEnv(), ...ENV },
        stdio: "ignore",
      },
    );
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    // Bounded: 30 s at most, then the test fails on the count below.
    for (let i = 0; i < 600 && sim.stats.confirmRequests < 3000; i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    await exited;
    const answered = sim.stats.requests;
    const lines = fs.readFileSync(`${out}.log`, "utf8").trim().split("\n");
    const attempts = lines.filter((l) => (JSON.parse(l) as { event?: string }).event === "attempt").length;
    expect(answered).toBeGreaterThanOrEqual(3000);
    // At most the requests in flight (--concurrency) are missing from the log.
    expect(attempts).toBeGreaterThanOrEqual(answered - 4);
    expect(attempts).toBeLessThanOrEqual(answered);
  });
});
