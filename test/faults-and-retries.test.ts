// Every fault mode end to end: the built CLI (dist/cli.js) as a child process against the
// bundled simulator (or, for Retry-After timing, a tiny recording server) on 127.0.0.1, port 0.
// Each test reads the results file row by row and asks the simulator what it recorded per
// customer: faults must never produce a second record, a false `failed` or a wrong userId.
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CURRENT_MCA_TEMPLATE_ID } from "../src/simulator/index.js";
import { generatedTenantId, writeGeneratedCsv } from "../src/demo/generate.js";
import {
  closeServers,
  closeSimulators,
  listenOnLoopback,
  readCsv,
  removeTempDirs,
  trackedSimulator,
  runCli,
  tempDir,
  type CliResult,
} from "./helpers/cli.js";
import { expectConfirmedOnce } from "./helpers/confirmed-once.js";

const sim = trackedSimulator;
afterAll(async () => {
  await closeSimulators();
  closeServers();
  removeTempDirs();
});

type Row = Record<string, string>;

/** Generates `rows` valid rows (ids never hit a trigger prefix unless `ids` replaces some). */
async function inputFile(
  rows: number,
  ids: Record<number, string> = {},
): Promise<{ file: string; dir: string }> {
  const dir = tempDir("mca-faults-");
  const file = path.join(dir, "in.csv");
  await writeGeneratedCsv(file, rows);
  if (Object.keys(ids).length > 0) {
    const fs = await import("node:fs");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    for (const [i, id] of Object.entries(ids))
      lines[Number(i)] = lines[Number(i)].replace(generatedTenantId(Number(i) - 1), id);
    fs.writeFileSync(file, lines.join("\n"));
  }
  return { file, dir };
}

async function run(
  url: string,
  file: string,
  args: string[] = [],
  timeoutMs = 45_000,
): Promise<{ r: CliResult; rows: Row[]; ms: number }> {
  const started = Date.now();
  const r = await runCli(["run", file, "--base-url", url, "--quiet", ...args], {
    cwd: path.dirname(file),
    env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
    timeoutMs,
  });
  expect(r.timedOut, `the CLI did not finish in time; stderr: ${r.stderr}`).toBe(false);
  const rows = readCsv(file.replace(/\.csv$/, ".results.csv"));
  return { r, rows, ms: Date.now() - started };
}

describe("faults end to end", () => {
  it("rides out bursts of 500 and 503: every row confirmed once", async () => {
    const s = await sim({ faults: { errorRate: 0.3 }, seed: 11 });
    const { file } = await inputFile(40);
    const { r, rows } = await run(s.url, file, ["--concurrency", "8", "--max-attempts", "10"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rows).toHaveLength(40);
    expectConfirmedOnce(s, rows);
    expect(rows.some((row) => Number(row.attempts) > 1)).toBe(true);
    expect(s.stats.totalRecords()).toBe(40);
  });

  it("never records twice or reports a false failure when connections drop before or after the commit", async () => {
    const s = await sim({ faults: { resetBeforeCommitRate: 0.15, resetAfterCommitRate: 0.25 }, seed: 7 });
    const { file } = await inputFile(60);
    const { r, rows } = await run(s.url, file, ["--concurrency", "8", "--max-attempts", "10"]);
    expect(r.code, r.stderr).toBe(0);
    expectConfirmedOnce(s, rows);
    // Rows whose connection dropped after the commit were answered from the idempotency record:
    // the 201 with their own userId, not 600061 "already exists".
    expect(rows.filter((row) => Number(row.attempts) > 1).length).toBeGreaterThan(10);
    expect(s.stats.totalRecords()).toBe(60);
  });

  it("gives up on hung connections after --timeout and carries on", async () => {
    const s = await sim({ faults: { hangRate: 0.15, timeoutRate: 0.1 }, seed: 3 });
    const { file } = await inputFile(40);
    const { r, rows, ms } = await run(s.url, file, [
      "--concurrency",
      "8",
      "--timeout",
      "1",
      "--max-attempts",
      "10",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expectConfirmedOnce(s, rows);
    expect(rows.filter((row) => Number(row.attempts) > 1).length).toBeGreaterThan(3);
    expect(ms).toBeLessThan(25_000);
  });

  it("fails only the row that keeps failing, after --max-attempts, without opening the breaker", async () => {
    const s = await sim();
    const bad = "00000500-0000-4000-8000-000000000001";
    const { file } = await inputFile(12, { 3: bad });
    const { r, rows } = await run(s.url, file, ["--concurrency", "4", "--max-attempts", "3"]);
    expect(r.code, r.stderr).toBe(1);
    expect(rows[2]).toMatchObject({ status: "failed", httpStatus: "503", attempts: "3" });
    expect(s.stats.requestsPerCustomer(bad)).toBe(3);
    expectConfirmedOnce(
      s,
      rows.filter((_, i) => i !== 2),
    );
  });

  it("rejects only the customer answered 403 20002; the run goes on", async () => {
    const s = await sim();
    const bad = "00000403-0000-4000-8000-000000000001";
    const { file } = await inputFile(10, { 5: bad });
    const { r, rows } = await run(s.url, file, ["--concurrency", "4"]);
    expect(r.code, r.stderr).toBe(1);
    expect(rows[4]).toMatchObject({
      status: "rejected",
      httpStatus: "403",
      errorCode: "20002",
      attempts: "1",
    });
    expectConfirmedOnce(
      s,
      rows.filter((_, i) => i !== 4),
    );
  });
});

describe("Retry-After end to end", () => {
  // Some accepted requests first, so the run knows a rate to come back at.
  const THROTTLED_ARRIVAL = 12;
  interface Arrival {
    at: number;
    correlationId: string;
    throttled: boolean;
  }
  /**
   * A recording API: `answer(n, now)` gives the Retry-After header for the n-th POST (1-based),
   * or undefined to answer 201.
   */
  async function throttlingServer(answer: (n: number, now: number) => string | undefined) {
    const arrivals: Arrival[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const now = Date.now();
        const correlationId = String(req.headers["ms-correlationid"] ?? "");
        const retryAfter = answer(arrivals.length + 1, now);
        arrivals.push({ at: now, correlationId, throttled: retryAfter !== undefined });
        res.setHeader("content-type", "application/json");
        res.setHeader("ms-requestid", String(req.headers["ms-requestid"] ?? ""));
        res.setHeader("ms-correlationid", correlationId);
        if (retryAfter !== undefined) {
          res.writeHead(429, { "retry-after": retryAfter });
          return res.end(JSON.stringify({ statusCode: 429, message: "Rate limit is exceeded." }));
        }
        res.writeHead(201);
        res.end(JSON.stringify({ userId: crypto.randomUUID(), templateId: CURRENT_MCA_TEMPLATE_ID }));
      });
    });
    const url = await listenOnLoopback(server);
    return { url, arrivals };
  }

  const runArgs = ["--concurrency", "8", "--template-id", CURRENT_MCA_TEMPLATE_ID];

  it.each([
    ["seconds", () => "2", 2_000],
    ["an HTTP date", () => new Date(Date.now() + 3_000).toUTCString(), 2_000],
  ])(
    "holds the throttled row until Retry-After (%s) has passed while the run goes on",
    async (_, header, minPauseMs) => {
      const api = await throttlingServer((n) => (n === THROTTLED_ARRIVAL ? header() : undefined));
      const { file } = await inputFile(30);
      const { r, rows } = await run(api.url, file, runArgs);
      expect(r.code, r.stderr).toBe(0);
      expect(rows.every((row) => row.status === "confirmed")).toBe(true);
      expect(rows.filter((row) => row.attempts === "2")).toHaveLength(1);
      const throttled = api.arrivals.find((a) => a.throttled)!;
      const retried = api.arrivals.filter((a) => a.correlationId === throttled.correlationId);
      expect(retried).toHaveLength(2);
      expect(retried[1].at - throttled.at).toBeGreaterThanOrEqual(minPauseMs - 20);
      // A constant Retry-After is what a token bucket sends; it keeps refilling meanwhile, so
      // the other rows go on (slower) instead of the whole run waiting.
      const others = api.arrivals.filter((a) => a.at > throttled.at + 50 && a.at < throttled.at + minPauseMs);
      expect(others.length).toBeGreaterThan(0);
    },
  );

  it("holds every request once Retry-After counts down to a window's end", async () => {
    // A window used up by the 12th POST that opens again 3 s later: every POST before then is
    // refused with the seconds left, rounded up, as a fixed-window limiter answers.
    let opensAt: number | undefined;
    const api = await throttlingServer((n, now) => {
      if (n === THROTTLED_ARRIVAL) opensAt = now + 3_000;
      if (opensAt === undefined || now >= opensAt) return undefined;
      return String(Math.max(1, Math.ceil((opensAt - now) / 1000)));
    });
    const { file } = await inputFile(30);
    const { r, rows } = await run(api.url, file, runArgs);
    expect(r.code, r.stderr).toBe(0);
    expect(rows.every((row) => row.status === "confirmed")).toBe(true);
    const refused = api.arrivals.filter((a) => a.throttled);
    // Once a later 429 showed the countdown (same end, a second less), nothing until the end.
    const first = refused[0];
    const countdown = refused.find((a) => a.at >= first.at + 1_000);
    expect(countdown, "a 429 a second or more after the first").toBeDefined();
    const early = api.arrivals.filter((a) => a.at > countdown!.at + 50 && a.at < opensAt! - 20);
    expect(early).toEqual([]);
    // Probing before the countdown is known is bounded: a handful of 429s, not a stream.
    expect(refused.length).toBeLessThanOrEqual(12);
  });
});

describe("outages end to end", () => {
  it("stops sending during an outage and stops the run after --outage-timeout: exit 3, the rest not-run", async () => {
    const s = await sim({ faults: { errorRate: 1 } });
    const { file } = await inputFile(50);
    const { r, rows, ms } = await run(s.url, file, [
      "--concurrency",
      "4",
      "--max-attempts",
      "6",
      "--outage-timeout",
      "4",
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/--outage-timeout/);
    expect(r.stdout + r.stderr).toMatch(/--resume/);
    expect(ms).toBeLessThan(15_000);
    // Without the breaker: 50 rows × 6 attempts = 300 requests. With it: a window's worth and a few probes.
    expect(s.stats.confirmRequests).toBeLessThan(40);
    expect(s.stats.totalRecords()).toBe(0);
    for (const row of rows) {
      expect(["not-run", "failed"]).toContain(row.status);
      expect(Number(row.attempts)).toBe(s.stats.requestsPerCustomer(row.customerTenantId));
    }
    expect(rows.filter((row) => row.status === "not-run").length).toBeGreaterThan(40);
  });

  it("resumes by itself when the API comes back within --outage-timeout", async () => {
    const s = await sim({ faults: { errorRate: 1 } });
    const { file } = await inputFile(40);
    setTimeout(() => s.setFaults({ errorRate: 0 }), 3_000).unref();
    const { r, rows } = await run(s.url, file, [
      "--concurrency",
      "4",
      "--max-attempts",
      "6",
      "--outage-timeout",
      "60",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expectConfirmedOnce(s, rows);
    // Attempts stayed bounded during the 3 s outage: the breaker held the rows, they did not burn retries.
    expect(s.stats.confirmRequests).toBeLessThan(40 + 30);
  });
});

describe("answers that would fail every row", () => {
  it.each([
    [{ status: 401, code: 900421 }, /multi-factor/i],
    [{ status: 403, code: 900308 }, /permission|Admin agent/i],
    [{ status: 403, code: 900309 }, /Conditional Access/i],
    [{ status: 401, code: 800001 }, /refused the access token/i],
  ] as const)(
    "stops the run at once on %o mid-run: exit 3, finished rows kept, the rest not-run",
    async (authError, advice) => {
      const s = await sim({ latencyMs: 15 });
      const { file } = await inputFile(300);
      const poll = setInterval(() => {
        if (s.stats.confirmRequests >= 20) {
          s.setFaults({ authError });
          clearInterval(poll);
        }
      }, 2);
      const { r, rows } = await run(s.url, file, ["--concurrency", "4"]);
      clearInterval(poll);
      expect(r.code).toBe(3);
      expect(r.stdout + r.stderr).toMatch(advice);
      const confirmed = rows.filter((row) => row.status === "confirmed");
      const notRun = rows.filter((row) => row.status === "not-run");
      expect(confirmed.length).toBeGreaterThanOrEqual(16);
      expect(confirmed.length + notRun.length).toBe(300);
      expectConfirmedOnce(s, confirmed);
      // A static token cannot be renewed: the first refusal stops the run; a handful were in flight.
      expect(s.stats.confirmRequests).toBeLessThan(confirmed.length + 12);
      for (const row of notRun) {
        expect(row.errorCode).toBe("auth-failed");
        expect(s.stats.recordsPerCustomer(row.customerTenantId)).toBe(0);
      }
    },
  );
});
