// The whole run in this process: the real pipeline against the simulator on port 0, with the
// virtual clock, so backoff, Retry-After and the stop route run in milliseconds and the same
// way every time.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TokenProvider } from "../src/auth/types.js";
import { resolveRunConfig, type RunFlags } from "../src/config.js";
import { silentLogger } from "../src/log.js";
import type { RunResult, Snapshot } from "../src/output/run-result.js";
import { summarize } from "../src/output/summary.js";
import { startRun, type RunHandle } from "../src/run/pipeline.js";
import type { SimulatorOptions } from "../src/simulator/index.js";
import { closeSimulators, readCsv, removeTempDirs, tempDir, trackedSimulator } from "./helpers/cli.js";
import { virtualClock, type VirtualClock } from "./helpers/virtual-clock.js";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

const HEADER = "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed";
const token: TokenProvider = {
  description: "test token",
  getToken: async () => "test-access-token",
  renew: async () => undefined,
};

/** A customer id whose first group picks the simulator's answer (see src/simulator/triggers.ts). */
function customer(prefix: string, index: number): string {
  return `${prefix}-0000-4000-8000-${String(index).padStart(12, "0")}`;
}

function row(customerId: string, index: number): string {
  return `${customerId},First${index},Last${index},person${index}@contoso.example,,2026-01-0${(index % 9) + 1}`;
}

function writeInput(lines: string[]): string {
  const file = path.join(tempDir(), "acceptances.csv");
  fs.writeFileSync(file, [HEADER, ...lines, ""].join("\n"));
  return file;
}

async function start(input: string, flags: RunFlags, simulator: SimulatorOptions = {}) {
  const sim = await trackedSimulator(simulator);
  const config = resolveRunConfig("run", input, { "base-url": sim.url, ...flags }, {});
  const clock = virtualClock();
  const handle = startRun({ config, logger: silentLogger, clock, tokens: async () => token });
  return { sim, config, clock, handle };
}

/** Advances virtual time while the run goes on; bounded in steps and in real time. */
async function finish(handle: RunHandle, clock: VirtualClock): Promise<RunResult> {
  let settled = false;
  handle.done.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = Date.now() + 20_000;
  for (let step = 0; step < 200_000 && !settled && Date.now() < deadline; step++) {
    await clock.advanceTo(clock.now() + 250);
  }
  return handle.done;
}

describe("a run in process", () => {
  it("gives every row exactly one outcome, retrying by the virtual clock, and drops the journal", async () => {
    const input = writeInput([
      row(customer("1a2b3c4d", 1), 1),
      row(customer("00000404", 2), 2),
      row(customer("00000500", 3), 3),
      row(customer("00000429", 4), 4),
      row("not-a-guid", 5),
      row(customer("1a2b3c4d", 1), 6),
      row(customer("5e6f7a8b", 7), 7),
    ]);
    const { sim, config, clock, handle } = await start(input, { "max-attempts": "3" });
    const report = await finish(handle, clock);

    const results = readCsv(config.out);
    expect(results.map((result) => result.rowNumber)).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(results.map((result) => result.status)).toEqual([
      "confirmed",
      "rejected",
      "failed",
      "failed",
      "invalid",
      "skipped",
      "confirmed",
    ]);
    expect(results[2]).toMatchObject({ attempts: "3", httpStatus: "503" });
    expect(results[3]).toMatchObject({ attempts: "3", httpStatus: "429" });
    expect(results[5].errorCode).toBe("duplicate-customer");
    expect(report).toMatchObject({ total: 7, finishedNow: 7, resumable: false, stop: undefined });
    expect(report.counts.rows).toBe(7);
    expect(sim.stats.totalRecords()).toBe(2);
    // Retries waited in virtual time: at least the two 1 s Retry-After pauses of the 429 row.
    expect(clock.now()).toBeGreaterThanOrEqual(2_000);
    expect(fs.existsSync(`${config.out}.journal`)).toBe(false);
  });

  it("skips as duplicates the rows the pre-flight found, counting valid rows only", async () => {
    // The pre-flight decides the duplicates and the run holds only their row numbers: an invalid
    // row does not make its corrected copy a duplicate, the copy after that valid row is one,
    // and so is a later copy written in capitals (the id is compared as checked, lower-cased).
    const id = customer("2b3c4d5e", 9);
    const input = writeInput([
      row(id, 1).replace("person1@contoso.example", "not-an-address"),
      row(id, 2),
      row(customer("6f7a8b9c", 3), 3),
      row(id, 4),
      row(id.toUpperCase(), 5),
    ]);
    const { sim, config, clock, handle } = await start(input, {});
    await finish(handle, clock);

    const results = readCsv(config.out);
    expect(results.map((result) => [result.status, result.errorCode])).toEqual([
      ["invalid", "invalid-email"],
      ["confirmed", ""],
      ["confirmed", ""],
      ["skipped", "duplicate-customer"],
      ["skipped", "duplicate-customer"],
    ]);
    expect(sim.stats.totalRecords()).toBe(2);
  });

  it("stops at once on an answer that would fail every row: the rest not-run, the journal kept", async () => {
    const input = writeInput(
      Array.from({ length: 20 }, (_, index) => row(customer("2b3c4d5e", index), index)),
    );
    const { sim, config, clock, handle } = await start(
      input,
      { "template-id": "117a1e4c-1a1e-4a6f-9f1c-6a6a6a6a6a6a" },
      { faults: { authError: { status: 401, code: 900421, message: "MFA required" } } },
    );
    const report = await finish(handle, clock);

    expect(report.stop?.kind).toBe("auth-failed");
    expect(report.stop?.message).toMatch(/multi-factor authentication/);
    expect(report.resumable).toBe(true);
    const results = readCsv(config.out);
    expect(results).toHaveLength(20);
    expect(new Set(results.map((result) => result.status))).toEqual(new Set(["not-run"]));
    expect(results.every((result) => result.errorCode === "auth-failed")).toBe(true);
    expect(sim.stats.totalRecords()).toBe(0);
    expect(fs.existsSync(`${config.out}.journal`)).toBe(true);
  });

  it("after interrupt() starts no new row and marks the rest not-run (interrupted)", async () => {
    const input = writeInput(
      Array.from({ length: 40 }, (_, index) => row(customer("3c4d5e6f", index), index)),
    );
    const { sim, config, clock, handle } = await start(input, { concurrency: "1" }, { latencyMs: 20 });
    // Let a few rows go, then interrupt while the run is under way (bounded in steps and real time).
    const deadline = Date.now() + 10_000;
    for (let step = 0; step < 5_000 && sim.stats.totalRecords() < 3 && Date.now() < deadline; step++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await clock.advanceTo(clock.now() + 1);
    }
    handle.interrupt();
    const report = await finish(handle, clock);

    expect(report.stop?.kind).toBe("interrupted");
    const results = readCsv(config.out);
    expect(results).toHaveLength(40);
    const confirmed = results.filter((result) => result.status === "confirmed").length;
    const notRun = results.filter((result) => result.status === "not-run");
    expect(confirmed).toBe(sim.stats.totalRecords());
    expect(confirmed).toBeGreaterThanOrEqual(3);
    expect(notRun.length).toBe(40 - confirmed);
    expect(notRun.every((result) => result.errorCode === "interrupted")).toBe(true);
    expect(report.resumable).toBe(true);
  });

  it("on --resume measures its rate and ETA on the rows it decides, not on the rows recorded before", async () => {
    const total = 40;
    const input = writeInput(
      Array.from({ length: total }, (_, index) => row(customer("6f7a8b9c", index), index)),
    );
    const { sim, config, clock, handle } = await start(input, { concurrency: "1" }, { latencyMs: 10 });
    const deadline = Date.now() + 10_000;
    for (let step = 0; step < 5_000 && sim.stats.totalRecords() < 10 && Date.now() < deadline; step++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await clock.advanceTo(clock.now() + 1);
    }
    handle.interrupt();
    await finish(handle, clock);
    const recorded = sim.stats.totalRecords();
    expect(recorded).toBeGreaterThanOrEqual(10);

    const resumeClock = virtualClock();
    const resumed = startRun({
      config: resolveRunConfig("run", input, { "base-url": sim.url, resume: true }, {}),
      logger: silentLogger,
      clock: resumeClock,
      tokens: async () => token,
    });
    const snapshots: Snapshot[] = [];
    const sampling = setInterval(() => snapshots.push(resumed.snapshot()), 1);
    const report = await finish(resumed, resumeClock).finally(() => clearInterval(sampling));
    snapshots.push(resumed.snapshot());

    const toDecide = total - recorded;
    const running = snapshots.filter((snapshot) => snapshot.total > 0);
    expect(running.length).toBeGreaterThan(0);
    for (const snapshot of running) {
      expect(snapshot.toDecide).toBe(toDecide);
      expect(snapshot.decidedNow).toBeLessThanOrEqual(snapshot.toDecide);
      expect(snapshot.decidedNow).toBeLessThanOrEqual(snapshot.done);
    }
    expect(running.at(-1)).toMatchObject({ done: total, decidedNow: toDecide });
    expect(report).toMatchObject({ resumed: true, finishedNow: toDecide, stop: undefined });
    expect(sim.stats.totalRecords()).toBe(total);
    // The summary's rate: the rows this run decided over its own time, never the whole file.
    const summary = summarize(report, {});
    const seconds = report.elapsedMs / 1000;
    expect(summary.rowsPerSecond).toBe(Math.round((toDecide / seconds) * 10) / 10);
    expect(readCsv(config.out).every((result) => result.status === "confirmed")).toBe(true);
  });

  it("stops through the breaker when the API stays down past --outage-timeout, in virtual time", async () => {
    const input = writeInput(
      Array.from({ length: 30 }, (_, index) => row(customer("4d5e6f7a", index), index)),
    );
    const { sim, config, clock, handle } = await start(
      input,
      { concurrency: "4", "outage-timeout": "60", "template-id": "117a1e4c-1a1e-4a6f-9f1c-6a6a6a6a6a6a" },
      { faults: { errorRate: 1 } },
    );
    const report = await finish(handle, clock);

    expect(report.stop?.kind).toBe("outage");
    expect(report.stop?.message).toMatch(/--outage-timeout/);
    // A minute of outage passed in virtual time; without the breaker 30 rows × 6 attempts = 180 requests.
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
    expect(sim.stats.confirmRequests).toBeLessThan(40);
    const results = readCsv(config.out);
    expect(results).toHaveLength(30);
    expect(results.some((result) => result.status === "not-run")).toBe(true);
    expect(results.every((result) => ["not-run", "failed"].includes(result.status))).toBe(true);
    expect(report.resumable).toBe(true);
  });
});
