// What any command-line user expects of the tool (clig.dev, no-color.org): a short usage when
// called with nothing, help that fits 80 columns, its own words for every mistake on the command
// line, --json on every exit, and plain ASCII where the output is not UTF-8. Help texts and
// refusals run in this process through the CLI's own dispatch (test/helpers/in-process.ts); what
// the process itself does (stdout and stderr, exit codes, the ASCII fallback) runs the built CLI.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asciiFallback, codePageOf, writesUtf8 } from "../src/output/charset.js";
import { removeTempDirs, runCli, tempDir } from "./helpers/cli.js";
import { runInProcess } from "./helpers/in-process.js";

afterAll(() => removeTempDirs());

const COMMANDS = ["run", "validate", "pending", "report", "demo", "login", "template", "help"];

describe("called with no arguments", () => {
  it("prints a short usage (at most 15 lines) on stderr, nothing on stdout, exit 2", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines[0]).toMatch(/^Usage: mca-confirm <command> \[options\]/);
    for (const name of ["run", "validate", "pending", "report"])
      expect(r.stderr).toMatch(new RegExp(`^ {2}${name} `, "m"));
    expect(r.stderr).toContain("mca-confirm --help");
  });
});

describe("help text", () => {
  it.each([[["--help"]], ...COMMANDS.map((name) => [[name, "--help"]])])(
    "%j fits 80 columns",
    async (args) => {
      const r = await runInProcess(args);
      expect(r.code).toBe(0);
      const wide = r.stdout.split("\n").filter((line) => [...line].length > 80);
      expect(wide).toEqual([]);
    },
  );
});

describe("mistakes on the command line get the tool's own message (exit 2)", () => {
  it.each<[string[], RegExp]>([
    [
      ["run", "x.csv", "--out"],
      /^mca-confirm: --out needs a value \(<file>\) after it\. See mca-confirm help run\n$/,
    ],
    [
      ["run", "x.csv", "--out", "--quiet"],
      /^mca-confirm: --out needs a value \(<file>\), and a value cannot start with "-"/,
    ],
    [
      ["run", "x.csv", "--quiet=yes"],
      /^mca-confirm: --quiet is a switch and takes no value\. See mca-confirm help run\n$/,
    ],
    [["pending", "--before"], /^mca-confirm: --before needs a value \(<YYYY-MM-DD>\) after it\./],
    [["validate", "x.csv", "--map"], /^mca-confirm: --map needs a value/],
  ])("%j", async (args, message) => {
    const r = await runInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/argument missing|ERR_PARSE_ARGS|at .*\.js:\d+/);
  });

  it.each(["run", "validate"])(
    "`%s -` says why standard input cannot be read: the journal needs a file",
    async (command) => {
      const r = await runInProcess([command, "-"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /reads a file, not standard input \("-"\): a run keeps a journal beside its input/,
      );
      expect(r.stderr).not.toContain("no such file");
    },
  );
});

describe("--json on a refusal", () => {
  it("is {command, exitCode, error: {code, message}} on stdout, the message on stderr", async () => {
    const dir = tempDir();
    const r = await runCli(["run", path.join(dir, "missing.csv"), "--json"]);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toEqual({
      command: "run",
      exitCode: 2,
      error: { code: "input-file", message: expect.stringContaining("missing.csv") as string },
    });
    expect(r.stderr).toContain("missing.csv");
  });

  it("names no command when there is none, and says usage", async () => {
    const r = await runInProcess(["frobnicate", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: null, exitCode: 2, error: { code: "usage" } });
  });

  it("an option mistake too", async () => {
    const r = await runInProcess(["validate", "x.csv", "--json", "--out"]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      command: "validate",
      exitCode: 2,
      error: { code: "usage" },
    });
  });
});

describe("output that is not UTF-8", () => {
  it("one function decides: the locale on POSIX (unset counts as UTF-8), the code page on Windows", () => {
    expect(writesUtf8({ env: { LANG: "C" }, platform: "linux" })).toBe(false);
    expect(writesUtf8({ env: { LANG: "en_US.UTF-8", LC_ALL: "C" }, platform: "linux" })).toBe(false);
    expect(writesUtf8({ env: { LANG: "de_DE.ISO-8859-1" }, platform: "darwin" })).toBe(false);
    expect(writesUtf8({ env: { LANG: "C.UTF-8" }, platform: "linux" })).toBe(true);
    expect(writesUtf8({ env: { LC_ALL: "", LANG: "en_GB.utf8" }, platform: "linux" })).toBe(true);
    expect(writesUtf8({ env: {}, platform: "linux" })).toBe(true);
    expect(writesUtf8({ env: { LANG: "C" }, platform: "win32", codePage: 65001 })).toBe(true);
    expect(writesUtf8({ env: {}, platform: "win32", codePage: 850 })).toBe(false);
    expect(writesUtf8({ env: {}, platform: "win32", codePage: 437 })).toBe(false);
    expect(codePageOf("Active code page: 850\r\n")).toBe(850);
    expect(codePageOf("Aktive Codepage: 65001.\r\n")).toBe(65001);
    expect(codePageOf("")).toBeUndefined();
  });

  it("gets ASCII for the tool's typographic characters, and keeps every other character", () => {
    expect(asciiFallback("3 · ETA — … a → b")).toBe("3 - ETA - ... a -> b");
    expect(asciiFallback("Zoë Dupré.csv")).toBe("Zoë Dupré.csv");
  });

  it("LC_ALL=C or LANG=C: what is printed holds none of them, where UTF-8 output does", async () => {
    const args = ["--concurrency", "4"]; // "… its options after it (mca-confirm run <input.csv> --concurrency …)"
    const utf8 = await runCli(args, { env: { LC_ALL: "C.UTF-8" } });
    expect(utf8.stderr).toContain("…");
    for (const env of [{ LC_ALL: "C" }, { LC_ALL: "", LANG: "C" }]) {
      const ascii = await runCli(args, { env });
      expect(ascii.code).toBe(2);
      expect(ascii.stderr).toBe(utf8.stderr.replaceAll("…", "..."));
    }
    const help = await runCli(["help", "pending"], { env: { LC_ALL: "C" } });
    expect(help.stdout).toContain("(1-500)");
    expect(help.stdout).not.toMatch(/[·—…→–]/);
  });
});
