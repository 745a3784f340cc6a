// The exit codes, one table: docs/cli.md "Exit codes" is their contract, and the summary's
// --json `exitCode`, the help text and cli.ts all take them from here.

export const EXIT = {
  /** Every row done (confirmed or skipped; for validate and --dry-run, valid or skipped). */
  done: 0,
  /** The command finished; some rows need work (to fix, or to re-run later). */
  needsWork: 1,
  /** Refused before sending anything: usage, input file, outputs, credentials. */
  refused: 2,
  /** Stopped early and resumable: outage, an answer that fails every row, throttled too long. */
  stopped: 3,
  /** An internal or file-system failure: disk full, the writer thread died, a file held open, a bug. */
  failure: 4,
  /** Ctrl-C (SIGINT, or Ctrl-Break on Windows). */
  interrupted: 130,
  /** SIGTERM (a scheduler or `kill` asking the process to end). */
  terminated: 143,
} as const;

/** 128 + the signal's number, the shell convention: 143 for SIGTERM, 130 for Ctrl-C and Ctrl-Break. */
export function signalExitCode(signal: NodeJS.Signals | undefined): number {
  return signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted;
}

/** The one-line meaning of each code, for the help text. */
export const EXIT_LINE =
  "Exit codes: 0 done; 1 some rows need work; 2 refused, nothing sent; 3 stopped early,\n" +
  "resumable; 4 internal or file-system failure; 130 Ctrl-C; 143 SIGTERM.";
