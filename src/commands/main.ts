// The commands behind the entry: argv → a command → an exit code, with every error a command
// throws turned into its message and exit code. cli.ts hands in the process; a test can hand in
// its own streams and run a command in its own process.
import { printable, RunStoppedError, UsageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import type { Command, CommandIO } from "./io.js";
import type { CommandSpec } from "./spec.js";
import { didYouMean } from "./suggest.js";

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
    const m = await import("./run.js");
    return { spec: m.RUN_SPEC, command: m.runCommand };
  },
  validate: async () => {
    const m = await import("./run.js");
    return { spec: m.VALIDATE_SPEC, command: m.validateCommand };
  },
  pending: async () => {
    const m = await import("./pending.js");
    return { spec: m.PENDING_SPEC, command: m.pendingCommand };
  },
  demo: async () => {
    const m = await import("./demo.js");
    return { spec: m.DEMO_SPEC, command: m.demoCommand };
  },
  simulator: async () => {
    const m = await import("./simulator.js");
    return { spec: m.SIMULATOR_SPEC, command: m.simulatorCommand };
  },
  login: async () => {
    const m = await import("./login.js");
    return { spec: m.LOGIN_SPEC, command: m.loginCommand };
  },
  template: async () => {
    const m = await import("./template.js");
    return { spec: m.TEMPLATE_SPEC, command: m.templateCommand };
  },
  report: async () => {
    const m = await import("./report.js");
    return { spec: m.REPORT_SPEC, command: m.reportCommand };
  },
};

/** The help needs every command's spec: it loads them all. */
const helpCommand: Command = async (args, io) => {
  const { createHelpCommand, HELP_SPEC } = await import("./help.js");
  const entries = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return createHelpCommand([...entries.map((entry) => entry.spec), HELP_SPEC])(args, io);
};
const versionCommand: Command = async (args, io) => (await import("./help.js")).versionCommand(args, io);
const GLOBAL: Readonly<Record<string, Command>> = {
  help: helpCommand,
  "--help": helpCommand,
  "-h": helpCommand,
  "--version": versionCommand,
  "-v": versionCommand,
};

/** Errors that say the disk, not the tool, failed. */
const DISK_ERRORS = new Set(["ENOSPC", "EFBIG", "EDQUOT", "EIO", "EROFS", "EACCES", "EPERM"]);

async function dispatch(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...args] = argv;
  // No command at all is a usage mistake: a short usage on stderr (the full help is --help), exit 2.
  if (name === undefined) {
    const { shortUsage } = await import("./help.js");
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
export function failureOf(err: unknown): Failure {
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

/**
 * Runs the command argv names and settles with its exit code: an error it throws is written to
 * stderr as the tool's message (and, with --json, as one JSON object on stdout), never as a stack.
 */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err: unknown) {
    const failure = failureOf(err);
    // File names and values in the message are shown, never obeyed by the terminal.
    io.stderr.write(`mca-confirm: ${printable(failure.message)}\n`);
    // A scheduler reading --json gets the same object shape for a refused run too, never an empty stdout.
    if (argv.includes("--json")) {
      const command = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? argv[0] : null;
      const error = { code: failure.code, message: failure.message };
      io.stdout.write(`${JSON.stringify({ command, exitCode: failure.exitCode, error })}\n`);
    }
    return failure.exitCode;
  }
}
