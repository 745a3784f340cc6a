// Every command the tool prints as the next step runs as printed: each one is read from stdout
// and run through the shell, against the same simulator, and must do what it says. The options
// it needs (--base-url, --map, --date-format, --proxy without its password) come with it.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../src/simulator/index.js";
import {
  baseEnv,
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "anything" };
/** A proxy with a password: loopback hosts are reached directly, so it is never used, only printed. */
const PROXY = "http://ops:s3cret@127.0.0.1:9";

let sim: Simulator;
beforeAll(async () => {
  sim = await trackedSimulator({ latencyMs: 5 });
});
afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

/** A printed command line run by the shell, as a user pasting it would; bounded by a kill. */
function runPrinted(
  line: string,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", line], {
      cwd,
      env: { ...baseEnv(), ...ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The command after `label` on its line of stdout. */
function printed(stdout: string, label: string): string {
  const line = stdout.split("\n").find((l) => l.includes(label));
  expect(line, stdout).toBeDefined();
  return line!.slice(line!.indexOf(label) + label.length).trim();
}

/** A file with a mapped header and day-first dates: it needs --map and --date-format to be read. */
function mappedInput(dir: string, rows: number): string {
  const file = path.join(dir, "export.csv");
  const lines = ["Tenant,firstName,lastName,email,Signed on"];
  for (let i = 0; i < rows; i++)
    lines.push(`${crypto.randomUUID()},Ann${i},Lee,ann${i}@contoso.example,05/0${1 + (i % 9)}/2026`);
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}
const READ_OPTIONS = ["--map", "Tenant=customerTenantId,Signed on=dateAgreed", "--date-format", "DD/MM/YYYY"];

describe("every printed next command runs as printed", () => {
  it("after pending: the validate and run commands carry --base-url and the proxy without its password", async () => {
    const dir = tempDir("mca-next-");
    const ids: string[] = Array.from({ length: 5 }, () => crypto.randomUUID());
    for (const id of ids) sim.customers.add({ id, companyName: "Contoso", domain: "contoso.example" });
    const r = await runCli(["pending", "--base-url", sim.url, "--proxy", PROXY, "--quiet"], {
      cwd: dir,
      env: ENV,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("s3cret");
    const [validate, run] = r.stdout
      .split("\n")
      .filter((line) => /^ {2}\S/.test(line) && /(validate|run) pending\.csv/.test(line))
      .map((line) => line.trim());
    expect(validate).toContain(`--base-url ${sim.url}`);
    expect(run).toContain(`--base-url ${sim.url}`);
    expect(run).toContain("--proxy 'http://ops:<password>@127.0.0.1:9'");
    // Filled in as the operator would, then each printed command, exactly as printed.
    const rows = readCsv(path.join(dir, "pending.csv"));
    const ours = rows.filter((row) => ids.includes(row.customerTenantId));
    expect(ours).toHaveLength(5);
    const filled = ours.map(
      (row, i) => `${row.customerTenantId},Ann,Lee,ann${i}@contoso.example,,2026-01-05`,
    );
    fs.writeFileSync(
      path.join(dir, "pending.csv"),
      `customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed\n${filled.join("\n")}\n`,
    );
    const checked = await runPrinted(validate, dir);
    expect(checked.code, checked.stderr).toBe(0);
    const before = sim.stats.confirmRequests;
    const sent = await runPrinted(`${run} --quiet`, dir);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sim.stats.confirmRequests - before).toBe(5);
    expect(readCsv(path.join(dir, "pending.results.csv")).map((row) => row.status)).toEqual(
      Array(5).fill("confirmed"),
    );
  });

  it("after validate: the run command keeps --map, --date-format and --base-url, and sends every row", async () => {
    const dir = tempDir("mca-next-");
    const input = mappedInput(dir, 6);
    const r = await runCli(
      ["validate", input, ...READ_OPTIONS, "--base-url", sim.url, "--out", "check.csv"],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const run = printed(r.stdout, "To send them:");
    expect(run).not.toContain("check.csv");
    const sent = await runPrinted(`${run} --quiet`, dir);
    expect(sent.code, sent.stderr).toBe(0);
    expect(readCsv(path.join(dir, "export.results.csv")).map((row) => row.status)).toEqual(
      Array(6).fill("confirmed"),
    );
  });

  it("after --dry-run: the real run, with the same options and its own files", async () => {
    const dir = tempDir("mca-next-");
    const input = mappedInput(dir, 4);
    const before = sim.stats.confirmRequests;
    const r = await runCli(["run", input, "--dry-run", ...READ_OPTIONS, "--base-url", sim.url, "--quiet"], {
      cwd: dir,
      env: ENV,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(sim.stats.confirmRequests).toBe(before);
    const run = printed(r.stdout, "To send them:");
    expect(run).not.toContain("--dry-run");
    const sent = await runPrinted(run, dir);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sim.stats.confirmRequests - before).toBe(4);
    expect(readCsv(path.join(dir, "export.results.csv")).map((row) => row.status)).toEqual(
      Array(4).fill("confirmed"),
    );
  });

  it("after a run with failures: the re-run of the failed file, with what reads and reaches it", async () => {
    const dir = tempDir("mca-next-");
    const input = mappedInput(dir, 5);
    sim.setFaults({ errorRate: 1 });
    let r;
    try {
      r = await runCli(
        [
          "run",
          input,
          ...READ_OPTIONS,
          "--base-url",
          sim.url,
          "--proxy",
          PROXY,
          "--max-attempts",
          "1",
          "--quiet",
        ],
        { cwd: dir, env: ENV },
      );
    } finally {
      sim.setFaults({ errorRate: 0 });
    }
    expect(r.code, r.stderr).toBe(1);
    const rerun = printed(r.stdout, "re-run");
    const command = rerun.slice(rerun.indexOf(":") + 1).trim();
    expect(command).toContain("export.failed.csv");
    expect(command).not.toContain("s3cret");
    const again = await runPrinted(command, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(readCsv(path.join(dir, "export.failed.results.csv")).map((row) => row.status)).toEqual(
      Array(5).fill("confirmed"),
    );
  });
});
