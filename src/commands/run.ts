import type { TokenProvider } from "../auth/types.js";
import { checkOutputPaths, type RunConfig } from "../config.js";
import { createLogger } from "../log.js";
import { startProgress } from "../output/progress.js";
import { exitCodeOf, formatSummary, shellQuote, summarize } from "../output/summary.js";
import { systemClock } from "../run/clock.js";
import { startRun, type RunReport } from "../run/pipeline.js";
import { validateFile } from "../run/validate-file.js";

export interface CommandIO {
  readonly stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface RunCommandExtras {
  /** The demo hands in its own token source (the simulator's identity endpoint). */
  readonly tokens?: () => Promise<TokenProvider>;
  /** The demo's simulator is gone once it ends: it prints no resume or rerun command. */
  readonly noFollowUp?: boolean;
}

/** `a b --overwrite` → the same words with --resume, for the "to continue" advice. */
function resumeArgs(argv: string[]): string[] {
  return [...argv.filter((a) => a !== "--overwrite" && a !== "--resume"), "--resume"];
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
  ]);
  const out: string[] = ["run", config.failedOut];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const name = a.split("=")[0];
    if (!keep.has(name)) continue;
    out.push(a);
    if (!a.includes("=") && name !== "--skip-confirmed" && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

export async function runCommand(
  config: RunConfig,
  io: CommandIO,
  argv: string[],
  extras: RunCommandExtras = {},
): Promise<number> {
  checkOutputPaths(config);
  // Started through npx (inside the project folder), the follow-up commands need it too.
  const program = io.env.npm_command === "exec" ? ["npx", "mca-confirm"] : ["mca-confirm"];
  const logger = createLogger(config.command === "run" ? config.logFile : undefined, config.logLevel);
  let report: RunReport;
  if (config.command === "validate") {
    report = await validateFile({ config, logger, clock: systemClock });
  } else {
    const tokens =
      extras.tokens ??
      (async () => {
        const { resolveTokenProvider } = await import("../auth/index.js");
        return resolveTokenProvider({ env: io.env, logger });
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
      stderr.write(
        `Stopped at once. Continue later with: ${[...program, ...resumeArgs(argv)].map(shellQuote).join(" ")}\n`,
      );
      process.exit(130);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      report = await handle.done;
    } finally {
      stopProgress();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
  const summary = summarize(
    report,
    extras.noFollowUp
      ? {}
      : { rerun: [...program, ...rerunArgs(config, argv)], resume: [...program, ...resumeArgs(argv)] },
  );
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  if (config.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(formatSummary(summary));
  if (report.stop && report.stop.kind !== "interrupted" && config.json)
    io.stderr.write(`mca-confirm: ${report.stop.message}\n`);
  return exitCodeOf(report);
}
