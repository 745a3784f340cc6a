// Files built to exhaust memory or to mislead: a header of more than 1,000 columns or longer
// than 64 KiB is refused at line 1 (exit 2) by `validate` and by `run` before anything is sent;
// a line of megabytes without a quote is reported as what it is (its line and length), not as
// an unclosed quote; a file name holding terminal escapes is printed escaped. The built CLI.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { printable } from "../src/errors.js";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { MAX_COLUMNS } from "../src/input/limits.js";
import { closeSimulators, removeTempDirs, runCli, tempDir, trackedSimulator } from "./helpers/cli.js";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "test-token" };
const HEADER = ["customerTenantId", "firstName", "lastName", "email", "phoneNumber", "dateAgreed"];
const row = (i: number) =>
  `0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b${String(1000 + i).padStart(4, "0")},Ann,Lee,ann${i}@contoso.com,+1 425 555 0100,2025-01-02`;

/** `rows` rows under a header of `columns` columns (the required ones first, then empty-named or named extras). */
function wideFile(dir: string, columns: number, rows: number, named: boolean): string {
  const file = path.join(dir, `wide-${columns}-${named ? "named" : "empty"}.csv`);
  const extra = Array.from({ length: columns - HEADER.length }, (_, i) => (named ? `c${i}` : ""));
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, `${[...HEADER, ...extra].join(",")}\n`);
  const cells = ",".repeat(columns - HEADER.length);
  for (let i = 0; i < rows; i++) fs.writeSync(fd, `${row(i)}${cells}\n`);
  fs.closeSync(fd);
  return file;
}

describe("files wider than any acceptance file", () => {
  it("the issue's file (150 rows x 100,006 columns, 15 MB) is refused at its header within 100 MB of heap", async () => {
    const dir = tempDir("mca-wide-");
    const file = wideFile(dir, 100_006, 150, false);
    expect(fs.statSync(file).size).toBeGreaterThan(15_000_000);
    // A heap of 100 MB: reading the rows took 1.5 GB before; now they are never read.
    const r = await runCli(["validate", file, "--quiet"], {
      env: { NODE_OPTIONS: "--max-old-space-size=100" },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${file}:1: the header line is longer than 64 KiB`);
    expect(fs.existsSync(path.join(dir, `wide-100006-empty.validation.csv`))).toBe(false);
  });

  it.each(["validate", "run"])(
    "%s: a header of more than 1,000 columns is refused at line 1 with its count; nothing is sent",
    async (command) => {
      const sim = await trackedSimulator();
      const dir = tempDir("mca-wide-");
      const file = wideFile(dir, MAX_COLUMNS + 1, 5, true);
      const r = await runCli([command, file, "--base-url", sim.url, "--quiet"], { env: ENV });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${file}:1: the header line has 1,001 columns; at most 1,000 are read`);
      expect(sim.stats.requests).toBe(0);
      // 1,000 columns are still read.
      const fits = wideFile(dir, MAX_COLUMNS, 5, true);
      const ok = await runCli(["validate", fits, "--quiet"]);
      expect(ok.code, ok.stderr).toBe(0);
    },
  );

  it("data rows far wider than the header are reported per row in bounded memory", async () => {
    const dir = tempDir("mca-wide-");
    const file = path.join(dir, "rows.csv");
    const cells = ",".repeat(200_000);
    fs.writeFileSync(
      file,
      `${HEADER.join(",")}\n${Array.from({ length: 40 }, (_, i) => row(i) + cells).join("\n")}\n`,
    );
    const r = await runCli(["validate", file, "--quiet"], {
      env: { NODE_OPTIONS: "--max-old-space-size=100" },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("40 lines cannot be read as CSV");
    expect(r.stderr).toContain("row 1 (line 2) has 200006 fields but the header has 6");
  });
});

describe("a long cell without quotes", () => {
  it("is reported with its line and length, not as an unclosed quote", async () => {
    const sim = await trackedSimulator();
    const dir = tempDir("mca-long-");
    const file = path.join(dir, "long.csv");
    const long = `0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b9999,${"x".repeat(1_200_000)},Lee,a@contoso.com,1,2025-01-02`;
    const rows = Array.from({ length: 20 }, (_, i) => row(i));
    fs.writeFileSync(file, `${HEADER.join(",")}\n${rows.join("\n")}\n${long}\n${rows.join("\n")}\n`);
    for (const command of ["validate", "run"]) {
      const r = await runCli([command, file, "--base-url", sim.url, "--quiet"], { env: ENV });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim()).toBe(
        `mca-confirm: ${file}:22: line 22 is ${long.length.toLocaleString("en-US")} bytes long; no line may be longer than 262,144 ` +
          `(a cell that long is no acceptance data: check the file, or that it is the right one)`,
      );
      expect(r.stderr).not.toMatch(/quote|lines cannot be read/);
    }
    expect(sim.stats.requests).toBe(0);
  });
});

describe("file names with terminal escapes", () => {
  const EVIL = "evil\x1b]0;pwn\x07\r.csv";

  it("printable() shows every control character as an escape, and keeps the lines of a message", () => {
    expect(printable(EVIL)).toBe("evil\\x1b]0;pwn\\x07\\x0d.csv");
    expect(printable("a\nb\tc\u009b2J\u202e")).toBe("a\nb\tc\\x9b2J\\u202e");
    expect(printable("a\nb", true)).toBe("a\\x0ab");
  });

  it("are printed escaped in refusals and in the summary of validate and run", async () => {
    const sim = await trackedSimulator();
    const dir = tempDir("mca-names-");
    const file = path.join(dir, EVIL);
    await writeGeneratedCsv(file, 5);
    const broken = path.join(dir, `broken-${EVIL}`);
    fs.writeFileSync(broken, "a,b\n1,2\n");
    const runs = [
      await runCli(["validate", file, "--quiet"]),
      await runCli(["run", file, "--base-url", sim.url, "--quiet"], { env: ENV }),
      await runCli(["validate", broken, "--quiet"]),
      await runCli(["run", file, "--base-url", sim.url, "--quiet"], { env: ENV }), // refused: results exist
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 2, 2]);
    for (const r of runs) {
      const printed = r.stdout + r.stderr;
      for (const raw of ["\x07", "\x1b", "\r"]) expect(printed).not.toContain(raw);
      expect(printed).toContain("evil\\x1b]0;pwn\\x07\\x0d");
    }
  });
});
