import type { TokenProvider } from "../auth/types.js";
import { carriedBy, RUN_OPTIONS, resolveRunConfig, type RunConfig, type RunOptionName } from "../config.js";
import { printable, UsageError } from "../errors.js";
import { EXIT_LINE } from "../exit-codes.js";
import { createLogger, type Logger } from "../log.js";
import { canRedraw, startProgress } from "../output/progress.js";
import type { RunResult } from "../output/run-result.js";
import { carriedOptions, programWords, withoutProxyPassword } from "../output/command-line.js";
import { exitCodeOf, formatSummary, shellQuote, summarize } from "../output/summary.js";
import { systemClock } from "../engine/clock.js";
import { checkOutputPaths } from "../run/outputs.js";
import { validateFile } from "../run/validate-file.js";
import { parseCommand } from "./args.js";
import { checkRunEvidence, writeRunEvidence } from "./evidence.js";
import { VERSION } from "./help.js";
import type { Command, CommandIO } from "./io.js";
import { tokenSource, untilDoneOrStopped } from "./signals.js";
import type { CommandSpec } from "./spec.js";

interface RunCommandExtras {
  /** The demo hands in its own token source (the simulator's identity endpoint). */
  readonly tokens?: () => Promise<TokenProvider>;
  /** The demo's simulator is gone once it ends: it prints no resume or rerun command. */
  readonly noFollowUp?: boolean;
}

/** `a b --overwrite` → the same words with --resume, for the "to continue" advice. */
function resumeArgs(argv: string[]): string[] {
  return [
    // The options it drops are switches (--overwrite, --resume): no value follows them.
    ...withoutProxyPassword(argv).filter((word) => !NOT_BY_RESUME.has(word)),
    "--resume",
  ];
}

/** `validate x.csv --map …` → `run x.csv --map …`: validate's --out names the validation file, not the results. */
function runArgsAfterValidate(argv: string[]): string[] {
  const out: string[] = ["run"];
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === "--out") i++;
    // validate's --overwrite replaced the validation file; the run must not replace results unasked.
    else if (!argv[i].startsWith("--out=") && argv[i] !== "--overwrite") out.push(argv[i]);
  }
  return out;
}

/** The rerun of the failed file keeps the options that say how to read and where to send (RUN_OPTIONS `carry`). */
const BY_RERUN = carriedBy("rerun");
/** --resume repeats the command as it was, less what the table says it does not carry. */
const NOT_BY_RESUME = new Set(
  (Object.keys(RUN_OPTIONS) as RunOptionName[])
    .filter((name) => !carriedBy("resume").names.has(`--${name}`))
    .map((name) => `--${name}`),
);

function rerunArgs(config: RunConfig, argv: string[]): string[] {
  return ["run", config.failedOut, ...carriedOptions(argv.slice(1), BY_RERUN.names, BY_RERUN.switches)];
}

/** Options naming a dry run's own files: the real run writes its own under the default names. */
const DRY_RUN_FILES = new Set(["--out", "--failed-out", "--report", "--log-file"]);

/** `run x.csv --dry-run --base-url …` → `run x.csv --base-url …`: the run that sends what the dry run checked. */
function realRunArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].split("=")[0];
    if (argv[i] === "--dry-run" || argv[i] === "--overwrite") continue;
    if (DRY_RUN_FILES.has(name)) {
      if (!argv[i].includes("=")) i++;
      continue;
    }
    out.push(argv[i]);
  }
  return out;
}

export const RUN_SPEC: CommandSpec = {
  name: "run",
  usage: "run <input.csv> [options]",
  brief: "check the whole file, then confirm every valid row",
  summary:
    "Checks the whole file first (nothing is sent if it cannot be read), looks the agreement's\n" +
    "templateId up once, sends every valid row and writes the results, the failed rows and a log.",
  options: RUN_OPTIONS,
  notes:
    "Credentials come from PARTNER_CENTER_ACCESS_TOKEN, PARTNER_CENTER_REFRESH_TOKEN (with\n" +
    "PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_TENANT_ID) or the cache of 'mca-confirm login'.\n\n" +
    EXIT_LINE,
  examples: [
    "mca-confirm run acceptances.csv",
    'mca-confirm run export.csv --date-format DD/MM/YYYY --map "Tenant=customerTenantId"',
    "mca-confirm run acceptances.csv --resume",
  ],
};

/** The options that change what validate does; it accepts the rest of run's too, so one line serves both. */
const VALIDATE_OPTIONS = ["date-format", "date-agreed", "map", "json"] as const;

export const VALIDATE_SPEC: CommandSpec = {
  name: "validate",
  usage: "validate <input.csv> [options]",
  brief: "check only, no network; writes <input>.validation.csv",
  summary:
    "Reads and checks the file exactly as run does, without any network call, and writes\n" +
    "<input>.validation.csv: every row valid, invalid (with the reason) or skipped. It accepts\n" +
    "run's other options too, so the same command line works for both; it ends with the run command.",
  options: {
    out: { ...RUN_OPTIONS.out, help: "the validation file", def: "<input>.validation.csv beside the input" },
    ...Object.fromEntries(VALIDATE_OPTIONS.map((name) => [name, RUN_OPTIONS[name]])),
  },
  alsoAccepts: RUN_OPTIONS,
  examples: [
    "mca-confirm validate acceptances.csv",
    "mca-confirm validate export.csv --date-format MM/DD/YYYY",
  ],
};

/** `run` and `validate` take the same options (one table, RUN_OPTIONS). */
function commandOf(spec: CommandSpec & { name: "run" | "validate" }): Command {
  return async (args, io) => {
    const parsed = parseCommand(args, spec);
    if ("help" in parsed) {
      io.stdout.write(parsed.help);
      return 0;
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1)
      throw new UsageError(
        `${spec.name} takes exactly one input file (got ${positionals.length}). See mca-confirm help ${spec.name}`,
      );
    // A run keeps its journal, results and lock beside the input and re-reads it on --resume.
    if (positionals[0] === "-")
      throw new UsageError(
        `${spec.name} reads a file, not standard input ("-"): a run keeps a journal beside its input and reads it again to --resume, so save the input to a file first (e.g. … > input.csv)`,
      );
    const config = resolveRunConfig(spec.name, positionals[0], values, io.env);
    return executeRun(config, io, [spec.name, ...args]);
  };
}

export const runCommand: Command = commandOf({ ...RUN_SPEC, name: "run" });
export const validateCommand: Command = commandOf({ ...VALIDATE_SPEC, name: "validate" });

/** Runs a resolved config (also the demo's way in) and prints the summary; returns the exit code. */
export async function executeRun(
  config: RunConfig,
  io: CommandIO,
  argv: string[],
  extras: RunCommandExtras = {},
): Promise<number> {
  checkOutputPaths(config);
  await checkRunEvidence(config);
  // Printed commands start the way this one did: installed, through npx, or node dist/cli.js.
  const program = programWords({ script: process.argv[1] ?? "", env: io.env, cwd: process.cwd() });
  const logger = createLogger(config.command === "run" ? config.logFile : undefined, config.logLevel, {
    version: VERSION,
  });
  const report =
    config.command === "validate"
      ? await validateFile({ config, logger, clock: systemClock })
      : await runWithSignals(config, io, logger, [...program, ...resumeArgs(argv)], extras);
  // The report's verdict, also for `report` later: the command that continues this run.
  const resume =
    report.resumable && !extras.noFollowUp
      ? [...program, ...resumeArgs(argv)].map(shellQuote).join(" ")
      : undefined;
  if (resume) logger.warn({ event: "next", resume });
  // The report reads the log: every line of it on disk first.
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  const evidence = await writeRunEvidence(config, report, resume);
  const summary = summarize(
    report,
    extras.noFollowUp
      ? {}
      : {
          rerun: [...program, ...rerunArgs(config, argv)],
          resume: [...program, ...resumeArgs(argv)],
          again: [...program, ...withoutProxyPassword(argv).filter((word) => word !== "--resume")],
          run: [
            ...program,
            ...(config.dryRun
              ? realRunArgs(withoutProxyPassword(argv))
              : runArgsAfterValidate(withoutProxyPassword(argv))),
          ],
        },
    evidence,
  );
  if (config.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(printable(formatSummary(summary)));
  if (report.stop && report.stop.kind !== "interrupted" && config.json)
    io.stderr.write(`mca-confirm: ${printable(report.stop.message)}\n`);
  return exitCodeOf(report);
}

/** The run with its progress display; the first Ctrl-C stops it gently, the second at once. */
async function runWithSignals(
  config: RunConfig,
  io: CommandIO,
  logger: Logger,
  resumeCommand: string[],
  extras: RunCommandExtras,
): Promise<RunResult> {
  const tokens = tokenSource(extras.tokens, io, logger, config.proxy);
  // The request engine (and its HTTP client) loads only for a run: validate never sends.
  const { startRun } = await import("../run/pipeline.js");
  const handle = startRun({ config, logger, clock: systemClock, tokens });
  const stderr = io.stderr as NodeJS.WriteStream;
  const stopProgress = config.progress
    ? startProgress(() => handle.snapshot(), stderr, Date.now, canRedraw(stderr, io.env))
    : () => {};
  return untilDoneOrStopped(handle, io, stopProgress, {
    gently: `starting no new rows; waiting for requests in flight (up to ${config.timeoutMs / 1000} s).`,
    atOnce: () => {
      handle.flushNow();
      stderr.write(
        printable(`Stopped at once. Continue later with: ${resumeCommand.map(shellQuote).join(" ")}\n`),
      );
    },
  });
}
