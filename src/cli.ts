#!/usr/bin/env node
// The entry: the process's argv, streams and exit code around commands/main.ts, which turns a
// command's errors into messages and exit codes. The only place that calls process.exit.
import { spawnSync } from "node:child_process";
import v8 from "node:v8";
import { asciiFallback, codePageOf, writesUtf8 } from "./output/charset.js";
import { printable } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { removeTempFiles } from "./temp-files.js";
import { capYoungGeneration } from "./heap.js";
import type { CommandIO } from "./commands/io.js";
import { failureOf, main } from "./commands/main.js";

// A run's live heap is small but it allocates fast (one HTTP request per row). V8 lets its young
// generation grow to 32 MB, which a large run's memory cannot spare (its peak is the target on
// files of a million rows): 16 MB costs a run no CPU that paired runs could see. The old
// generation may grow to 2.5 times its live size between full collections: each step up from
// 1.2 saved CPU and cost memory (docs/performance.md has the figures). Both are read by V8 at
// run time. Not for validate: its garbage is short-lived rows, and it has its own figures.
// Flags given to node itself (or in NODE_OPTIONS) win.
const nodeFlags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""];
if (process.argv[2] !== "validate") {
  if (!nodeFlags.some((flag) => flag.includes("heap-growing-percent")))
    v8.setFlagsFromString("--heap-growing-percent=150");
  if (!nodeFlags.some((flag) => flag.includes("semi-space"))) capYoungGeneration(16 * 1024 * 1024);
}

/** The console's output code page on Windows (`chcp`); undefined when it cannot be read. */
function windowsCodePage(): number | undefined {
  const chcp = spawnSync("chcp.com", [], { encoding: "latin1", windowsHide: true, timeout: 3000 });
  return chcp.status === 0 ? codePageOf(chcp.stdout) : undefined;
}

/**
 * Where the output is not UTF-8 (LANG=C, a Windows console on code page 850), everything written
 * to stdout and stderr gets the ASCII fallbacks of output/charset.ts: one place, every printer.
 */
function useAsciiWhereNeeded(): void {
  const codePage = process.platform === "win32" ? windowsCodePage() : undefined;
  if (writesUtf8({ env: process.env, platform: process.platform, codePage })) return;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]) =>
      write(typeof chunk === "string" ? asciiFallback(chunk) : chunk, ...rest);
  }
}

useAsciiWhereNeeded();
const io: CommandIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  exit: (code) => process.exit(code),
};
// An error thrown outside the command's own promise (a timer's, a stream's) is a bug too: the
// same message and exit 4 as one from main(), never Node's default exit 1 with a stack.
const uncaught = (err: unknown) => {
  const failure = failureOf(err);
  io.stderr.write(`mca-confirm: ${printable(failure.message)}\n`);
  removeTempFiles();
  process.exit(failure.exitCode);
};
process.on("uncaughtException", uncaught);
process.on("unhandledRejection", uncaught);
// Should the process ever run out of work without main() settling, that is a bug, not exit 0.
process.exitCode = EXIT.failure;
void main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
