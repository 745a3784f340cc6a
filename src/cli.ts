#!/usr/bin/env node
// The entry: argv → a command. The only place that turns errors into messages and exit codes,
// and the only place that calls process.exit.
import v8 from "node:v8";
import { printable, UsageError } from "./errors.js";
import { capYoungGeneration } from "./heap.js";
import { DEMO_SPEC, demoCommand } from "./commands/demo.js";
import { createHelpCommand, HELP_SPEC, versionCommand } from "./commands/help.js";
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
  // No command at all is a usage mistake: the help, and exit 2.
  if (name === undefined) {
    await helpCommand([], io);
    return 2;
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

/** The message and exit code for an error a command threw. */
function failureOf(err: unknown): { code: number; message: string } {
  if (err instanceof Error && "exitCode" in err && typeof err.exitCode === "number") {
    return { code: err.exitCode, message: err.message };
  }
  if (DISK_ERRORS.has((err as NodeJS.ErrnoException).code ?? "")) {
    // What was confirmed is in the journal for --resume.
    return {
      code: 1,
      message: `cannot write the output files: ${(err as Error).message}. Free space or fix permissions, then continue with --resume.`,
    };
  }
  if (process.env.MCA_CONFIRM_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  return { code: 1, message: `internal error: ${err instanceof Error ? err.message : String(err)}` };
}

const io: CommandIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  exit: (code) => process.exit(code),
};
// Should the process ever run out of work without main() settling, that is a failure, not exit 0.
process.exitCode = 1;
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { code, message } = failureOf(err);
    // File names and values in the message are shown, never obeyed by the terminal.
    io.stderr.write(`mca-confirm: ${printable(message)}\n`);
    // A scheduler reading --json gets an object for a refused run too, never an empty stdout.
    if (process.argv.includes("--json"))
      io.stdout.write(`${JSON.stringify({ error: message, exitCode: code })}\n`);
    process.exitCode = code;
  },
);
