import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { InputFileError, UsageError } from "../errors.js";
import type { RunConfig } from "../config.js";
import { openCsvRecords } from "../input/csv-records.js";
import { checkNoSymlinks, createExclusive, isSymlink } from "../replace-file.js";
import { journalPath, readJournal, type JournalState } from "./journal.js";
import { lockPathFor } from "./lock.js";

/** Names the tool gives its own working files: no output may take one (it would be deleted). */
const WORKING_FILE = /\.(lock|journal|tmp)$/i;

function kindOf(stat: fs.Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a fifo (named pipe)";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  return "not a regular file";
}

/**
 * The files a run writes, each with the option that names it (the journal sits beside --out and
 * goes with its lock). A dry run writes no failed file: it would replace the real run's.
 */
export function writtenOutputs(config: RunConfig): [option: string, file: string][] {
  const outputs: [string, string][] = [["--out", config.out]];
  if (config.command !== "run") return outputs;
  if (!config.dryRun) outputs.push(["--failed-out", config.failedOut]);
  outputs.push(["--log-file", config.logFile]);
  if (config.report) outputs.push(["--report", config.report]);
  return outputs;
}

/** A name a run writes: an output (written new and renamed onto it, or appended to: the log), the journal, or a lock. */
interface WrittenName {
  readonly what: string;
  readonly file: string;
  readonly role: "output" | "journal" | "lock";
}

/**
 * Every name a run of `config` writes under (temporary files aside: their names are random and
 * created exclusively, docs/cli.md "Runs"). The checks below and the locks
 * take their names from here.
 */
export function writtenNames(config: RunConfig): WrittenName[] {
  const outputs = writtenOutputs(config);
  const names: WrittenName[] = outputs.map(([what, file]) => ({ what, file, role: "output" }));
  if (config.command !== "run") return names;
  names.push({ what: "the journal", file: journalPath(config.out), role: "journal" });
  for (const [what, file] of outputs)
    names.push({ what: `the lock of ${what}`, file: lockPathFor(file), role: "lock" });
  return names;
}

/**
 * Nothing is written through a symbolic link (docs/cli.md "Runs"): one at an
 * output's name or the journal's is refused, or with --overwrite removed (the link, never what
 * it points to). --resume never reads a journal through one. A link at a lock's name is a stale
 * lock, removed when the lock is taken.
 */
function checkSymlinks(config: RunConfig): void {
  const names = writtenNames(config).filter((name) => name.role !== "lock");
  const journal = names.find((name) => name.role === "journal");
  if (config.resume && journal && isSymlink(journal.file))
    checkNoSymlinks([[journal.what, journal.file]], false);
  checkNoSymlinks(
    names.map(({ what, file }) => [what, file] as const),
    config.overwrite,
  );
}

/**
 * Every output is a regular file or does not exist yet: writing the results "into" /dev/null
 * or a fifo would replace the device with a file (as root) or block forever, so these are
 * refused even with --overwrite (exit 2).
 */
function checkOutputKinds(config: RunConfig): void {
  const outputs = writtenOutputs(config);
  for (const [what, file] of outputs) {
    if (WORKING_FILE.test(file)) {
      throw new UsageError(
        `${what} (${file}): names ending in .lock, .journal or .tmp are the working files of a run; choose another name`,
      );
    }
  }
  checkSymlinks(config);
  for (const { what, file } of writtenNames(config).filter((name) => name.role !== "lock")) {
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    const kind = stat && kindOf(stat);
    if (kind) {
      throw new UsageError(
        `${what}: ${file} is ${kind}; a run writes only to regular files (even with --overwrite)`,
      );
    }
  }
}

/**
 * What is already at --out decides whether this run may start (docs/cli.md "Runs"):
 * a journal means an unfinished run (--resume or --overwrite), a results file without one a
 * finished run (--overwrite). Returns the journal to continue from, if resuming.
 */
export async function checkOutputs(config: RunConfig): Promise<JournalState | undefined> {
  const journal = journalPath(config.out);
  const unfinished = fs.existsSync(journal);
  // A run that stopped before sending any row left results that record no request: a plain
  // re-run replaces them (docs/cli.md "Runs"), as nothing in them is evidence of an API call.
  const finished = !unfinished && fs.existsSync(config.out) && !(await recordsNoRequest(config.out));
  // --overwrite leaves the old journal alone here: the new run replaces it when it starts, so
  // a run refused later (broken input, no credentials: exit 2) still leaves it resumable.
  if (config.overwrite) return undefined;
  if (config.resume) {
    if (unfinished) {
      const state = readJournal(journal);
      if (!state)
        throw new UsageError(`${journal} is not a journal this tool can read; start again with --overwrite`);
      return state;
    }
    if (finished) {
      throw new UsageError(
        `${config.out} holds a finished run: there is nothing to resume. Use --overwrite to run again into it, or --out for a new file.`,
      );
    }
    // No journal: a fresh run would send every row again under new request ids.
    throw new UsageError(
      `nothing to resume for ${config.out}; run without --resume (with --skip-confirmed to leave out customers already on record)`,
    );
  }
  if (unfinished) {
    throw new UsageError(
      `${config.out} belongs to an unfinished run (${journal} exists). Continue it with --resume, or start again with --overwrite.`,
    );
  }
  if (finished) {
    throw new UsageError(
      `${config.out} already exists. Use --overwrite to replace it, or --out to write elsewhere.`,
    );
  }
  return undefined;
}

/**
 * True for a results file every row of which has 0 attempts; reading stops at the first other.
 * Its columns are found by their last occurrence, as the report finds them (report/results-file.ts).
 */
async function recordsNoRequest(file: string): Promise<boolean> {
  try {
    const { header, records } = await openCsvRecords(file);
    const attempts = header.lastIndexOf("attempts");
    const rowNumber = header.lastIndexOf("rowNumber");
    let seen = 0;
    // A row of the input with more cells than its header is passed through as it is.
    for await (const { cells } of records()) {
      if (cells[attempts] !== "0" || rowNumber < 0 || rowNumber >= cells.length) return false;
      seen++;
    }
    return seen > 0;
  } catch {
    return false; // not a results file this tool can read: keep refusing to replace it
  }
}

/**
 * Every file a run writes must be distinct, must not be the input, and must go to an existing,
 * writable folder: found out here, before anything is sent, not as an internal error mid-run.
 */
export function checkOutputPaths(config: RunConfig): void {
  // A missing input is the mistake to report, not the folder an output beside it would go to
  // (a mistyped folder name makes both fail; the user gave the input, not the output).
  if (!fs.existsSync(config.input)) throw new InputFileError(config.input, "no such file");
  const outputs: [string, string][] = [["--out", config.out]];
  if (config.command === "run") {
    // A dry run writes no failed file: it would replace the real run's.
    if (!config.dryRun) outputs.push(["--failed-out", config.failedOut]);
    outputs.push(["--log-file", config.logFile], ["the journal", journalPath(config.out)]);
    if (config.report) outputs.push(["--report", config.report]);
  }
  const input = config.input;
  const seen = new Map<string, string>([[path.resolve(input), "the input file"]]);
  for (const [what, file] of outputs) {
    const abs = path.resolve(file);
    const clash = seen.get(abs);
    if (clash) throw new UsageError(`${what} (${file}) must not be the same file as ${clash}`);
    seen.set(abs, what);
    const dir = path.dirname(abs);
    try {
      // Creating a file is the only test that holds for read-only mounts and for root; an
      // unpredictable name, created exclusively, so it is never a file someone planted.
      const probe = path.join(dir, `.mca-confirm-write-check-${randomBytes(8).toString("hex")}`);
      createExclusive(probe, "");
      fs.rmSync(probe);
    } catch {
      throw new UsageError(`${what} (${file}): the folder ${dir} does not exist or is not writable`);
    }
    if (fs.lstatSync(abs, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`${what} (${file}) is a folder`);
  }
  checkOutputKinds(config);
}
