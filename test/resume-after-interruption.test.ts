// Crash-safe runs through the real CLI process: kill -9 at several points, Ctrl-C once and
// twice, --resume, a changed input, a finished results file. The simulator runs in this
// process, so killing the CLI never touches what it has recorded.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { userIdOf } from "../src/simulator/store.js";
import { CLI, ROOT, baseEnv, readCsv, removeTempDirs, runCli, tempDir } from "./helpers/cli.js";

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "anything" };

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 30, seed: 4 });
});
afterAll(async () => {
  await sim?.close();
  removeTempDirs();
});

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/** The CLI in the background, so the test can signal it mid-run. Killed after 30 s at most. */
function startCli(args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), ...ENV },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, exited };
}

function lines(file: string): string[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
}
const outcomeLines = (journal: string) => lines(journal).filter((l) => l.includes(`"o":`)).length;

/** Polls (bounded) until `ready` holds; fails the test if it never does. */
async function until(ready: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits (bounded) until the simulator saw no new request for 300 ms: what a killed CLI had sent has arrived. */
async function settled(): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50 && sim.stats.requests !== last; i++) {
    last = sim.stats.requests;
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function killWhen(
  run: Running,
  ready: () => boolean,
  what: string,
  signal: NodeJS.Signals = "SIGKILL",
) {
  await until(ready, what);
  run.child.kill(signal);
  return run.exited;
}

async function setup(rows: number) {
  const dir = tempDir("mca-resume-");
  const csv = path.join(dir, "acceptances.csv");
  // A salt per file: every test sends customers the shared simulator has never seen.
  await writeGeneratedCsv(csv, rows, { salt: Math.floor(Math.random() * 0xffff) });
  const out = path.join(dir, "acceptances.results.csv");
  const args = ["run", csv, "--base-url", sim.url, "--quiet"];
  return { dir, csv, out, journal: `${out}.journal`, args };
}

/** Every input row exactly once, in order, confirmed by a 201 that carries the record's own userId. */
function expectAllConfirmedOnce(out: string, csv: string, rows: number) {
  const results = readCsv(out);
  expect(results.map((r) => Number(r.rowNumber))).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
  const input = readCsv(csv);
  expect(results.map((r) => r.customerTenantId)).toEqual(input.map((r) => r.customerTenantId));
  expect(results.filter((r) => r.status !== "confirmed")).toEqual([]);
  // A re-send under a new request id would be answered 600061 without a userId: every row got
  // a 201, so every re-sent row was answered from the idempotency record of its own request.
  expect(results.filter((r) => r.httpStatus !== "201" || r.userId === "")).toEqual([]);
  expect(new Set(results.map((r) => r.userId)).size).toBe(rows);
  for (const r of input) expect(sim.stats.recordsPerCustomer(r.customerTenantId)).toBe(1);
  expect(sim.stats.customersWithDuplicateRecords()).toEqual([]);
  return results;
}

describe("crash-safe runs", () => {
  it("kill -9 early, mid-run and while rows wait on Retry-After; --resume finishes every row exactly once", async () => {
    const rows = 1200;
    const { csv, out, journal, args } = await setup(rows);
    const recordsBefore = sim.stats.totalRecords();

    // 1. Early: a few dozen outcomes in.
    let r = await killWhen(startCli(args), () => outcomeLines(journal) >= 30, "30 outcomes");
    expect(r.signal).toBe("SIGKILL");
    expect(fs.existsSync(out)).toBe(false); // never a half-written results file under its name

    // Without --resume the unfinished run is protected.
    const refused = await runCli(args, { env: ENV });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--resume/);

    // 2. Mid-run, while some answers are lost after the API committed them (the CLI re-sends
    //    the same MS-RequestId after a back-off, and a kill may land during that back-off).
    sim.setFaults({ resetAfterCommitRate: 0.1 });
    try {
      const at = outcomeLines(journal);
      r = await killWhen(
        startCli([...args, "--resume"]),
        () => outcomeLines(journal) >= at + 300,
        "300 more outcomes",
      );
      expect(r.signal).toBe("SIGKILL");
    } finally {
      sim.setFaults({ resetAfterCommitRate: 0 });
    }

    // 3. While rows sleep on a Retry-After (the rate limit answers 429 with Retry-After: 1).
    // Simulate outcomes lost in the journal's write buffer first: drop the last 25 outcome
    // lines (their intent lines stay), so those rows must be re-sent under their recorded ids.
    const kept = lines(journal);
    let drop = 25;
    for (let i = kept.length - 1; i >= 0 && drop > 0; i--) {
      if (kept[i].includes(`"o":`)) {
        kept.splice(i, 1);
        drop--;
      }
    }
    fs.writeFileSync(journal, `${kept.join("\n")}\n`);
    // A tight limit, so 429s come however many rows a loaded machine let stage 2 finish.
    sim.setRateLimit({ perSecond: 20, burst: 2 });
    try {
      const throttled = sim.stats.throttled;
      const run = startCli([...args, "--resume"]);
      await until(() => sim.stats.throttled >= throttled + 2, "429 answers");
      // Retry-After is 1 s: 300 ms later the throttled rows are asleep before their retry.
      await new Promise((res) => setTimeout(res, 300));
      run.child.kill("SIGKILL");
      expect((await run.exited).signal).toBe("SIGKILL");
    } finally {
      sim.setRateLimit(null);
    }

    // 4. Resume to the end.
    const done = await startCli([...args, "--resume", "--json"]).exited;
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    const summary = JSON.parse(done.stdout) as {
      rows: number;
      statuses: Record<string, number>;
      requests: number;
      exitCode: number;
    };
    expect(summary.rows).toBe(rows); // the resumed run counts every row, not only those it sent
    expect(summary.statuses).toEqual({ confirmed: rows });
    expect(summary.requests).toBeLessThan(rows); // rows recorded earlier were not sent again

    const results = expectAllConfirmedOnce(out, csv, rows);
    expect(sim.stats.totalRecords() - recordsBefore).toBe(rows);
    // The userIds are exactly those of the records the simulator holds for this file.
    const seqs = results.map((x) => parseInt(x.userId.slice(-12), 16));
    expect(new Set(results.map((x) => x.userId))).toEqual(new Set(seqs.map(userIdOf)));
    expect(fs.existsSync(journal)).toBe(false);
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("Ctrl-C once: in-flight rows finish, the rest is not-run, exit 130 with the resume command; --resume completes", async () => {
    const rows = 800;
    const { csv, out, journal, args } = await setup(rows);
    const first = await killWhen(startCli(args), () => outcomeLines(journal) >= 60, "60 outcomes", "SIGINT");
    expect(first.code).toBe(130);
    expect(first.stdout).toMatch(/To continue this run: node \S*dist\/cli\.js run /);
    expect(first.stdout).toContain(`run ${csv} --base-url ${sim.url} --quiet --resume`);
    // While resumable, resuming is the only next step: no failed file, no not-run rows as problems.
    expect(first.stdout).not.toContain("Failed rows");
    expect(first.stdout).not.toContain("re-run");
    expect(first.stdout).not.toMatch(/interrupted +\d+ rows?/);
    const partial = readCsv(out);
    expect(partial.map((x) => Number(x.rowNumber))).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
    const notRun = partial.filter((x) => x.status === "not-run");
    expect(notRun.length).toBeGreaterThan(0);
    expect(new Set(notRun.map((x) => x.errorCode))).toEqual(new Set(["interrupted"]));
    expect(partial.every((x) => x.status === "confirmed" || x.status === "not-run")).toBe(true);
    expect(fs.existsSync(journal)).toBe(true);
    expect(readCsv(out.replace(/results\.csv$/, "failed.csv"))).toHaveLength(notRun.length);

    const second = await startCli([...args, "--resume"]).exited;
    expect(second.code).toBe(0);
    expectAllConfirmedOnce(out, csv, rows);
    expect(fs.existsSync(journal)).toBe(false);
  });

  it("Ctrl-C twice exits at once (130) and --resume still works", async () => {
    const rows = 600;
    const { csv, out, journal, args } = await setup(rows);
    sim.setLatency(4000); // requests in flight long enough for the second Ctrl-C to cut them off
    const run = startCli(args);
    try {
      await until(() => outcomeLines(journal) >= 8, "8 outcomes");
      run.child.kill("SIGINT");
      // A second signal within a second is the same Ctrl-C (a process group's); a person's comes later.
      await new Promise((res) => setTimeout(res, 1200));
      const t = Date.now();
      run.child.kill("SIGINT");
      const r = await run.exited;
      expect(Date.now() - t).toBeLessThan(1500); // not the 4 s the requests in flight would take
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/Continue later with: node \S*dist\/cli\.js run /);
      expect(r.stderr).toContain(`run ${csv} --base-url ${sim.url} --quiet --resume`);
    } finally {
      sim.setLatency(30);
    }
    expect(fs.existsSync(journal)).toBe(true);
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const done = await startCli([...args, "--resume"]).exited;
    expect(done.code).toBe(0);
    expectAllConfirmedOnce(out, csv, rows);
  });

  it("Ctrl-C during the templateId lookup: nothing sent, every row not-run, exit 130, the same command runs again", async () => {
    const rows = 50;
    const { csv, out, dir, args } = await setup(rows);
    const log = path.join(dir, "acceptances.results.csv.log");
    sim.setLatency(1500);
    const metadata = sim.stats.metadataRequests;
    let r;
    try {
      r = await killWhen(
        startCli(args),
        () => sim.stats.metadataRequests > metadata && fs.existsSync(log),
        "the metadata call",
        "SIGINT",
      );
    } finally {
      sim.setLatency(30);
    }
    expect(r.code).toBe(130);
    const partial = readCsv(out);
    expect(partial).toHaveLength(rows);
    expect(partial.every((x) => x.status === "not-run")).toBe(true);
    // Nothing was sent, so no journal was kept: --resume has nothing to continue (exit 2)...
    const resume = await startCli([...args, "--resume"]).exited;
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain("nothing to resume for");
    // ...and the command as it was (what the summary offers) replaces the results that record no request.
    const done = await startCli(args).exited;
    expect(done.code).toBe(0);
    expectAllConfirmedOnce(out, csv, rows);
  });

  it("--resume refuses options that would read or send rows differently (exit 2, nothing sent)", async () => {
    const { journal, args } = await setup(400);
    await killWhen(startCli(args), () => outcomeLines(journal) >= 20, "20 outcomes");
    await settled();
    const requests = sim.stats.requests;
    const r = await runCli([...args, "--resume", "--agreement-type", "MicrosoftCloudAgreement"], {
      env: ENV,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--agreement-type "MicrosoftCustomerAgreement"/);
    expect(sim.stats.requests).toBe(requests);
    const same = await runCli([...args, "--resume"], { env: ENV });
    expect(same.code).toBe(0);
  });

  it("sends no row of an input that grows during the run, keeps what was done, and resumes once it is put back", async () => {
    const { csv, out, journal, args } = await setup(400);
    const original = fs.readFileSync(csv, "utf8");
    const run = startCli(args);
    await until(() => outcomeLines(journal) >= 20, "20 outcomes");
    const extra = path.join(path.dirname(csv), "extra.csv");
    await writeGeneratedCsv(extra, 3, { salt: 0xfffe });
    const extraRows = fs.readFileSync(extra, "utf8").split("\n").slice(1).join("\n");
    fs.appendFileSync(csv, extraRows);
    const r = await run.exited;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/changed during the run; nothing more was sent/);
    for (const row of readCsv(extra)) expect(sim.stats.requestsPerCustomer(row.customerTenantId)).toBe(0);
    expect(fs.existsSync(journal)).toBe(true);
    expect(fs.existsSync(out)).toBe(false);

    fs.writeFileSync(csv, original);
    const done = await startCli([...args, "--resume"]).exited;
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expectAllConfirmedOnce(out, csv, 400);
  });

  it("reports a disk that refuses the results (file size limit) instead of ending quietly", async () => {
    const dir = tempDir("mca-disk-");
    const csv = path.join(dir, "wide.csv");
    const rows = Array.from(
      { length: 5000 },
      (_, i) => `bad-id-${i},A,B,a@b.example,2025-01-01,${"x".repeat(300)}`,
    );
    fs.writeFileSync(csv, `customerTenantId,firstName,lastName,email,dateAgreed,notes\n${rows.join("\n")}\n`);
    // ulimit -f: writes past 1 MB fail with EFBIG, as on a full disk.
    const script = `trap '' XFSZ; ulimit -f 1000; exec "$0" "$@"`;
    const r = spawnSync(
      "bash",
      [
        "-c",
        script,
        process.execPath,
        CLI,
        "run",
        csv,
        "--base-url",
        sim.url,
        "--quiet",
        "--template-id",
        "117a77b0-9360-443b-8795-c6dedc750cf9",
      ],
      { env: { ...baseEnv(), ...ENV }, encoding: "utf8", timeout: 30_000 },
    );
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/^mca-confirm: cannot write the output files: EFBIG/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dir, "wide.results.csv"))).toBe(false);
  });

  it("reports a disk that refuses the results while rows are in flight, and --resume finishes", async () => {
    const { dir, csv, out, args } = await setup(800);
    // Wide rows, so the results pass a 300 kB file size limit while requests are in flight.
    const lines = fs.readFileSync(csv, "utf8").trimEnd().split("\n");
    fs.writeFileSync(
      csv,
      `${lines.map((l, i) => `${l},${i === 0 ? "wide" : "w".repeat(600)}`).join("\n")}\n`,
    );
    const script = `trap '' XFSZ; ulimit -f 300; exec "$0" "$@"`;
    // Not spawnSync: the simulator answering the requests lives in this process.
    const child = spawn("bash", ["-c", script, process.execPath, CLI, ...args], {
      env: { ...baseEnv(), ...ENV },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    clearTimeout(guard);
    expect(status).toBe(4);
    expect(stderr).toMatch(/^mca-confirm: cannot write the output files: EFBIG/m);
    expect(fs.existsSync(out)).toBe(false);
    const done = await startCli([...args, "--resume"]).exited;
    expect(done.code).toBe(0);
    expectAllConfirmedOnce(out, csv, 800);
    void dir;
  });

  it("refuses a second run into the same results while the first is going, and takes over a dead run's lock", async () => {
    const { out, journal, args } = await setup(300);
    const first = startCli(args);
    await until(() => outcomeLines(journal) >= 10, "10 outcomes");
    const second = await runCli([...args, "--resume"], { env: ENV });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/another run \(process \d+\) is writing/);
    expect((await first.exited).code).toBe(0);
    expect(fs.existsSync(`${out}.lock`)).toBe(false);

    // A lock left by a process that no longer exists (kill -9) does not block the next run.
    fs.writeFileSync(`${out}.lock`, "999999\n");
    const again = await runCli([...args, "--overwrite"], { env: ENV });
    expect(again.code).toBe(0);
  });

  it("--resume refuses an input that changed since the interrupted run (exit 2, nothing sent)", async () => {
    const { csv, journal, args } = await setup(400);
    await killWhen(startCli(args), () => outcomeLines(journal) >= 20, "20 outcomes");
    await settled();
    fs.appendFileSync(
      csv,
      fs
        .readFileSync(csv, "utf8")
        .split("\n")[1]
        .replace(/ACC-0$/, "ACC-X") + "\n",
    );
    const requests = sim.stats.requests;
    const r = await runCli([...args, "--resume"], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/changed since the interrupted run/);
    expect(sim.stats.requests).toBe(requests);
    expect(fs.existsSync(journal)).toBe(true);
  });

  it("--resume with no journal sends nothing (exit 2), rather than running every row again under new ids", async () => {
    const { dir, out, journal, args } = await setup(30);
    const requests = sim.stats.requests;
    // The journal of an interrupted run deleted by hand, its partial results left behind.
    fs.writeFileSync(out, "customerTenantId,rowNumber,status,attempts\nx,1,confirmed,1\n");
    for (const leftOver of [false, true]) {
      if (!leftOver) fs.rmSync(out);
      const r = await runCli([...args, "--resume"], { env: ENV });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `nothing to resume for ${out}; run without --resume (with --skip-confirmed to leave out customers already on record)`,
      );
      expect(sim.stats.requests).toBe(requests);
      expect(fs.existsSync(journal)).toBe(false);
    }
    // A journal that is there but unreadable keeps its own refusal.
    fs.writeFileSync(journal, "not a journal\n");
    const unreadable = await runCli([...args, "--resume"], { env: ENV });
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain("is not a journal this tool can read");
    expect(sim.stats.requests).toBe(requests);
    expect(fs.readdirSync(dir).sort()).toEqual(["acceptances.csv", "acceptances.results.csv.journal"]);
  });

  it("a finished results file is never replaced without --overwrite", async () => {
    const rows = 40;
    const { csv, out, args } = await setup(rows);
    expect((await runCli(args, { env: ENV })).code).toBe(0);
    const before = fs.readFileSync(out, "utf8");
    const requests = sim.stats.requests;

    const again = await runCli(args, { env: ENV });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--overwrite/);
    const resume = await runCli([...args, "--resume"], { env: ENV });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/nothing to resume/);
    expect(sim.stats.requests).toBe(requests);
    expect(fs.readFileSync(out, "utf8")).toBe(before);

    const overwrite = await runCli([...args, "--overwrite"], { env: ENV });
    expect(overwrite.code).toBe(0);
    expect(readCsv(out).every((x) => x.status === "confirmed" && x.errorCode === "600061")).toBe(true);
    expect(sim.stats.customersWithDuplicateRecords()).toEqual([]);
    expect(readCsv(csv)).toHaveLength(rows);
  });

  it("a kill between the results rename and the journal removal: --resume rewrites the same results, sending nothing", async () => {
    const rows = 60;
    const { csv, out, journal, args } = await setup(rows);
    expect((await runCli(args, { env: ENV })).code).toBe(0);
    const finished = readCsv(out);
    // Rebuild the journal that run had at the moment of its rename: header + every outcome.
    const header = {
      v: 1,
      fingerprint: `sha256:${crypto.createHash("sha256").update(fs.readFileSync(csv)).digest("hex")}`,
      input: csv,
      startedAt: new Date().toISOString(),
    };
    const outcomeOf = (x: Record<string, string>) => ({
      rowNumber: Number(x.rowNumber),
      status: x.status,
      userId: x.userId,
      httpStatus: Number(x.httpStatus),
      attempts: Number(x.attempts),
      requestId: x.requestId,
      correlationId: x.correlationId,
      completedAt: x.completedAt,
    });
    const text = [header, ...finished.map((x) => ({ r: Number(x.rowNumber), o: outcomeOf(x) }))]
      .map((l) => JSON.stringify(l))
      .join("\n");
    fs.writeFileSync(journal, `${text}\n`);

    const plain = await runCli(args, { env: ENV });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/unfinished run.*--resume/);
    const requests = sim.stats.confirmRequests;
    const r = await runCli([...args, "--resume"], { env: ENV });
    expect(r.code).toBe(0);
    expect(sim.stats.confirmRequests).toBe(requests);
    expect(readCsv(out)).toEqual(finished);
    expect(fs.existsSync(journal)).toBe(false);
  });
});
