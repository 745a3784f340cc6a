import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import type { RunConfig } from "../config.js";
import { journalPath, readJournal, type JournalState } from "./journal.js";

/**
 * What is already at --out decides whether this run may start (docs/cli.md "Runs"):
 * a journal means an unfinished run (--resume or --overwrite), a results file without one a
 * finished run (--overwrite). Returns the journal to continue from, if resuming.
 */
export function checkOutputs(config: RunConfig): JournalState | undefined {
  const journal = journalPath(config.out);
  const unfinished = fs.existsSync(journal);
  const finished = !unfinished && fs.existsSync(config.out);
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
    return undefined; // nothing to resume: a normal first run
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
 * Every file a run writes must be distinct, must not be the input, and must go to an existing,
 * writable folder: found out here, before anything is sent, not as an internal error mid-run.
 */
export function checkOutputPaths(config: RunConfig): void {
  const outputs: [string, string][] = [["--out", config.out]];
  if (config.command === "run") {
    outputs.push(
      ["--failed-out", config.failedOut],
      ["--log-file", config.logFile],
      ["the journal", `${config.out}.journal`],
    );
  }
  const input = config.input;
  const seen = new Map<string, string>([[path.resolve(input), "the input file"]]);
  for (const [what, file] of outputs) {
    const abs = path.resolve(file);
    const clash = seen.get(abs) ?? seen.get(`${abs}.tmp`);
    if (clash) throw new UsageError(`${what} (${file}) must not be the same file as ${clash}`);
    seen.set(abs, what);
    const dir = path.dirname(abs);
    try {
      // Creating a file is the only test that holds for read-only mounts and for root.
      const probe = path.join(dir, `.mca-confirm-write-check-${process.pid}`);
      fs.writeFileSync(probe, "");
      fs.rmSync(probe);
    } catch {
      throw new UsageError(`${what} (${file}): the folder ${dir} does not exist or is not writable`);
    }
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory())
      throw new UsageError(`${what} (${file}) is a folder`);
  }
}
