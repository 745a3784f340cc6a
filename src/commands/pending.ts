import type { TokenProvider } from "../auth/types.js";
import { carriedBy } from "../config.js";
import { printable, UsageError } from "../errors.js";
import { createLogger, type Logger } from "../log.js";
import { carriedOptions, programWords } from "../output/command-line.js";
import { canRedraw } from "../output/progress.js";
import { lockOutputs } from "../run/lock.js";
import { systemClock } from "../engine/clock.js";
import {
  checkPendingOutputs,
  PENDING_OPTIONS,
  resolvePendingConfig,
  type PendingConfig,
} from "../pending/options.js";
import { startPending } from "../pending/pipeline.js";
import { startPendingProgress } from "../pending/progress.js";
import {
  formatPendingSummary,
  pendingExitCode,
  summarizePending,
  type PendingReport,
} from "../pending/summary.js";
import { parseCommand } from "./args.js";
import type { Command, CommandIO } from "./io.js";
import { tokenSource, untilDoneOrStopped } from "./signals.js";
import type { CommandSpec } from "./spec.js";

export const PENDING_SPEC: CommandSpec = {
  name: "pending",
  usage: "pending [--out pending.csv] [--before YYYY-MM-DD] [--all]",
  brief: "list customers still needing a confirmation, in a file to fill in",
  summary:
    "Reads the partner's customers page by page and each customer's confirmations of the agreement,\n" +
    "and writes the customers that still need one into a file that run accepts once filled in:\n" +
    "customerTenantId, firstName, lastName, email, phoneNumber, dateAgreed (to fill), then\n" +
    "companyName, domain, lastDateAgreed, lastTemplateId and lookupError. Signs in like run.\n" +
    "\n" +
    "By default it lists customers with no confirmation on record. --before adds those whose latest\n" +
    "confirmation is older than the date (its contact filled in, dateAgreed empty); --all lists all.",
  options: PENDING_OPTIONS,
  notes:
    "Exit codes: 0 every customer checked; 1 some customers' confirmations could not be read\n" +
    "(see lookupError); 2 usage problem, nothing sent; 3 stopped early (token refused, API not\n" +
    "answering), no file written; 4 internal or file-system failure; 130 Ctrl-C and 143\n" +
    "SIGTERM, no file written.",
  examples: [
    "mca-confirm pending --before 2025-01-01 --out pending.csv",
    "(fill in the empty fields, then) mca-confirm run pending.csv",
  ],
};

interface PendingCommandExtras {
  /** The demo hands in its own token source (the simulator's identity endpoint). */
  readonly tokens?: () => Promise<TokenProvider>;
  /** The demo's simulator is gone once it ends: it prints no follow-up commands. */
  readonly noFollowUp?: boolean;
  /** pending's own words, for the options its follow-up commands carry. */
  readonly args?: readonly string[];
}

/** `mca-confirm pending`. */
export const pendingCommand: Command = async (args, io) => {
  const parsed = parseCommand(args, PENDING_SPEC);
  if ("help" in parsed) {
    io.stdout.write(parsed.help);
    return 0;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0)
    throw new UsageError(
      `pending takes no input file (got "${positionals[0]}"); it writes --out. See mca-confirm help pending`,
    );
  return executePending(resolvePendingConfig(values, io.env), io, { args });
};

/** What the printed validate and run commands carry from pending's own line: the same API, reached the same way. */
const CARRIED_TO_RUN = carriedBy("pending");

/** Lists a resolved config (also the demo's way in), prints the summary, returns the exit code. */
export async function executePending(
  config: PendingConfig,
  io: CommandIO,
  extras: PendingCommandExtras = {},
): Promise<number> {
  checkPendingOutputs(config);
  const unlock = lockOutputs(config.out);
  try {
    // The follow-up commands start the way this one was started (installed, npx, node).
    const program = programWords({ script: process.argv[1] ?? "", env: io.env, cwd: process.cwd() });
    const logger = createLogger(config.logFile, config.logLevel);
    const report = await listWithSignals(config, io, logger, extras);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    if (config.json) io.stdout.write(`${JSON.stringify(summarizePending(report))}\n`);
    else {
      const carried = carriedOptions(extras.args ?? [], CARRIED_TO_RUN.names, CARRIED_TO_RUN.switches);
      io.stdout.write(
        printable(formatPendingSummary(report, extras.noFollowUp ? undefined : program, carried)),
      );
    }
    if (report.stop && report.stop.kind !== "interrupted" && config.json)
      io.stderr.write(`mca-confirm: ${printable(report.stop.message)}\n`);
    return pendingExitCode(report);
  } finally {
    unlock();
  }
}

/** The listing with its progress display; the first Ctrl-C stops it gently, the second at once. */
async function listWithSignals(
  config: PendingConfig,
  io: CommandIO,
  logger: Logger,
  extras: PendingCommandExtras,
): Promise<PendingReport> {
  const tokens = tokenSource(extras.tokens, io, logger, config.proxy);
  const handle = startPending({ config, logger, clock: systemClock, tokens });
  const stderr = io.stderr as NodeJS.WriteStream;
  const stopProgress = config.progress
    ? startPendingProgress(() => handle.snapshot(), stderr, Date.now, canRedraw(stderr, io.env))
    : () => {};
  return untilDoneOrStopped(handle, io, stopProgress, {
    gently: `starting no new requests; waiting for those in flight (up to ${config.timeoutMs / 1000} s).`,
    atOnce: () => stderr.write("Stopped at once; no file written.\n"),
  });
}
