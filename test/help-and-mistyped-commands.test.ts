// What an operator meets first: each command's own help, did-you-mean for mistyped commands and
// options, every broken line of a file at once, an Excel workbook given instead of a CSV,
// validate's next step, the demo's files, and a dumb terminal. Help texts and refusals run in this
// process through the CLI's own dispatch (test/helpers/in-process.ts); the built CLI as a child
// process shows that they reach stdout and stderr with their exit codes, and runs what needs a
// process of its own: the demo's files, the program words, a pseudo-terminal.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellQuote } from "../src/output/summary.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { CLI, baseEnv, removeTempDirs, runCli, tempDir, type CliResult } from "./helpers/cli.js";
import { runInProcess } from "./helpers/in-process.js";

const HEADER = "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed";
const ROW = (index: number) =>
  `3f2504e0-4f89-11d3-9a0c-${String(index).padStart(12, "0")},Ada,Lovelace,ada${index}@contoso.example,,2026-01-05`;

afterAll(() => removeTempDirs());

function expectUsage(result: CliResult, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at .+[:(]\d+:\d+\)?/); // no stack frames
}

/** A help text with each option's continuation lines joined to its first: one line per option. */
const joined = (help: string) => help.replace(/\n {31}(?=\S)/g, " ");

describe("help for every command", () => {
  const commands = ["run", "validate", "pending", "demo", "simulator", "login", "template", "report"];

  it.each(commands)(
    "`%s --help` and `help %s` print the command's own usage, options and an example",
    async (name) => {
      const own = await runInProcess([name, "--help"]);
      const viaHelp = await runInProcess(["help", name]);
      expect(own.code).toBe(0);
      expect(viaHelp.code).toBe(0);
      expect(own.stdout).toBe(viaHelp.stdout);
      expect(own.stdout).toMatch(new RegExp(`^Usage: mca-confirm ${name}\\b`));
      expect(own.stdout).toMatch(/\nOptions:\n/);
      expect(own.stdout).toMatch(/-h, --help +show this help/);
      expect(own.stdout).toMatch(new RegExp(`\\nExamples?:\\n {2}.*mca-confirm ${name}\\b`));
      // Every listed option has its default, like the general help.
      // An option's text may go on over the next lines, under the other options' texts.
      const options = joined(own.stdout).split("\n");
      for (const line of options.filter((l) => /^ {2}--/.test(l)))
        expect(line).toMatch(/\(default: [^)]+\)$/);
    },
  );

  it("lists each command's own options: demo --keep, login --tenant, validate --date-format", async () => {
    expect(joined((await runInProcess(["demo", "--help"])).stdout)).toMatch(
      /^ {2}--keep +.*\(default: off\)$/m,
    );
    expect((await runInProcess(["login", "-h"])).stdout).toMatch(/^ {2}--tenant <id> +/m);
    expect((await runInProcess(["login", "-h"])).stdout).toMatch(/^ {2}--proxy <url> +/m);
    expect((await runInProcess(["help", "report"])).stdout).toMatch(/^ {2}--report <file> +the HTML report/m);
    const validate = joined((await runInProcess(["validate", "--help"])).stdout);
    expect(validate).toMatch(/^ {2}--date-format <fmt> +/m);
    expect(validate).toMatch(/^ {2}--out <file> +the validation file \(default: <input>\.validation\.csv/m);
  });

  it("lists pending's options with their defaults, the same through `pending --help` and `help pending`", async () => {
    const own = await runInProcess(["pending", "--help"]);
    const viaHelp = await runInProcess(["help", "pending"]);
    expect(own.code).toBe(0);
    expect(viaHelp.stdout).toBe(own.stdout);
    expect(own.stdout).toMatch(
      /^Usage: mca-confirm pending \[--out pending\.csv\] \[--before YYYY-MM-DD\] \[--all\]\n/,
    );
    expect(joined(own.stdout)).toMatch(
      /^ {2}--out <file> +the file to fill in and run \(default: pending\.csv\)$/m,
    );
    expect(joined(own.stdout)).toMatch(/^ {2}--before <YYYY-MM-DD> +.*\(default: none\)$/m);
    expect(joined(own.stdout)).toMatch(/^ {2}--all +.*\(default: off\)$/m);
    expect(joined(own.stdout)).toMatch(/^ {2}--page-size <n> +.*\(default: \d+\)$/m);
    expect(own.stdout).toMatch(/^ {2}--proxy <url> +/m);
    expect(own.stdout).toMatch(/^Exit codes: 0 every customer checked;/m);
    // The help is all it prints: no listing starts, so no file and no request.
    expect(own.stderr).toBe("");
  });

  it("`template --help` prints help, not the template", async () => {
    const result = await runInProcess(["template", "--help"]);
    expect(result.stdout).not.toContain("customerTenantId,firstName");
  });

  it("the general help lists every command, help included", async () => {
    const result = await runInProcess(["help"]);
    expect(result.code).toBe(0);
    for (const name of [...commands, "help"])
      expect(result.stdout).toMatch(new RegExp(`^ {2}mca-confirm ${name}\\b`, "m"));
  });
});

describe("through the built CLI", () => {
  it("a command's help reaches stdout with exit 0, the same text as in this process", async () => {
    const child = await runCli(["run", "--help"]);
    expect(child.code).toBe(0);
    expect(child.stderr).toBe("");
    expect(child.stdout).toBe((await runInProcess(["run", "--help"])).stdout);
  });

  it("a mistyped command reaches stderr with exit 2, no stack, nothing on stdout", async () => {
    const child = await runCli(["vaildate", "x.csv"]);
    expectUsage(child, /^mca-confirm: unknown command "vaildate" \(did you mean validate\?\)/);
    expect(child.stdout).toBe("");
  });
});

describe("did you mean", () => {
  it.each([
    [["vaildate", "x.csv"], /unknown command "vaildate" \(did you mean validate\?\)/],
    [["rnu", "x.csv"], /unknown command "rnu" \(did you mean run\?\)/],
    [["help", "tempalte"], /no command "tempalte" \(did you mean template\?\)/],
    [
      ["run", "x.csv", "--concurency", "4"],
      /run has no option --concurency \(did you mean --concurrency\?\)/,
    ],
    [["validate", "x.csv", "--date-fromat=DD/MM/YYYY"], /\(did you mean --date-format\?\)/],
    [["run", "x.csv", "--skip-confirmd"], /\(did you mean --skip-confirmed\?\)/],
    [["demo", "--kep"], /demo has no option --kep \(did you mean --keep\?\)/],
    [["pendng"], /unknown command "pendng" \(did you mean pending\?\)/],
    [["help", "pendign"], /no command "pendign" \(did you mean pending\?\)/],
    [
      ["pending", "--befor", "2025-01-01"],
      /pending has no option --befor \(did you mean --before\?\)\. See mca-confirm help pending/,
    ],
    [["pending", "--page-sise=100"], /pending has no option --page-sise \(did you mean --page-size\?\)/],
    [["login", "--tenat", "x"], /login has no option --tenat \(did you mean --tenant\?\)/],
    [
      ["report", "x.results.csv", "--reprot", "r.html"],
      /report has no option --reprot \(did you mean --report\?\)/,
    ],
  ])("%j", async (args, message) => {
    expectUsage(await runInProcess(args), message);
  });

  it("suggests nothing for a word that is nowhere near, and says where options go", async () => {
    const far = await runInProcess(["run", "x.csv", "--frobnicate"]);
    expectUsage(far, /run has no option --frobnicate\. See mca-confirm help run/);
    expect(far.stderr).not.toContain("did you mean");
    expectUsage(await runInProcess(["--concurrency", "4"]), /a command comes first, its options after it/);
  });
});

describe("a broken file", () => {
  it("reports every structural problem in one pass, up to 20 and then how many more, sending nothing", async () => {
    const dir = tempDir();
    const lines = [HEADER];
    for (let index = 1; index <= 30; index++)
      lines.push(index % 3 === 0 ? `${ROW(index)},extra` : ROW(index));
    fs.writeFileSync(path.join(dir, "wide.csv"), `${lines.join("\n")}\n`);
    const sim = await startSimulator();
    try {
      const result = await runInProcess(["run", "wide.csv", "--base-url", sim.url], {
        cwd: dir,
        env: { PARTNER_CENTER_ACCESS_TOKEN: "t" },
      });
      expectUsage(result, /wide\.csv: 10 lines cannot be read as CSV/);
      for (const row of [3, 6, 9, 12, 15, 18, 21, 24, 27, 30])
        expect(result.stderr).toContain(`wide.csv:${row + 1}: row ${row} (line ${row + 1}) has 7 fields`);
      expect(sim.stats.requests).toBe(0);
    } finally {
      await sim.close();
    }
    expect(fs.existsSync(path.join(dir, "wide.results.csv"))).toBe(false);
  });

  it("lists 20 problems and counts the rest", async () => {
    const dir = tempDir();
    const lines = [HEADER, ...Array.from({ length: 26 }, (_, index) => `${ROW(index)},x`)];
    fs.writeFileSync(path.join(dir, "all.csv"), lines.join("\n"));
    const result = await runInProcess(["validate", "all.csv"], { cwd: dir });
    expectUsage(result, /all\.csv: 26 lines cannot be read as CSV/);
    expect(result.stderr.match(/^ {2}all\.csv:\d+: /gm)).toHaveLength(20);
    expect(result.stderr).toMatch(/^ {2}… and 6 more$/m);
  });
});

/** A minimal .xlsx-shaped zip: one stored entry, as a workbook starts (local file header "PK\x03\x04"). */
function zipWithOneFile(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(zlib.crc32(data), 14);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([header, Buffer.from(name), data]);
}

describe("an Excel workbook instead of a CSV", () => {
  it("is refused with the advice to save it as CSV UTF-8 (comma delimited)", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "crm.xlsx"), zipWithOneFile("[Content_Types].xml", "<Types/>"));
    for (const command of ["validate", "run"]) {
      const result = await runInProcess([command, "crm.xlsx"], { cwd: dir });
      expectUsage(result, /crm\.xlsx: this is an Excel workbook \(\.xlsx\), not a CSV file/);
      expect(result.stderr).toContain('"CSV UTF-8 (comma delimited) (*.csv)"');
      expect(result.stderr).not.toContain("NUL bytes");
    }
  });
});

describe("validate", () => {
  it("ends with the run command to use, keeping the options that read the file", async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "in.csv"),
      `${HEADER}\n${ROW(1)}\n${ROW(2).replace("2026-01-05", "5/1/2026")}\n`,
    );
    const result = await runCli(["validate", "in.csv", "--date-format", "DD/MM/YYYY", "--out", "check.csv"], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("rows/s");
    // The program words follow how the tool was started (here `node dist/cli.js`); --out is validate's own.
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(
      /^To send them: .*(mca-confirm|dist\/cli\.js) run in\.csv --date-format DD\/MM\/YYYY$/,
    );
  });

  it("says a missing input is missing, before any complaint about an output beside it", async () => {
    const dir = tempDir();
    const result = await runInProcess(["validate", "samples/x.csv"], { cwd: dir });
    expectUsage(result, /^mca-confirm: samples\/x\.csv: no such file\n$/);
  });
});

describe("demo", () => {
  it("leaves no folder in the temp directory unless --keep, which prints where", async () => {
    // A temp directory of its own, so demos run by other tests at the same time do not count.
    const tmp = tempDir();
    const env = { TMPDIR: tmp };
    const plain = await runCli(["demo", "--rows", "20"], { env, timeoutMs: 30_000 });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("The demo's files were removed");
    expect(fs.readdirSync(tmp)).toEqual([]);

    const kept = await runCli(["demo", "--rows", "20", "--keep"], { env, timeoutMs: 30_000 });
    expect(kept.code).toBe(0);
    const where = /^Files: (.+)$/m.exec(kept.stdout)?.[1];
    expect(path.dirname(where ?? "")).toBe(tmp);
    expect(fs.existsSync(path.join(where!, "acceptances.results.csv"))).toBe(true);
  });

  it("removes the pending → run cycle's files too, and --dir refuses a folder with a pending file", async () => {
    const tmp = tempDir();
    const cycle = await runCli(["demo"], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
    expect(cycle.code, cycle.stderr).toBe(0);
    expect(cycle.stdout).toContain("Step 1: mca-confirm pending");
    expect(cycle.stdout).toContain("Step 3: mca-confirm run acceptances.csv");
    expect(cycle.stdout).toContain("The demo's files were removed");
    expect(fs.readdirSync(tmp)).toEqual([]);

    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "pending.csv"), "customerTenantId\n");
    expectUsage(
      await runInProcess(["demo", "--dir", dir]),
      /already holds a demo's files; choose an empty folder/,
    );
  });

  it("writes into --dir and keeps it", async () => {
    const dir = path.join(tempDir(), "demo-files");
    const result = await runCli(["demo", "--rows", "10", "--dir", dir], { timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Files: ${dir}`);
    expect(fs.existsSync(path.join(dir, "acceptances.results.csv"))).toBe(true);
  });
});

describe("a dumb terminal", () => {
  // One request at a time at 5 ms each: long enough for a few redraws (every 250 ms on a terminal).
  const ROWS_ON_PTY = 120;
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ latencyMs: 5 });
  });
  afterAll(async () => {
    await sim.close();
  });

  /** The CLI under `script`, so stdout and stderr are a pseudo-terminal; bounded by a kill. */
  function runOnPty(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; output: string }> {
    const command = [process.execPath, CLI, ...args].map(shellQuote).join(" ");
    return new Promise((resolve, reject) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        env: { ...baseEnv(), PARTNER_CENTER_ACCESS_TOKEN: "t", COLUMNS: "200", NO_COLOR: "", CI: "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  it.each<Record<string, string>>([{ TERM: "dumb" }, { TERM: "xterm", CI: "true" }])(
    "%j: no cursor escapes on a pseudo-terminal, where xterm gets them",
    async (env) => {
      const dir = tempDir();
      const lines = [HEADER, ...Array.from({ length: ROWS_ON_PTY }, (_, index) => ROW(index))];
      fs.writeFileSync(path.join(dir, "in.csv"), lines.join("\n"));
      const args = ["run", path.join(dir, "in.csv"), "--base-url", sim.url, "--concurrency", "1"];
      const plain = await runOnPty(args, env);
      expect(plain.code).toBe(0);
      expect(plain.output).toContain(`Processed ${ROWS_ON_PTY} rows`);
      expect(plain.output).not.toContain("\x1b[");
      expect(plain.output).not.toMatch(/\r(?!\n)/);
      // The same run on an xterm redraws, so the pseudo-terminal really was one.
      const redrawn = await runOnPty([...args, "--overwrite"], { TERM: "xterm" });
      expect(redrawn.output).toContain("\r\x1b[2K");
    },
  );

  it("NO_COLOR removes colour only: the line is still redrawn on a terminal", async () => {
    const dir = tempDir();
    const lines = [HEADER, ...Array.from({ length: ROWS_ON_PTY }, (_, index) => ROW(index))];
    fs.writeFileSync(path.join(dir, "in.csv"), lines.join("\n"));
    const args = ["run", path.join(dir, "in.csv"), "--base-url", sim.url, "--concurrency", "1"];
    const result = await runOnPty(args, { TERM: "xterm", NO_COLOR: "1" });
    expect(result.code).toBe(0);
    expect(result.output).toContain("\r\x1b[2K");
    expect(result.output).toContain(`Processed ${ROWS_ON_PTY} rows`);
  });
});
