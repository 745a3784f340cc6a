// `mca-confirm pending` end to end: the real CLI (dist/cli.js) as a child process against the
// simulator on 127.0.0.1, port 0, with customers whose confirmations are known; then the file
// filled in and handed to `validate` and `run`.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generatedCustomer, type Simulator } from "../src/simulator/index.js";
import {
  CLI,
  baseEnv,
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
  type CliResult,
} from "./helpers/cli.js";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

const COLUMNS = [
  "customerTenantId",
  "firstName",
  "lastName",
  "email",
  "phoneNumber",
  "dateAgreed",
  "companyName",
  "domain",
  "lastDateAgreed",
  "lastTemplateId",
  "lookupError",
];

/** Customers whose confirmations the tests set up, in list order. */
const NONE = "1a000000-0000-4000-8000-000000000001";
const RECENT = "1a000000-0000-4000-8000-000000000002";
const OLD = "1a000000-0000-4000-8000-000000000003";
const RENEWED = "1a000000-0000-4000-8000-000000000004";
const FORMULA = "1a000000-0000-4000-8000-000000000005";
/** The simulator answers 503 to every request about a customer id starting 00000500. */
const UNREADABLE = "00000500-0000-4000-8000-000000000006";
const FORMULA_NAME = "=cmd|' /C calc'!A0";
const OLD_CONTACT = {
  firstName: "Tania",
  lastName: "Carr",
  email: "tania@example.com",
  phoneNumber: "+1 425 555 0100",
};

async function simulatorWithCustomers(
  options: { unreadable?: boolean; duplicate?: boolean } = {},
): Promise<Simulator> {
  const sim = await trackedSimulator();
  const add = (id: string, companyName: string) =>
    sim.customers.add({ id, companyName, domain: `${companyName.replace(/\W/g, "").toLowerCase()}.example` });
  add(NONE, "None Ltd");
  add(RECENT, "Recent Ltd");
  add(OLD, "Old Ltd");
  add(RENEWED, "Renewed Ltd");
  add(FORMULA, FORMULA_NAME);
  if (options.unreadable) add(UNREADABLE, "Unreadable Ltd");
  // A list that names a customer twice (seen with paging glitches): read and listed once.
  if (options.duplicate) add(NONE.toUpperCase(), "None Ltd");
  sim.seedConfirmation(
    RECENT,
    { firstName: "Ravi", lastName: "Iyer", email: "ravi@example.com" },
    "2025-06-01",
  );
  sim.seedConfirmation(OLD, OLD_CONTACT, "2019-05-01");
  sim.seedConfirmation(
    RENEWED,
    { firstName: "Mei", lastName: "Chen", email: "mei@example.com" },
    "2018-02-01",
  );
  sim.seedConfirmation(
    RENEWED,
    { firstName: "Jonas", lastName: "Berg", email: "jonas@example.com" },
    "2025-03-01",
  );
  return sim;
}

function pending(
  sim: Simulator | string,
  cwd: string,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const url = typeof sim === "string" ? sim : sim.url;
  return runCli(["pending", ...args, "--base-url", url, "--quiet"], {
    cwd,
    env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token", ...env },
    timeoutMs: 30_000,
  });
}

function expectExit(r: CliResult, code: number): void {
  expect(r.timedOut, "the CLI did not finish in time").toBe(false);
  expect(r.code, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`).toBe(code);
}

const idsOf = (rows: Record<string, string>[]) => rows.map((row) => row.customerTenantId);

describe("mca-confirm pending", () => {
  it("pages through the list with the continuation token, retries a failed page, lists customers without a confirmation", async () => {
    const sim = await simulatorWithCustomers();
    sim.customers.failPages({ after: 1, times: 1, status: 503 });
    const dir = tempDir();
    const r = await pending(sim, dir, ["--page-size", "2"]);
    expectExit(r, 0);
    // 5 customers in pages of 2: three pages, and the second asked for twice.
    expect(sim.customers.pageRequests).toBe(4);
    expect(sim.stats.listRequests).toBe(5);
    const text = fs.readFileSync(path.join(dir, "pending.csv"), "utf8");
    expect(text.split("\n")[0]).toBe(COLUMNS.join(","));
    const rows = readCsv(path.join(dir, "pending.csv"));
    expect(idsOf(rows)).toEqual([NONE, FORMULA]);
    expect(rows[0]).toMatchObject({
      firstName: "",
      email: "",
      dateAgreed: "",
      companyName: "None Ltd",
      lastDateAgreed: "",
    });
    // Formula-safe: the spreadsheet sees text, and run reads the name back as the API wrote it.
    expect(rows[1].companyName).toBe(`'${FORMULA_NAME}`);
    expect(r.stdout).toContain("5 customers read, 2 need a confirmation");
    expect(r.stdout).toContain("Written: pending.csv (2 rows)");
    expect(fs.existsSync(path.join(dir, "pending.csv.tmp"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "pending.csv.lock"))).toBe(false);
  });

  it("with --before, adds customers whose latest confirmation is older, with its contact and no date", async () => {
    const sim = await simulatorWithCustomers();
    const dir = tempDir();
    const r = await pending(sim, dir, ["--before", "2024-01-01", "--out", "before.csv", "--json"]);
    expectExit(r, 0);
    const rows = readCsv(path.join(dir, "before.csv"));
    expect(idsOf(rows)).toEqual([NONE, OLD, FORMULA]);
    expect(rows[1]).toMatchObject({
      firstName: "Tania",
      lastName: "Carr",
      email: "tania@example.com",
      phoneNumber: "'+1 425 555 0100",
      dateAgreed: "",
      lastDateAgreed: "2019-05-01T00:00:00.000Z",
    });
    expect(rows[1].lastTemplateId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(r.stdout)).toMatchObject({
      command: "pending",
      customersRead: 5,
      needConfirmation: 3,
      noConfirmation: 2,
      olderThanBefore: 1,
      out: "before.csv",
      exitCode: 0,
    });
  });

  it("with --all, lists every customer with its latest confirmation", async () => {
    const sim = await simulatorWithCustomers();
    const dir = tempDir();
    expectExit(await pending(sim, dir, ["--all"]), 0);
    const rows = readCsv(path.join(dir, "pending.csv"));
    expect(idsOf(rows)).toEqual([NONE, RECENT, OLD, RENEWED, FORMULA]);
    expect(rows[3]).toMatchObject({
      firstName: "Jonas",
      lastDateAgreed: "2025-03-01T00:00:00.000Z",
      dateAgreed: "",
    });
  });

  it("writes a file that validate reports invalid until filled in, and that run accepts once it is", async () => {
    const sim = await simulatorWithCustomers();
    const dir = tempDir();
    expectExit(await pending(sim, dir, ["--before", "2024-01-01"]), 0);
    const file = path.join(dir, "pending.csv");
    const validated = await runCli(["validate", "pending.csv", "--quiet"], { cwd: dir });
    expectExit(validated, 1);
    const checked = readCsv(path.join(dir, "pending.validation.csv"));
    expect(checked.map((row) => row.status)).toEqual(["invalid", "invalid", "invalid"]);
    expect(checked[0].errorCode).toBe("missing-first-name;missing-last-name;invalid-email;invalid-date");
    expect(checked[1].errorCode).toBe("invalid-date");

    // The operator fills in the blanks: a contact where there was none, and every date.
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    const filled = lines.map((line, index) => {
      if (index === 0) return line;
      const cells = line.split(",");
      if (cells[1] === "") [cells[1], cells[2], cells[3]] = ["Ana", "Lima", `ana${index}@example.com`];
      cells[5] = "2025-02-03";
      return cells.join(",");
    });
    fs.writeFileSync(file, `${filled.join("\n")}\n`);
    const run = await runCli(["run", "pending.csv", "--base-url", sim.url, "--quiet"], {
      cwd: dir,
      env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
      timeoutMs: 30_000,
    });
    expectExit(run, 0);
    const results = readCsv(path.join(dir, "pending.results.csv"));
    expect(results.map((row) => row.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
    // The extra columns pass through, the formula cell still escaped (never twice).
    expect(results[2].companyName).toBe(`'${FORMULA_NAME}`);
    expect(sim.stats.recordsPerCustomer(NONE)).toBe(1);
    expect(sim.stats.recordsPerCustomer(FORMULA)).toBe(1);
    // The same contact again: Partner Center answers that this confirmation exists (600061).
    expect(results[1].errorCode).toBe("600061");
  });

  it("lists a customer whose confirmations cannot be read with lookupError, and exits 1", async () => {
    const sim = await simulatorWithCustomers({ unreadable: true });
    const dir = tempDir();
    const r = await pending(sim, dir, ["--max-attempts", "2"]);
    expectExit(r, 1);
    const rows = readCsv(path.join(dir, "pending.csv"));
    expect(idsOf(rows)).toEqual([NONE, FORMULA, UNREADABLE]);
    expect(rows[2].lookupError).toMatch(/^HTTP 503 code 503: .*\(2 attempts\)$/);
    expect(rows[0].lookupError).toBe("");
    expect(r.stdout).toContain("1 whose confirmations could not be read");
  });

  it("stops with exit 3 and writes no file when the token is refused mid-listing", async () => {
    const sim = await simulatorWithCustomers();
    sim.customers.failPages({ after: 1, times: 100, status: 401, code: 800001 });
    const dir = tempDir();
    const r = await pending(sim, dir, ["--page-size", "2"]);
    expectExit(r, 3);
    expect(r.stdout).toContain("No file written");
    expect(r.stdout).toMatch(/refused the access token/);
    expect(fs.readdirSync(dir).filter((name) => name.startsWith("pending.csv"))).toEqual(["pending.csv.log"]);
  });

  it("stops with exit 3 on a list that is not a list or pages forever", async () => {
    let answers = 0;
    const server = http.createServer((req, res) => {
      answers++;
      if (req.url?.includes("/agreements")) return res.end(JSON.stringify({ items: [] }));
      const html = req.url?.includes("size=1");
      res.setHeader("content-type", html ? "text/html" : "application/json");
      if (html) return res.end("<html>Sign in to the proxy</html>");
      const next = { headers: [{ key: "MS-ContinuationToken", value: "same" }] };
      res.end(JSON.stringify({ items: [], links: { next } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = tempDir();
      const proxyPage = await pending(url, dir, ["--page-size", "1"]);
      expectExit(proxyPage, 3);
      expect(proxyPage.stdout).toContain(
        'page 1 of the customer list could not be read: HTTP 200 (text/html) with "<html>Sign in to the proxy</html>", not a JSON collection',
      );
      const forever = await pending(url, dir, ["--page-size", "2"]);
      expectExit(forever, 3);
      expect(forever.stdout).toContain("the same continuation token");
      expect(answers).toBeLessThan(10);
      expect(fs.existsSync(path.join(dir, "pending.csv"))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("shows the whole cycle in the demo: pending, the file filled in from the sample, run", async () => {
    const r = await runCli(["demo", "--keep"], { timeoutMs: 60_000 });
    expectExit(r, 0);
    const dir = /Files: (\S+)/.exec(r.stdout)?.[1];
    expect(dir, r.stdout).toBeDefined();
    const listed = readCsv(path.join(dir!, "pending.csv"));
    const results = readCsv(path.join(dir!, "acceptances.results.csv"));
    // Every customer the pending file listed was filled in and sent (or refused), in the same order.
    expect(idsOf(results)).toEqual(idsOf(listed));
    expect(results.filter((row) => row.status === "confirmed").length).toBeGreaterThan(listed.length / 2);
    expect(listed.some((row) => row.lookupError !== "")).toBe(true);
    expect(r.stdout).toMatch(/\d+ customers read, \d+ need a confirmation/);
    expect(r.stdout).toContain("Step 3: mca-confirm run acceptances.csv");
    fs.rmSync(dir!, { recursive: true, force: true });
  });

  it("reads a customer the list names twice once, and says so", async () => {
    const sim = await simulatorWithCustomers({ duplicate: true });
    const dir = tempDir();
    const r = await pending(sim, dir, ["--page-size", "4", "--json"]);
    expectExit(r, 0);
    expect(idsOf(readCsv(path.join(dir, "pending.csv")))).toEqual([NONE, FORMULA]);
    expect(JSON.parse(r.stdout)).toMatchObject({ customersRead: 5, duplicates: 1, rows: 2 });
    expect(sim.stats.listRequests).toBe(5);
  });

  it("stops with exit 3 and writes no file when a page keeps failing", async () => {
    const sim = await simulatorWithCustomers();
    sim.customers.failPages({ after: 1, times: 100, status: 503 });
    const dir = tempDir();
    const r = await pending(sim, dir, ["--page-size", "2", "--max-attempts", "2", "--json"]);
    expectExit(r, 3);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ out: null, exitCode: 3, stopped: { reason: "outage" } });
    expect(summary.stopped.message).toMatch(/^page 2 of the customer list could not be read: HTTP 503/);
    expect(r.stderr).toContain("page 2 of the customer list could not be read");
    expect(fs.existsSync(path.join(dir, "pending.csv"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "pending.csv.tmp"))).toBe(false);
  });

  it("stops on Ctrl-C with exit 130, lets requests in flight finish and writes no file", async () => {
    const sim = await trackedSimulator({ customers: 3_000, latencyMs: 20 });
    const dir = tempDir();
    const child = spawn(process.execPath, [CLI, "pending", "--base-url", sim.url, "--quiet"], {
      cwd: dir,
      env: { ...baseEnv(), PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    // Bounded: at most 10 s for the listing to get going.
    for (let waited = 0; sim.stats.listRequests < 50 && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(killer);
    expect(code).toBe(130);
    expect(stdout).toContain("Interrupted: no file written");
    expect(sim.stats.listRequests).toBeLessThan(3_000);
    expect(sim.stats.inFlight).toBe(0);
    expect(fs.readdirSync(dir).filter((name) => name !== "pending.csv.log")).toEqual([]);
  });

  it("stops on Ctrl-C while a customer far behind sleeps before a retry and the window is full", async () => {
    // The first customer fails on every attempt and sleeps between them; the others finish and
    // fill the ordered window (2,048 customers) behind it, so the listing waits for room.
    const sim = await trackedSimulator();
    sim.customers.add({ id: UNREADABLE, companyName: "Unreadable Ltd", domain: "unreadable.example" });
    for (let position = 0; position < 2_600; position++) sim.customers.add(generatedCustomer(position));
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [CLI, "pending", "--base-url", sim.url, "--quiet", "--json", "--max-attempts", "20"],
      {
        cwd: dir,
        env: { ...baseEnv(), PARTNER_CENTER_ACCESS_TOKEN: "test-token" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    for (let waited = 0; sim.stats.listRequests < 2_049 && waited < 15_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = sim.stats.listRequests;
    expect(before).toBeLessThan(2_060);
    const started = Date.now();
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(killer);
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(JSON.parse(stdout)).toMatchObject({ out: null, stopped: { reason: "interrupted" } });
  });

  it("has its own --help listing every option with its default, and is named in the main help", async () => {
    const help = await runCli(["pending", "--help"], { timeoutMs: 15_000 });
    expectExit(help, 0);
    for (const option of [
      "out",
      "before",
      "all",
      "page-size",
      "overwrite",
      "base-url",
      "proxy",
      "concurrency",
      "max-rpm",
      "max-attempts",
      "timeout",
      "outage-timeout",
      "log-file",
      "json",
    ]) {
      // An option's text may go on over the next lines (80 columns): joined, one line per option.
      expect(help.stdout.replace(/\n {31}(?=\S)/g, " ")).toMatch(
        new RegExp(`--${option}\\b.*\\(default: [^)]+\\)`),
      );
    }
    expect(help.stdout).toContain("mca-confirm pending --before 2025-01-01");
    const main = await runCli(["--help"], { timeoutMs: 15_000 });
    expect(main.stdout).toContain("mca-confirm pending [--out pending.csv] [--before YYYY-MM-DD] [--all]");
  });

  it("refuses bad options and an existing file with exit 2, before any request", async () => {
    const sim = await simulatorWithCustomers();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "filled.csv"), "customerTenantId\n");
    const cases: [string[], RegExp][] = [
      [["--before", "2025-02-30"], /--before must be a date written YYYY-MM-DD/],
      [["--all", "--before", "2025-01-01"], /--all lists every customer already/],
      [["--page-size", "501"], /--page-size must be a whole number from 1 to 500/],
      [["--out", "filled.csv"], /filled\.csv exists.*--overwrite/],
      [["input.csv"], /pending takes no input file/],
    ];
    for (const [args, message] of cases) {
      const r = await pending(sim, dir, args);
      expectExit(r, 2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\bat \w+ \(/);
    }
    expect(sim.stats.requests).toBe(0);
    expect(fs.readFileSync(path.join(dir, "filled.csv"), "utf8")).toBe("customerTenantId\n");
  });
});
