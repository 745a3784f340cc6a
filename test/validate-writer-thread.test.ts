// validate quotes and writes its results on a second thread (src/output/threaded-csv.ts). The
// file must be byte for byte what the single-threaded writer makes, and a failure of the thread
// (a full disk, a crash, a broken install) must end as the same clear error, with no temporary
// file left and no hang. Under vitest the sources run directly, without the thread's built
// script beside them, so validateFile here is the single-threaded reference; the built CLI as
// a child process is the threaded one.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { resolveRunConfig } from "../src/config.js";
import { silentLogger } from "../src/log.js";
import type * as AtomicModule from "../src/output/atomic-csv.js";
import type * as ThreadedModule from "../src/output/threaded-csv.js";
import { systemClock } from "../src/engine/clock.js";
import { validateFile } from "../src/run/validate-file.js";
import { baseEnv, CLI, removeTempDirs, ROOT, runCli, tempDir } from "./helpers/cli.js";

afterAll(() => removeTempDirs());

const GUID = (index: number) => `3f2504e0-4f89-11d3-9a0c-${String(index).padStart(12, "0")}`;
/** Rows that each take a different path through parsing, validation and quoting. */
function hostileRows(index: number): string[][] {
  return [
    [GUID(index), "Ada", "Lovelace", `ada${index}@example.com`, "+44 20 7946 0958", "2024-03-01"],
    [GUID(index), "Dup", "Licate", `dup${index}@example.com`, "", "2024-03-01"],
    ["not-a-guid", '=HYPERLINK("x")', "+1+1", "@sum@example.com", "-2", "2024-13-40"],
    [
      `{${GUID(index + 500_000).toUpperCase()}}`,
      "Line\nbreak",
      'Quote "inside"',
      `q${index}@example.com`,
      "",
      "2024-02-29",
    ],
    [GUID(index + 700_000), "Zoë 😀", "Ünïcode;semi", `z${index}@example.com`, "", "2023-02-29"],
    [GUID(index + 800_000), "Tab\there", "Cr\r\nlf", `c${index}@example.com`, "", " 2024-01-01 "],
    [GUID(index + 950_000), "Too few"],
  ];
}

/** `rows` hostile rows, quoted by hand so that the test does not depend on the code it checks. */
function writeHostileCsv(
  file: string,
  rows: number,
  options: { delimiter: string; bom: boolean; eol: string },
) {
  const quote = (cell: string) =>
    /["\r\n,;\t]/.test(cell) || cell.startsWith(" ") ? `"${cell.replaceAll('"', '""')}"` : cell;
  const lines = [["customerTenantId", "firstName", "lastName", "email", "phoneNumber", "dateAgreed"]];
  for (let index = 0; lines.length <= rows; index++) lines.push(...hostileRows(index));
  const text = lines
    .slice(0, rows + 1)
    .map((cells) => cells.map(quote).join(options.delimiter))
    .join(options.eol);
  fs.writeFileSync(file, `${options.bom ? "\uFEFF" : ""}${text}${options.eol}`);
}

/** validate in this process: the sources, so the single-threaded writer. */
async function validateHere(input: string, out: string): Promise<void> {
  const config = resolveRunConfig("validate", input, { out, overwrite: true }, {});
  await validateFile({ config, logger: silentLogger, clock: systemClock });
}

const FORMATS = [
  { name: "comma, LF", delimiter: ",", bom: false, eol: "\n" },
  { name: "BOM, semicolon, CRLF", delimiter: ";", bom: true, eol: "\r\n" },
];

describe("validate's results through the writing thread", () => {
  it.each(FORMATS)(
    "are byte for byte the single-threaded ones on hostile rows ($name), and again when its results are validated",
    async (format) => {
      const dir = tempDir("mca-thread-");
      const input = path.join(dir, "in.csv");
      // More rows than two of the thread's batches, and a last batch that is not full.
      writeHostileCsv(input, 5_000, format);
      for (const [source, step] of [
        [input, "first"],
        [path.join(dir, "first.threaded.csv"), "second"],
      ]) {
        const threaded = path.join(dir, `${step}.threaded.csv`);
        const single = path.join(dir, `${step}.single.csv`);
        const r = await runCli(["validate", source, "--out", threaded, "--overwrite", "--quiet"], {
          timeoutMs: 30_000,
        });
        expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
        expect([0, 1], r.stderr).toContain(r.code);
        await validateHere(source, single);
        expect(fs.readFileSync(threaded).equals(fs.readFileSync(single))).toBe(true);
        expect(fs.existsSync(`${threaded}.tmp`)).toBe(false);
      }
      expect(fs.readFileSync(path.join(dir, "first.threaded.csv"), "utf8")).toContain("invalid");
    },
  );

  it("the thread writes what createAtomicCsv writes, record for record, whatever the cells hold", async () => {
    // One file per module, as tsc wrote them (.build/), so the thread's script is beside them.
    const built = (name: string) => pathToFileURL(path.join(ROOT, ".build", "output", name)).href;
    const { createThreadedCsv } = (await import(built("threaded-csv.js"))) as typeof ThreadedModule;
    const { createAtomicCsv } = (await import(built("atomic-csv.js"))) as typeof AtomicModule;
    const dir = tempDir("mca-thread-");
    const header = ["a", "b", "c"];
    // Lone surrogates, NUL, quotes, delimiters, empty cells and records of any length.
    const cells = [
      "",
      '"',
      '""x',
      "a,b",
      "a;b",
      "\n",
      "\r\n",
      "\uD800",
      "\uDC00z",
      "\0",
      "😀",
      " lead",
      "tail ",
    ];
    const records: string[][] = [];
    for (let index = 0; index < 6_000; index++)
      records.push(Array.from({ length: index % 7 }, (_, at) => cells[(index + at * 3) % cells.length]));
    for (const format of [{}, { delimiter: ";", bom: true }, { delimiter: "\t" }]) {
      const threadedFile = path.join(dir, "threaded.csv");
      const singleFile = path.join(dir, "single.csv");
      const threaded = createThreadedCsv(threadedFile, header, format);
      expect(Object.getPrototypeOf(threaded).constructor.name).toBe("ThreadedCsv");
      const single = createAtomicCsv(singleFile, header, format);
      for (const record of records) {
        await threaded.write(record);
        await single.write(record);
      }
      await threaded.commit();
      await single.commit();
      expect(fs.readFileSync(threadedFile).equals(fs.readFileSync(singleFile))).toBe(true);
    }
  });
});

/** Runs the CLI under `sh` with a file-size limit (ulimit -f, in 512-byte blocks). */
function runLimited(cli: string, args: string[], blocks: number | "unlimited") {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(
      "sh",
      ["-c", `ulimit -f ${blocks} && exec "$0" "$@"`, process.execPath, cli, ...args],
      {
        env: baseEnv(),
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** dist/ copied to a folder of its own, whose writing-thread script the test may then break. */
function copyOfDist(): string {
  const dir = tempDir("mca-dist-");
  fs.cpSync(path.join(ROOT, "dist"), path.join(dir, "dist"), { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), fs.readFileSync(path.join(ROOT, "package.json")));
  return path.join(dir, "dist", "cli.js");
}

describe.skipIf(process.platform === "win32")("a writing thread that fails", () => {
  it("on a write the disk refuses: the same message and exit code as ever, and the temporary file removed", async () => {
    const dir = tempDir("mca-thread-");
    const input = path.join(dir, "in.csv");
    writeHostileCsv(input, 3_000, FORMATS[0]);
    const out = path.join(dir, "out.csv");
    // The input is read whole before anything is written past the limit: 100 KB of results.
    const r = await runLimited(CLI, ["validate", input, "--out", out, "--quiet"], 200);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "mca-confirm: cannot write the output files: EFBIG: file too large, write. Free space or fix permissions, then continue with --resume.\n",
    );
    expect(fs.readdirSync(dir)).toEqual(["in.csv"]);
  });

  it.each([
    ["throws as it starts", 'throw new Error("damaged install");', "damaged install"],
    ["exits", "process.exit(3);", "exit code 3"],
  ])(
    "that %s: a clear error naming the file, exit 4, no stack trace, nothing replaced or left",
    async (_, script, says) => {
      const cli = copyOfDist();
      fs.writeFileSync(path.join(path.dirname(cli), "csv-writer-thread.js"), script);
      const dir = tempDir("mca-thread-");
      const input = path.join(dir, "in.csv");
      writeHostileCsv(input, 3_000, FORMATS[0]);
      const out = path.join(dir, "out.csv");
      fs.writeFileSync(out, "kept\n");
      const r = await runLimited(
        cli,
        ["validate", input, "--out", out, "--overwrite", "--quiet"],
        "unlimited",
      );
      expect(r.code).toBe(4);
      expect(r.stderr).toBe(
        `mca-confirm: writing ${out} stopped unexpectedly (${says}); nothing was replaced. Run the same command again.\n`,
      );
      expect(fs.readFileSync(out, "utf8")).toBe("kept\n");
      expect(fs.readdirSync(dir).sort()).toEqual(["in.csv", "out.csv"]);
    },
  );
});
