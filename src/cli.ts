#!/usr/bin/env node
// The entry: flags → config → command. The only place that turns errors into messages and
// exit codes, and the only place that calls process.exit.
import { readFileSync } from "node:fs";
import v8 from "node:v8";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputFileError, RunStoppedError, UsageError } from "./errors.js";
import { RUN_OPTIONS, resolveRunConfig, type RunFlags } from "./config.js";
import { runCommand, type CommandIO } from "./commands/run.js";
import { demoCommand } from "./commands/demo.js";
import { templateText } from "./commands/template.js";
import { DATE_FORMATS } from "./validate.js";

// A run's live heap is small (tens of MB) but it allocates fast (one HTTP request per row), and
// V8 then lets the old space grow to several times the live size between collections: 215 MB
// peak RSS on 500k rows. V8 reads this growing factor at each collection, so setting it here
// still applies; 1.2× the live size keeps the same run near 140 MB at the same speed.
if (!process.execArgv.some((a) => a.includes("heap-growing-percent")))
  v8.setFlagsFromString("--heap-growing-percent=20");

const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

function optionHelp(): string {
  return Object.entries(RUN_OPTIONS)
    .map(([name, o]) => {
      const flag = `--${name}${"arg" in o ? ` <${o.arg}>` : ""}`;
      return `  ${flag.padEnd(28)} ${o.help} (default: ${o.def})`;
    })
    .join("\n");
}

export const HELP = `mca-confirm ${VERSION}: confirm Microsoft Customer Agreement acceptance in bulk (Partner Center API)

Usage:
  mca-confirm run <input.csv> [options]       check the whole file, then confirm every valid row
  mca-confirm validate <input.csv> [options]  check only, no network; writes <input>.validation.csv
  mca-confirm demo [--rows N] [--auth refresh-token]
                                              run the samples against the bundled Partner Center simulator
  mca-confirm login [--tenant T --client-id C] sign in with a device code and keep the token cache
  mca-confirm template                        print a header line and an example row for a new input file
  mca-confirm --help | --version

Options of run (and, where they apply, validate):
${optionHelp()}

Date formats for --date-format: ${DATE_FORMATS.join(", ")}

Credentials (first found wins): PARTNER_CENTER_ACCESS_TOKEN; PARTNER_CENTER_REFRESH_TOKEN with
PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_TENANT_ID (and PARTNER_CENTER_CLIENT_SECRET); the cache
written by 'mca-confirm login'. PARTNER_CENTER_AUTHORITY_HOST points sign-in elsewhere.

Exit codes: 0 all confirmed/skipped/valid; 1 some rows need attention (see the failed file);
2 usage or input problem, nothing sent; 3 run stopped early (authentication, templateId, outage); 130 Ctrl-C.
`;

function parse<T extends ParseArgsConfig["options"]>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message;
    const ambiguous = /Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous)
      throw new UsageError(
        `${ambiguous[1]} needs a value, and a value cannot start with "-". See mca-confirm --help`,
      );
    throw new UsageError(`${message.replace(/\. To specify.*$/s, "")}. See mca-confirm --help`);
  }
}

async function main(argv: string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  switch (command) {
    case "run":
    case "validate": {
      const options = Object.fromEntries(
        Object.entries(RUN_OPTIONS).map(([k, o]) => [k, { type: o.type }]),
      ) as ParseArgsConfig["options"];
      const { values, positionals } = parse(rest, { ...options, help: { type: "boolean", short: "h" } });
      if (values.help) {
        io.stdout.write(HELP);
        return 0;
      }
      if (positionals.length !== 1)
        throw new UsageError(
          `${command} takes exactly one input file (got ${positionals.length}). See mca-confirm --help`,
        );
      const config = resolveRunConfig(command, positionals[0], values as RunFlags, io.env);
      return runCommand(config, io, argv);
    }
    case "demo": {
      const { values } = parse(rest, {
        rows: { type: "string" },
        auth: { type: "string" },
        help: { type: "boolean", short: "h" },
      });
      if (values.help) {
        io.stdout.write(
          "mca-confirm demo [--rows N] [--auth token|refresh-token]\n  Starts the bundled Partner Center simulator on 127.0.0.1 and runs samples/acceptances.csv\n  (or N generated rows) through the real run code path. Files go to a new folder in the temp directory.\n",
        );
        return 0;
      }
      return demoCommand({ rows: values.rows, auth: values.auth }, io);
    }
    case "login": {
      const { loginCommand } = await import("./auth/index.js");
      return loginCommand(rest, io);
    }
    case "template":
      io.stdout.write(templateText());
      return 0;
    default:
      throw new UsageError(`unknown command "${command}". See mca-confirm --help`);
  }
}

const io: CommandIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };
// Should the process ever run out of work without main() settling, that is a failure, not exit 0.
process.exitCode = 1;
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    let code = 1;
    let message: string;
    if (err instanceof UsageError || err instanceof InputFileError) {
      code = 2;
      message = err.message;
    } else if (err instanceof RunStoppedError) {
      code = 3;
      message = err.message;
    } else if (
      ["ENOSPC", "EFBIG", "EDQUOT", "EIO", "EROFS", "EACCES", "EPERM"].includes(
        (err as NodeJS.ErrnoException).code ?? "",
      )
    ) {
      // The disk, not the tool: say so; what was confirmed is in the journal for --resume.
      message = `cannot write the output files: ${(err as Error).message}. Free space or fix permissions, then continue with --resume.`;
    } else {
      message = `internal error: ${err instanceof Error ? err.message : String(err)}`;
      if (process.env.MCA_CONFIRM_DEBUG) io.stderr.write(`${(err as Error).stack}\n`);
    }
    io.stderr.write(`mca-confirm: ${message}\n`);
    // A scheduler reading --json gets an object for a refused run too, never an empty stdout.
    if (process.argv.includes("--json"))
      io.stdout.write(`${JSON.stringify({ error: message, exitCode: code })}\n`);
    process.exitCode = code;
  },
);
