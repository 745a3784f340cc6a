import fs from "node:fs";
import { rowSettings, type RunConfig } from "../config.js";
import { RunStoppedError, UsageError } from "../errors.js";
import { keepPrevious, type KeptFile } from "../output/keep-previous.js";
import { removeStaleTemps } from "../replace-file.js";
import type { RowNumbers } from "./classify.js";
import { journalPath, type JournalState } from "./journal.js";
import { lockOutputs } from "./lock.js";
import { checkOutputs, writtenNames, writtenOutputs } from "./outputs.js";
import { scanInput } from "./scan.js";

/** What a run knows before it sends anything. */
export interface Prepared {
  /** Data rows in the input, as the pre-flight counted them. */
  readonly total: number;
  /** The input's size in bytes when it was checked (0 when unknown): the row window's ceiling. */
  readonly bytes: number;
  /** sha256 of the bytes the pre-flight parsed: --resume continues only the same file. */
  readonly fingerprint: string;
  /** The rows the pre-flight found to repeat an earlier valid row's customer (classify.ts). */
  readonly duplicates: RowNumbers;
  /** The interrupted run this one continues (--resume). */
  readonly resumeState?: JournalState;
  /** The options that decide what a row sends, as the journal records them. */
  readonly settings: Readonly<Record<string, string>>;
  /** The error that stops the run when the input changed after it was checked. */
  inputChanged(when: string): RunStoppedError;
  /** Throws inputChanged(when) if the file's size or modification time moved since the pre-flight. */
  checkInputUnchanged(when: string): void;
  /** Files of an earlier finished run that --overwrite kept under a timestamped name. */
  readonly kept: readonly KeptFile[];
  /** Releases the lock on the output files. */
  unlock(): void;
}

/**
 * Reads the whole file once before anything is sent: broken CSV and missing columns stop here
 * (exit 2). It also finds the duplicates, which takes every row's checks: the table of customer
 * ids (or, for the largest files, the temporary files) that needs is gone before the run
 * begins, which then holds one bit per row instead (docs/performance.md "Memory of a large run").
 */
async function preflight(
  config: RunConfig,
  /** The file's size, as prepareRun found it just before (0 when unknown). */
  fileBytes: number,
): Promise<{ total: number; fingerprint: string; duplicates: RowNumbers }> {
  // The fingerprint --resume checks is the sha256 of the very bytes this pass parsed.
  const { total, fingerprint, duplicates } = await scanInput(config, fileBytes, { fingerprint: true });
  return { total, fingerprint: fingerprint ?? "", duplicates };
}

/** --resume reads and sends rows only as the interrupted run did. */
function checkResumable(
  config: RunConfig,
  state: JournalState,
  fingerprint: string,
  settings: Record<string, string>,
) {
  if (state.header.fingerprint !== fingerprint) {
    throw new UsageError(
      `${config.input} changed since the interrupted run began (${state.header.startedAt}); --resume continues only the same file. ` +
        `Run it with --overwrite to start again.`,
    );
  }
  const recorded = state.header.settings;
  if (!recorded) return;
  const differ = Object.keys(settings).filter((option) => settings[option] !== recorded[option]);
  if (differ.length === 0) return;
  throw new UsageError(
    `--resume must read and send rows as the interrupted run did; it used ` +
      differ.map((option) => `${option} "${recorded[option] ?? ""}"`).join(", ") +
      `, this run ` +
      differ.map((option) => `"${settings[option]}"`).join(", ") +
      `. Use the same options, or --overwrite to start again.`,
  );
}

/**
 * --overwrite of a finished run keeps that run's evidence (docs/cli.md "Runs"): its results,
 * failed file, report and log move aside under the time it finished, once the input has passed
 * the pre-flight, before anything of this run is written.
 */
function keepEarlierRun(config: RunConfig): KeptFile[] {
  const finished = fs.existsSync(config.out) && !fs.existsSync(journalPath(config.out));
  if (!config.overwrite || !finished) return [];
  const files = [config.out, config.dryRun ? undefined : config.failedOut, config.report, config.logFile];
  return keepPrevious(
    config.out,
    files.filter((file): file is string => file !== undefined),
  );
}

/**
 * Takes the lock on the output files, decides from what is at --out whether this run may start
 * (and what it resumes), and checks the whole input before anything is sent.
 */
export async function prepareRun(config: RunConfig): Promise<Prepared> {
  const unlock = lockOutputs(writtenOutputs(config).map(([, file]) => file));
  try {
    // What a killed run left under random temporary names goes, now that no run can be writing it.
    for (const { file, role } of writtenNames(config)) if (role !== "lock") removeStaleTemps(file);
    const resumeState = await checkOutputs(config);
    // Taken before the pre-flight: a file edited after it was checked is not sent unchecked.
    // (A missing file is reported by the pre-flight itself.)
    const checkedStat = fs.statSync(config.input, { throwIfNoEntry: false });
    const { total, fingerprint, duplicates } = await preflight(config, checkedStat?.size ?? 0);
    const settings = rowSettings(config);
    if (resumeState) checkResumable(config, resumeState, fingerprint, settings);
    const kept = keepEarlierRun(config);
    const inputChanged = (when: string) =>
      new RunStoppedError(
        `${config.input} changed ${when}; nothing more was sent. The outcomes so far are kept in the journal: ` +
          `put the file back as it was and continue with --resume, or start again with --overwrite.`,
        "input-changed",
      );
    return {
      total,
      bytes: checkedStat?.size ?? 0,
      fingerprint,
      duplicates,
      resumeState,
      settings,
      kept,
      inputChanged,
      checkInputUnchanged(when) {
        const now = fs.statSync(config.input, { throwIfNoEntry: false });
        const same =
          now && checkedStat && now.size === checkedStat.size && now.mtimeMs === checkedStat.mtimeMs;
        if (!same) throw inputChanged(when);
      },
      unlock,
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
