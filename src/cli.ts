#!/usr/bin/env node
// The entry: argv → a command. The only place that turns errors into messages and exit codes,
// and the only place that calls process.exit.
import { spawnSync } from "node:child_process";
import v8 from "node:v8";
import { asciiFallback, codePageOf, writesUtf8 } from "./output/charset.js";
import { printable, RunStoppedError, UsageError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { removeTempFiles } from "./temp-files.js";
import { capYoungGeneration } from "./heap.js";
import type { Command, CommandIO } from "./commands/io.js";
import type { CommandSpec } from "./commands/spec.js";
import { didYouMean } from "./commands/suggest.js";

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

interface Entry {
  readonly spec: CommandSpec;
  readonly command: Command;
}

/**
 * Every command, in the order of the general help, with the module it lives in: a module loads
 * only when its command runs (or the help is asked for), so `run` and `validate` never load the
 * simulator, and `--version` loads next to nothing.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Entry>>> = {
  run: async () => {
    const m = await import("./commands/run.js");
    return { spec: m.RUN_SPEC, command: m.runCommand };
  },
  validate: async () => {
    const m = await import("./commands/run.js");
    return { spec: m.VALIDATE_SPEC, command: m.validateCommand };
  },
  pending: async () => {
    const m = await import("./commands/pending.js");
    return { spec: m.PENDING_SPEC, command: m.pendingCommand };
  },
  demo: async () => {
    const m = await import("./commands/demo.js");
    return { spec: m.DEMO_SPEC, command: m.demoCommand };
  },
  simulator: async () => {
    const m = await import("./commands/simulator.js");
    return { spec: m.SIMULATOR_SPEC, command: m.simulatorCommand };
  },
  login: async () => {
    const m = await import("./commands/login.js");
    return { spec: m.LOGIN_SPEC, command: m.loginCommand };
  },
  template: async () => {
    const m = await import("./commands/template.js");
    return { spec: m.TEMPLATE_SPEC, command: m.templateCommand };
  },
  report: async () => {
    const m = await import("./commands/report.js");
    return { spec: m.REPORT_SPEC, command: m.reportCommand };
  },
};

/** The help needs every command's spec: it loads them all. */
const helpCommand: Command = async (args, io) => {
  const { createHelpCommand, HELP_SPEC } = await import("./commands/help.js");
  const entries = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return createHelpCommand([...entries.map((entry) => entry.spec), HELP_SPEC])(args, io);
};
const versionCommand: Command = async (args, io) =>
  (await import("./commands/help.js")).versionCommand(args, io);
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
    const { shortUsage } = await import("./commands/help.js");
    const entries = await Promise.all(Object.values(COMMANDS).map((load) => load()));
    io.stderr.write(shortUsage(entries.map((entry) => entry.spec)));
    return EXIT.refused;
  }
  const command = Object.hasOwn(COMMANDS, name)
    ? (await COMMANDS[name]()).command
    : Object.hasOwn(GLOBAL, name)
      ? GLOBAL[name]
      : undefined;
  if (!command) {
    const names = [...Object.keys(COMMANDS), "help"];
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

/** The stable error code of an error a command threw (docs/cli.md "Conventions"). */
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
  io.stderr.write(`mca-confirm: ${printable(failure.message)}\n`);
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
    // File names and values in the message are shown, never obeyed by the terminal.
    io.stderr.write(`mca-confirm: ${printable(failure.message)}\n`);
    // A scheduler reading --json gets the same object shape for a refused run too, never an empty stdout.
    if (argv.includes("--json")) {
      const command = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? argv[0] : null;
      const error = { code: failure.code, message: failure.message };
      io.stdout.write(`${JSON.stringify({ command, exitCode: failure.exitCode, error })}\n`);
    }
    process.exitCode = failure.exitCode;
  },
);
