// `mca-confirm simulator` as an operator starts it from an installed tool: the built CLI as a
// child process prints its URL first, answers requests, and stops cleanly (exit 0) on SIGTERM
// and Ctrl-C; --tls prints a CA file that is removed again; bad options and a taken port are
// refused with the option named. docs/cli.md, "`simulator`".
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { baseEnv, CLI, removeTempDirs, ROOT, runCli, tempDir } from "./helpers/cli.js";
import { loadedModules } from "./helpers/loaded-modules.js";

const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  removeTempDirs();
});

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** The exit code (null if killed), or "timeout" after 10 s. */
  readonly exited: Promise<number | null | "timeout">;
}

/** `mca-confirm simulator …args` until its stdout holds `lines` lines (at most 15 s). */
async function startSimulatorCommand(args: string[], lines = 1, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, "simulator", ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
  });
  started.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (stdout.split("\n").length <= lines && child.exitCode === null && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const running: Running = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: Promise.race([
      closed,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 10_000).unref()),
    ]),
  };
  return running;
}

const API_HEADERS = { authorization: "Bearer any", "ms-contract-version": "v1" };

describe("mca-confirm simulator", () => {
  it("prints its URL first, answers the API there, and exits 0 on SIGTERM", async () => {
    const sim = await startSimulatorCommand(["--port", "0", "--customers", "3"]);
    const url = sim.stdout().split("\n")[0];
    expect(url, sim.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // stderr is a pipe of its own: its line may arrive a moment after stdout's.
    await expect
      .poll(() => sim.stderr(), { timeout: 5_000 })
      .toContain(`listening on ${url}; Ctrl-C stops it`);
    const answer = await fetch(`${url}/v1/customers`, { headers: API_HEADERS });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { items: unknown[] }).items).toHaveLength(3);
    sim.child.kill("SIGTERM");
    expect(await sim.exited).toBe(0);
    expect(sim.stderr()).toContain("SIGTERM: simulator stopped after 1 request.");
    // Closed: the port no longer answers.
    await expect(fetch(`${url}/v1/customers`, { headers: API_HEADERS })).rejects.toThrow();
  });

  it("stops on Ctrl-C (SIGINT) with exit 0 too, on the port it was given", async () => {
    const port = await freePort();
    const sim = await startSimulatorCommand(["--port", String(port)]);
    expect(sim.stdout().split("\n")[0]).toBe(`http://127.0.0.1:${port}`);
    sim.child.kill("SIGINT");
    expect(await sim.exited).toBe(0);
    expect(sim.stderr()).toContain("SIGINT: simulator stopped after 0 requests.");
  });

  it("--tls serves https with a CA file it prints and removes when it stops; only then is selfsigned loaded", async () => {
    const dir = tempDir();
    const record = path.join(dir, "loads.txt");
    const hook = pathToFileURL(path.join(ROOT, "test", "helpers", "record-loads.mjs")).href;
    const sim = await startSimulatorCommand(["--tls"], 2, {
      NODE_OPTIONS: `--import=${hook}`,
      RECORD_LOADS_FILE: record,
    });
    const [url, caLine] = sim.stdout().split("\n");
    expect(url, sim.stderr()).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caFile = /^CA certificate: (.+)$/.exec(caLine)?.[1] ?? "";
    expect(fs.existsSync(caFile)).toBe(true);
    const status = await new Promise<number | undefined>((resolve, reject) =>
      https
        .get(`${url}/v1/customers`, { ca: fs.readFileSync(caFile), headers: API_HEADERS }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on("error", reject),
    );
    expect(status).toBe(200);
    sim.child.kill("SIGTERM");
    expect(await sim.exited).toBe(0);
    expect(fs.existsSync(caFile)).toBe(false);
    expect(loadedModules(record).loaded("/node_modules/selfsigned/")).toBe(true);
  });

  it("refuses a bad value, an unknown option and a taken port with exit 2 and the option named", async () => {
    const badValue = await runCli(["simulator", "--port", "99999"]);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('--port: expected a number from 0 to 65535, got "99999"');
    const mistyped = await runCli(["simulator", "--prot", "8080"]);
    expect(mistyped.code).toBe(2);
    expect(mistyped.stderr).toContain("simulator has no option --prot (did you mean --port?)");
    const window = await runCli(["simulator", "--fixed-window", "100"]);
    expect(window.code).toBe(2);
    expect(window.stderr).toContain('--fixed-window: expected N/S (e.g. 100/5), got "100"');

    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    try {
      const port = (holder.address() as net.AddressInfo).port;
      const taken = await runCli(["simulator", "--port", String(port)]);
      expect(taken.code).toBe(2);
      expect(taken.stderr).toMatch(/the simulator cannot start: .*EADDRINUSE/);
      for (const r of [badValue, mistyped, window, taken]) expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  });
});

/** A port that was free a moment ago (the test's own listener, closed). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
