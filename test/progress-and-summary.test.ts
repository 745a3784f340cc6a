// What the operator sees and keeps, through the real CLI against the simulator on 127.0.0.1:
// the --json summary, the structured log (and what it must never hold), the progress display on
// a pseudo-terminal and its absence on a pipe, and --skip-confirmed.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { startDemoIdentity } from "../src/simulator/identity.js";
import { resolveTokenProvider } from "../src/auth/index.js";
import { createLogger } from "../src/log.js";
import { shellQuote, type SummaryJson } from "../src/output/summary.js";
import { CLI, baseEnv, readCsv, removeTempDirs, ROOT, runCli, tempDir } from "./helpers/cli.js";

/** Distinctive, so finding it anywhere in a log or output is proof of a leak. */
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.FAKE-OPERATOR-TEST-TOKEN-7f3c9a1b2d4e6f80";
const SAMPLE = path.join(ROOT, "samples", "acceptances.csv");
/** 429 on every attempt with Retry-After: 1 (src/simulator/triggers.ts). */
const THROTTLED =
  "00000429-0000-4000-8000-0000000000a1,Ann,Lee,ann.lee@contoso.example,+1 425 555 0142,2026-01-05,CRM-1";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 2 });
});
afterAll(async () => {
  await sim.close();
  removeTempDirs();
});

function env(): Record<string, string> {
  return { PARTNER_CENTER_ACCESS_TOKEN: TOKEN };
}

/** The sample file plus one always-throttled row, in a fresh directory. */
function sampleWithThrottledRow(): { dir: string; input: string } {
  const dir = tempDir();
  const input = path.join(dir, "acceptances.csv");
  fs.writeFileSync(input, `${fs.readFileSync(SAMPLE, "utf8").trimEnd()}\n${THROTTLED}\n`);
  return { dir, input };
}

/** Runs the CLI under `script`, so its stdout and stderr are a pseudo-terminal; bounded by a kill. */
function runOnPty(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      // A terminal that can redraw, whatever the one running the tests is (TERM=dumb, NO_COLOR).
      env: {
        ...baseEnv(),
        ...env(),
        COLUMNS: "200",
        LINES: "40",
        TERM: "xterm-256color",
        NO_COLOR: "",
        CI: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("a run with --json and --log-level debug", () => {
  let dir: string;
  let input: string;
  let result: Awaited<ReturnType<typeof runCli>>;
  let summary: SummaryJson;
  let log: string;

  beforeAll(async () => {
    ({ dir, input } = sampleWithThrottledRow());
    result = await runCli(
      ["run", input, "--base-url", sim.url, "--json", "--log-level", "debug", "--max-attempts", "2"],
      { env: env() },
    );
    summary = JSON.parse(result.stdout) as SummaryJson;
    log = fs.readFileSync(path.join(dir, "acceptances.results.csv.log"), "utf8");
  });

  it("prints exactly one JSON object on stdout, and its counts are those of the results file", () => {
    expect(result.timedOut).toBe(false);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    const rows = readCsv(path.join(dir, "acceptances.results.csv"));
    expect(summary.rows).toBe(rows.length);
    const statuses: Record<string, number> = {};
    for (const r of rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    expect(summary.statuses).toEqual(statuses);
    expect(summary.statuses.failed).toBe(1); // the throttled row, attempts used up

    // Every error code of a row needing another run, with its row count, the codeless
    // throttled row under its HTTP status (a skipped duplicate is no problem).
    const codes: Record<string, number> = {};
    for (const r of rows) {
      if (!["invalid", "rejected", "failed", "not-run"].includes(r.status)) continue;
      const code = r.errorCode || (r.status === "failed" ? `HTTP ${r.httpStatus}` : "");
      for (const c of code.split(";").filter(Boolean)) codes[c] = (codes[c] ?? 0) + 1;
    }
    expect(Object.fromEntries(summary.errors.map((e) => [e.code, e.rows]))).toEqual(codes);
    for (const e of summary.errors) expect(e.meaning).not.toBe("");
    const counts = summary.errors.map((e) => e.rows);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));

    expect(summary.exitCode).toBe(1);
    expect(result.code).toBe(1);
    expect(summary.throttled).toBe(2);
    expect(summary.elapsedSeconds).toBeGreaterThan(0);
    expect(summary.rowsPerSecond).toBeGreaterThan(0);
    expect(summary.files.results).toBe(input.replace(/\.csv$/, ".results.csv"));
    expect(summary.files.failed).toBe(input.replace(/\.csv$/, ".failed.csv"));
    expect(summary.files.log).toBe(input.replace(/\.csv$/, ".results.csv.log"));
    const failed = readCsv(summary.files.failed!);
    expect(failed.length).toBe(
      rows.filter((r) => ["invalid", "rejected", "failed", "not-run"].includes(r.status)).length,
    );
    // Started as `node <path>/dist/cli.js`, the printed command starts the same way.
    expect(summary.rerunCommand).toMatch(/^node \S*dist\/cli\.js run /);
    expect(summary.rerunCommand).toContain(`run ${summary.files.failed} --base-url ${sim.url}`);
    expect(summary.resumeCommand).toBeNull();
  });

  it("logs one line per attempt, with the ids, status, duration and the delay before the next attempt", () => {
    const lines = log
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const attempts = lines.filter((l) => l.event === "attempt");
    expect(attempts).toHaveLength(summary.requests);
    expect(attempts.filter((a) => a.httpStatus === 429)).toHaveLength(summary.throttled);
    for (const a of attempts.filter((x) => x.call === "confirm")) {
      expect(a).toMatchObject({
        rowNumber: expect.any(Number),
        customerId: expect.any(String),
        attempt: expect.any(Number),
        httpStatus: expect.any(Number),
      });
      expect(a.durationMs).toEqual(expect.any(Number));
      expect(a.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    }
    const throttled = attempts.filter((a) => a.httpStatus === 429);
    expect(throttled[0]).toMatchObject({ rowNumber: 52, attempt: 1, delayMs: expect.any(Number) });
    expect(throttled[1]).toMatchObject({ rowNumber: 52, attempt: 2 });
    expect(throttled[1].correlationId).toBe(throttled[0].correlationId);
    expect(throttled[1].requestId).not.toBe(throttled[0].requestId);
    const rejected = attempts.find((a) => a.httpStatus === 404);
    expect(rejected?.errorCode).toBe("60003");

    const start = lines.find((l) => l.event === "run-start");
    expect(start?.options).toMatchObject({
      concurrency: 8,
      maxAttempts: 2,
      logLevel: "debug",
      baseUrl: sim.url,
    });
    const end = lines.find((l) => l.event === "run-end");
    expect(end).toMatchObject({ rows: 52, requests: summary.requests, throttled: 2 });
  });

  it("holds no token, name, email or phone number at debug level", () => {
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain("FAKE-OPERATOR-TEST-TOKEN");
    expect(log).not.toMatch(/bearer/i);
    expect(log).not.toMatch(/authorization/i);
    const people = readCsv(input);
    expect(people.length).toBe(52);
    for (const p of people) {
      for (const name of [p.firstName, p.lastName].filter((n): n is string => !!n && n.length >= 3)) {
        expect(log).not.toMatch(new RegExp(`\\b${name}\\b`));
      }
      if (p.email) expect(log.toLowerCase()).not.toContain(p.email.toLowerCase());
      if (p.phoneNumber && /\d{4}/.test(p.phoneNumber)) {
        expect(log).not.toContain(p.phoneNumber);
        expect(log).not.toMatch(new RegExp(`(?<!\\d)${p.phoneNumber.replace(/\D/g, "")}(?!\\d)`));
      }
    }
    // Nor does anything the operator sees.
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });
});

describe("MSAL's own log lines at --log-level trace", () => {
  it("reach the log scrubbed: no access token, refresh token or the signed-in user's name", async () => {
    const demo = await startDemoIdentity({ accessTokenLifetimeSeconds: 3 });
    const file = path.join(tempDir(), "msal.log");
    try {
      const logger = createLogger(file, "trace");
      const tokens = await resolveTokenProvider({ env: demo.env, logger, networkClient: demo.networkClient });
      const first = await tokens.getToken();
      const renewed = await tokens.renew();
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      // pino's file stream writes asynchronously; wait (bounded) for the lines to land.
      let log = "";
      for (let i = 0; i < 50 && !log.includes("access token obtained"); i++) {
        await new Promise((r) => setTimeout(r, 20));
        log = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      }
      expect(log).toContain('"msal"');
      for (const secret of [first, renewed!, demo.env.PARTNER_CENTER_REFRESH_TOKEN!])
        expect(log).not.toContain(secret);
      expect(log).not.toContain("admin@partner.example");
      expect(log).not.toContain("Partner Admin");
    } finally {
      await demo.close();
    }
  });
});

describe("the progress display", () => {
  it("on a terminal redraws one line with counts, rate, ETA and the Retry-After wait, then clears it before the summary", async () => {
    const { input } = sampleWithThrottledRow();
    // A window limiter: its Retry-After counts down to the window's end, which holds the whole
    // run (one row's constant Retry-After holds only that row, and shows no pause).
    // 5 s, not 2: the opening's 429s then say "closed for seconds" however late they come back on
    // a busy machine (with 2 s the hold left could be under the second the display shows).
    sim.setRateLimit({ kind: "fixed-window", limit: 40, windowSeconds: 5 });
    const { code, output } = await runOnPty(
      [
        "run",
        input,
        "--base-url",
        sim.url,
        "--max-attempts",
        "2",
        "--concurrency",
        "2",
        // The window holds the run for 5-10 s (its rows are sent twice: confirm, then the
        // check of an already-confirmed customer); the kill is only for a hung run.
      ],
      40_000,
    ).finally(() => sim.setRateLimit(null));
    expect(code).toBe(1);
    expect(output).toContain("\r\x1b[2K");
    expect(output).toMatch(
      /\d+\/52 rows \(\d+%\) · \d+ confirmed · \d+ to fix · \d+ re-run later · \d+\.\d rows\/s · (ETA |\d+ rows? waiting to retry)/,
    );
    expect(output).toMatch(/waiting \d s \(API throttling\)/);
    // The summary starts on a cleared line, never glued to a half-drawn progress line.
    const at = output.indexOf("Processed 52 rows");
    expect(at).toBeGreaterThan(0);
    expect(output.slice(at - 5, at)).toBe("\r\x1b[2K");
    expect(output.slice(at)).not.toContain("rows/s ·");
    expect(output.slice(at)).toContain("To re-run the failed rows");
  });

  it("is absent on a terminal with --quiet, and with --no-progress", async () => {
    const { input } = sampleWithThrottledRow();
    const quiet = await runOnPty(["run", input, "--base-url", sim.url, "--max-attempts", "2", "--quiet"]);
    const none = await runOnPty([
      "run",
      input,
      "--base-url",
      sim.url,
      "--max-attempts",
      "2",
      "--overwrite",
      "--no-progress",
    ]);
    for (const r of [quiet, none]) {
      expect(r.output).toContain("Processed 52 rows");
      expect(r.output).not.toContain("\x1b[");
      expect(r.output).not.toContain("API throttling");
    }
  });

  it("writes no redraws to a stderr that is not a terminal", async () => {
    const { input } = sampleWithThrottledRow();
    const r = await runCli(["run", input, "--base-url", sim.url, "--max-attempts", "2"], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).not.toContain("\x1b[");
    // Only whole plain lines, if any (one every 30 s, or when a pause begins): a short run prints none.
    for (const line of r.stderr.split("\n").filter(Boolean))
      expect(line).toMatch(/^\d+\/52 rows \(\d+%\) · /);
    expect(r.stderr.split("\n").filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(r.stdout).toContain("Processed 52 rows");
  });
});

describe("--skip-confirmed", () => {
  it("skips customers whose identical confirmation is on record, without a POST for them", async () => {
    const local = await startSimulator({ latencyMs: 2 });
    try {
      const dir = tempDir();
      const people = [
        [
          "3f1c2a6e-0b1d-4c5e-9a7b-000000000001",
          "Tania",
          "Carr",
          "tania.carr@contoso.example",
          "+1 425 555 1000",
        ],
        ["3f1c2a6e-0b1d-4c5e-9a7b-000000000002", "Omar", "Sato", "omar.sato@fabrikam.example", ""],
        [
          "3f1c2a6e-0b1d-4c5e-9a7b-000000000003",
          "Mei",
          "Silva",
          "mei.silva@northwind.example",
          "+1 425 555 1002",
        ],
        ["3f1c2a6e-0b1d-4c5e-9a7b-000000000004", "Lars", "Haddad", "lars.haddad@tailspin.example", ""],
        [
          "3f1c2a6e-0b1d-4c5e-9a7b-000000000005",
          "Aisha",
          "Iyer",
          "aisha.iyer@woodgrove.example",
          "+1 425 555 1004",
        ],
        ["3f1c2a6e-0b1d-4c5e-9a7b-000000000006", "Diego", "Jensen", "diego.jensen@litware.example", ""],
      ];
      fs.writeFileSync(
        path.join(dir, "in.csv"),
        [
          "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed",
          ...people.map((p) => [...p, "2026-01-01"].join(",")),
        ].join("\n"),
      );
      const contact = (p: string[]) => ({
        firstName: p[1],
        lastName: p[2],
        email: p[3],
        ...(p[4] ? { phoneNumber: p[4] } : {}),
      });
      // Rows 1, 3 and 5 are on record with the same contact; row 2's customer with another contact.
      for (const i of [0, 2, 4]) local.seedConfirmation(people[i][0], contact(people[i]));
      local.seedConfirmation(people[1][0], { ...contact(people[1]), email: "someone.else@fabrikam.example" });

      const r = await runCli(
        ["run", "in.csv", "--base-url", local.url, "--skip-confirmed", "--json", "--concurrency", "1"],
        { cwd: dir, env: env() },
      );
      expect(r.code).toBe(0);
      const rows = readCsv(path.join(dir, "in.results.csv"));
      expect(rows.map((x) => [x.status, x.errorCode])).toEqual([
        ["skipped", "already-confirmed"],
        ["confirmed", ""],
        ["skipped", "already-confirmed"],
        ["confirmed", ""],
        ["skipped", "already-confirmed"],
        ["confirmed", ""],
      ]);
      // Every row carries the API's record: the skipped ones the userId the listing showed.
      expect(rows.every((x) => /^[0-9a-f]{8}-[0-9a-f-]{27}$/.test(x.userId))).toBe(true);
      expect(people.map((p) => local.stats.requestsPerCustomer(p[0]))).toEqual([0, 1, 0, 1, 0, 1]);
      expect(local.stats.listRequests).toBe(6);
      expect(local.stats.confirmRequests).toBe(3);
      // The reads go through the same worker slots as the POSTs: with --concurrency 1, one at a time.
      expect(local.stats.peakInFlight).toBe(1);
      const summary = JSON.parse(r.stdout) as SummaryJson;
      expect(summary.statuses).toEqual({ confirmed: 3, skipped: 3 });
      // metadata, six direct-acceptance reads, six listings, three POSTs
      expect(summary.requests).toBe(1 + 6 + 6 + 3);
      const log = fs.readFileSync(path.join(dir, "in.results.csv.log"), "utf8");
      expect(log.split("\n").filter((l) => l.includes('"call":"list"'))).toHaveLength(6);
    } finally {
      await local.close();
    }
  });
});
