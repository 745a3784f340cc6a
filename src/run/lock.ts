import fs from "node:fs";
import os from "node:os";
import { UsageError } from "../errors.js";
import { createExclusive, openForReading } from "../replace-file.js";

/**
 * `<file>.lock` beside every file a run writes (results, failed file, log; the journal sits
 * beside the results and goes with its lock). Two runs writing the same file (two schedulers,
 * a retry started by hand, two inputs sharing one --failed-out) would replace each other's
 * journal, send rows twice or destroy each other's failed file.
 *
 * The lock records the pid, the process's start time and the host. A lock whose process is
 * gone (kill -9, a crash) is stale and taken over; so is one whose pid now belongs to another
 * process (pids are reused, after a reboot within minutes): its start time differs.
 */
interface Owner {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22), when known. */
  readonly start?: string;
  readonly host?: string;
}

/** The start time of a process as Linux records it; undefined where /proc does not exist. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(lock: string): Owner | undefined {
  let text: string;
  try {
    // A symbolic link planted at the lock's name is not read through: it is stale, and removed.
    const fd = openForReading(lock);
    try {
      text = fs.readFileSync(fd, "utf8").trim();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o === "number") return { pid: o };
    if (typeof o.pid === "number") return { pid: o.pid, start: o.start, host: o.host };
  } catch {
    // an older lock holds the pid alone
  }
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 ? { pid } : undefined;
}

/** Whether the run that wrote the lock may still be writing. */
function held(owner: Owner | undefined): owner is Owner {
  if (!owner) return false;
  // Another machine sharing the folder: its processes cannot be checked from here.
  if (owner.host !== undefined && owner.host !== os.hostname()) return true;
  if (!alive(owner.pid)) return false;
  const start = owner.start === undefined ? undefined : processStart(owner.pid);
  return start === undefined || start === owner.start;
}

/** The lock of a file a run writes. */
export function lockPathFor(file: string): string {
  return `${file}.lock`;
}

function lockOne(file: string, me: string): () => void {
  const lock = lockPathFor(file);
  // Bounded: at most one stale lock is removed before trying again.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // O_EXCL: fails on any name already there, a symbolic link included, even for root.
      createExclusive(lock, me);
      return () => fs.rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = readOwner(lock);
      if (held(owner)) {
        const where = owner.host && owner.host !== os.hostname() ? ` on ${owner.host}` : "";
        throw new UsageError(
          `another run (process ${owner.pid}${where}) is writing ${file}; wait for it to end, or write elsewhere ` +
            `(--out, --failed-out, --log-file). If no run is writing it, delete ${lock} and start again.`,
        );
      }
      fs.rmSync(lock, { force: true });
    }
  }
  throw new UsageError(`${lock} could not be created; if no run is writing ${file}, delete ${lock}`);
}

/**
 * Locks every file in `files` or none (a refusal releases those already taken). Returns the
 * release function; it also runs when the process exits.
 */
export function lockOutputs(files: string | readonly string[]): () => void {
  const me = `${JSON.stringify({ pid: process.pid, start: processStart(process.pid), host: os.hostname() })}\n`;
  const releases: (() => void)[] = [];
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    for (const r of releases.splice(0).reverse()) r();
  };
  try {
    for (const file of new Set(typeof files === "string" ? [files] : files)) releases.push(lockOne(file, me));
  } catch (err) {
    release();
    throw err;
  }
  process.on("exit", release);
  return release;
}
