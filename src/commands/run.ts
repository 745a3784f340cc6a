import type { ParseArgsConfig } from "node:util";
import type { TokenProvider } from "../auth/types.js";
import { RUN_OPTIONS, resolveRunConfig, type RunConfig, type RunFlags } from "../config.js";
import { UsageError } from "../errors.js";
import { createLogger, type Logger } from "../log.js";
import { startProgress } from "../output/progress.js";
import type { RunReport } from "../output/report.js";
import { programWords, withoutProxyPassword } from "../output/command-line.js";
import { exitCodeOf, formatSummary, shellQuote, summarize } from "../output/summary.js";
import { systemClock } from "../run/clock.js";
import { checkOutputPaths } from "../run/outputs.js";
import { startRun } from "../run/pipeline.js";
import { validateFile } from "../run/validate-file.js";
import { parseCommandArgs } from "./args.js";
import { writeRunEvidence } from "./evidence.js";
import { HELP, VERSION } from "./help.js";
import type { Command, CommandIO } from "./io.js";

export interface RunCommandExtras {
  /** The demo hands in its own token source (the simulator's identity endpoint). */
  readonly tokens?: () => Promise<TokenProvider>;
  /** The demo's simulator is gone once it ends: it prints no resume or rerun command. */
  readonly noFollowUp?: boolean;
}

/** `a b --overwrite` → the same words with --resume, for the "to continue" advice. */
function resumeArgs(argv: string[]): string[] {
  return [
    ...withoutProxyPassword(argv).filter((word) => word !== "--overwrite" && word !== "--resume"),
    "--resume",
  ];
}

/** The rerun of the failed file keeps the options that say how to read and where to send. */
function rerunArgs(config: RunConfig, argv: string[]): string[] {
  const keep = new Set([
    "--map",
    "--date-format",
    "--agreement-type",
    "--template-id",
    "--base-url",
    "--concurrency",
    "--max-rpm",
    "--skip-confirmed",
    "--proxy",
  ]);
  const out: string[] = ["run", config.failedOut];
  argv = withoutProxyPassword(argv);
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i];
    const name = word.split("=")[0];
    if (!keep.has(name)) continue;
    out.push(word);
    if (!word.includes("=") && name !== "--skip-confirmed" && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

/** `run` and `validate` take the same options (one table, RUN_OPTIONS). */
function commandOf(command: "run" | "validate"): Command {
  return async (args, io) => {
    const options = Object.fromEntries(
      Object.entries(RUN_OPTIONS).map(([name, option]) => [name, { type: option.type }]),
    ) as ParseArgsConfig["options"];
    const { values, positionals } = parseCommandArgs(args, {
      ...options,
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1)
      throw new UsageError(
        `${command} takes exactly one input file (got ${positionals.length}). See mca-confirm --help`,
      );
    const config = resolveRunConfig(command, positionals[0], values as RunFlags, io.env);
    return executeRun(config, io, [command, ...args]);
  };
}

export const runCommand: Command = commandOf("run");
export const validateCommand: Command = commandOf("validate");

/** Runs a resolved config (also the demo's way in) and prints the summary; returns the exit code. */
export async function executeRun(
  config: RunConfig,
  io: CommandIO,
  argv: string[],
  extras: RunCommandExtras = {},
): Promise<number> {
  checkOutputPaths(config);
  // Printed commands start the way this one did: installed, through npx, or node dist/cli.js.
  const program = programWords({ script: process.argv[1] ?? "", env: io.env, cwd: process.cwd() });
  const logger = createLogger(config.command === "run" ? config.logFile : undefined, config.logLevel, {
    version: VERSION,
  });
  const report =
    config.command === "validate"
      ? await validateFile({ config, logger, clock: systemClock })
      : await runWithSignals(config, io, logger, [...program, ...resumeArgs(argv)], extras);
  // The report reads the log: every line of it on disk first.
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  const evidence = await writeRunEvidence(config, report);
  const summary = summarize(
    report,
    extras.noFollowUp
      ? {}
      : {
          rerun: [...program, ...rerunArgs(config, argv)],
          resume: [...program, ...resumeArgs(argv)],
          again: [...program, ...withoutProxyPassword(argv).filter((word) => word !== "--resume")],
        },
    evidence,
  );
  if (config.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(formatSummary(summary));
  if (report.stop && report.stop.kind !== "interrupted" && config.json)
    io.stderr.write(`mca-confirm: ${report.stop.message}\n`);
  return exitCodeOf(report);
}

/** The run with its progress display; the first Ctrl-C stops it gently, the second at once. */
async function runWithSignals(
  config: RunConfig,
  io: CommandIO,
  logger: Logger,
  resumeCommand: string[],
  extras: RunCommandExtras,
): Promise<RunReport> {
  const tokens =
    extras.tokens ??
    (async () => {
      const { resolveTokenProvider } = await import("../auth/index.js");
      return resolveTokenProvider({ env: io.env, logger, proxy: config.proxy });
    });
  const handle = startRun({ config, logger, clock: systemClock, tokens });
  const stderr = io.stderr as NodeJS.WriteStream;
  const stopProgress = config.progress ? startProgress(() => handle.snapshot(), stderr) : () => {};
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    stopProgress();
    if (signals === 1) {
      handle.interrupt(signal);
      stderr.write(
        `\n${signal}: starting no new rows; waiting for requests in flight (up to ${config.timeoutMs / 1000} s). Press Ctrl-C again to quit at once.\n`,
      );
      return;
    }
    handle.flushNow();
    stderr.write(`Stopped at once. Continue later with: ${resumeCommand.map(shellQuote).join(" ")}\n`);
    io.exit(130);
  };
  // Windows consoles send Ctrl-Break as SIGBREAK; Ctrl-C arrives as SIGINT there too.
  const stopSignals: NodeJS.Signals[] =
    process.platform === "win32" ? ["SIGINT", "SIGTERM", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
  for (const signal of stopSignals) process.on(signal, onSignal);
  try {
    return await handle.done;
  } finally {
    stopProgress();
    for (const signal of stopSignals) process.off(signal, onSignal);
  }
}
