#!/usr/bin/env node
// The entry: argv → a command. The only place that turns errors into messages and exit codes,
// and the only place that calls process.exit.
import { spawnSync } from "node:child_process";
import v8 from "node:v8";
import { asciiFallback, codePageOf, writesUtf8 } from "./output/charset.js";
import { RunStoppedError, UsageError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { removeTempFiles } from "./temp-files.js";
import { capYoungGeneration } from "./heap.js";
import { DEMO_SPEC, demoCommand } from "./commands/demo.js";
import { createHelpCommand, HELP_SPEC, shortUsage, versionCommand } from "./commands/help.js";
import type { Command, CommandIO } from "./commands/io.js";
import { LOGIN_SPEC, loginCommand } from "./commands/login.js";
import { PENDING_SPEC, pendingCommand } from "./commands/pending.js";
import { REPORT_SPEC, reportCommand } from "./commands/report.js";
import { RUN_SPEC, runCommand, VALIDATE_SPEC, validateCommand } from "./commands/run.js";
import type { CommandSpec } from "./commands/spec.js";
import { didYouMean } from "./commands/suggest.js";
import { TEMPLATE_SPEC, templateCommand } from "./commands/template.js";

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

/** Every command with the spec its help, `help <command>` and did-you-mean are made from. */
const COMMANDS: readonly { spec: CommandSpec; command: Command }[] = [
  { spec: RUN_SPEC, command: runCommand },
  { spec: VALIDATE_SPEC, command: validateCommand },
  { spec: PENDING_SPEC, command: pendingCommand },
  { spec: DEMO_SPEC, command: demoCommand },
  { spec: LOGIN_SPEC, command: loginCommand },
  { spec: TEMPLATE_SPEC, command: templateCommand },
  { spec: REPORT_SPEC, command: reportCommand },
];
const helpCommand = createHelpCommand([...COMMANDS.map((entry) => entry.spec), HELP_SPEC]);
const GLOBAL: Readonly<Record<string, Command>> = {
  help: helpCommand,
  "--help": helpCommand,
  "-h": helpCommand,
  "--version": versionCommand,
  "-v": versionCommand,
};

/** Errors that say the disk, not the tool, failed. */
const DISK_ERRORS = new Set(["ENOSPC", "EFBIG", "EDQUOT", "EIO", "EROFS", "EACCES", "EPERM"]);

async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...args] = argv;
  // No command at all is a usage mistake: a short usage on stderr (the full help is --help), exit 2.
  if (name === undefined) {
    io.stderr.write(shortUsage(COMMANDS.map((entry) => entry.spec)));
    return EXIT.refused;
  }
  const command =
    COMMANDS.find((entry) => entry.spec.name === name)?.command ??
    (Object.hasOwn(GLOBAL, name) ? GLOBAL[name] : undefined);
  if (!command) {
    const names = [...COMMANDS.map((entry) => entry.spec.name), "help"];
    const hint = name.startsWith("-")
      ? `; a command comes first, its options after it (mca-confirm run <input.csv> ${name} …)`
      : didYouMean(name, names);
    throw new UsageError(`unknown command "${name}"${hint}. See mca-confirm --help`);
  }
  return command(args, io);
}

interface Failure {
  readonly exitCode: number;
  /** A stable word for --json's `error.code`: what a script tests, where the message is for people. */
  readonly code: string;
  readonly message: string;
}

/** The stable error code of an error a command threw (docs/cli.md "--json"). */
function codeOf(err: Error): string {
  if (err instanceof RunStoppedError) return err.code;
  const byName: Record<string, string> = {
    UsageError: "usage",
    InputFileError: "input-file",
    FileInUseError: "file-in-use",
    WriterThreadError: "writer-died",
  };
  return byName[err.name] ?? "internal";
}

/** The message, error code and exit code for an error a command threw. */
function failureOf(err: unknown): Failure {
  if (err instanceof Error && "exitCode" in err && typeof err.exitCode === "number") {
    return { exitCode: err.exitCode, code: codeOf(err), message: err.message };
  }
  const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  if (DISK_ERRORS.has(errno)) {
    // What was confirmed is in the journal for --resume.
    return {
      exitCode: EXIT.failure,
      code: errno === "ENOSPC" || errno === "EDQUOT" ? "disk-full" : "file-system",
      message: `cannot write the output files: ${(err as Error).message}. Free space or fix permissions, then continue with --resume.`,
    };
  }
  if (process.env.MCA_CONFIRM_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  return {
    exitCode: EXIT.failure,
    code: "internal",
    message: `internal error: ${err instanceof Error ? err.message : String(err)}`,
  };
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
const argv = process.argv.slice(2);
// An error thrown outside the command's own promise (a timer's, a stream's) is a bug too: the
// same message and exit 4 as one from main(), never Node's default exit 1 with a stack.
const uncaught = (err: unknown) => {
  const failure = failureOf(err);
  io.stderr.write(`mca-confirm: ${failure.message}\n`);
  removeTempFiles();
  process.exit(failure.exitCode);
};
process.on("uncaughtException", uncaught);
process.on("unhandledRejection", uncaught);
// Should the process ever run out of work without main() settling, that is a bug, not exit 0.
process.exitCode = EXIT.failure;
main(argv, io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const failure = failureOf(err);
    io.stderr.write(`mca-confirm: ${failure.message}\n`);
    // A scheduler reading --json gets the same object shape for a refused run too, never an empty stdout.
    if (argv.includes("--json")) {
      const command = COMMANDS.some((entry) => entry.spec.name === argv[0]) ? argv[0] : null;
      const error = { code: failure.code, message: failure.message };
      io.stdout.write(`${JSON.stringify({ command, exitCode: failure.exitCode, error })}\n`);
    }
    process.exitCode = failure.exitCode;
  },
);
