import fs from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { UsageError } from "./errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * On Windows, renaming over a file that another program holds open (Excel keeps an opened CSV
 * locked; virus scanners and indexers open new files for a moment) fails with EPERM, EBUSY or
 * EACCES. The brief ones pass within a second, which is why Windows tools (graceful-fs, npm)
 * retry such renames; a file left open in Excel does not, and the user has to close it.
 */
const IN_USE_CODES = new Set(["EPERM", "EBUSY", "EACCES"]);
/** Elsewhere EPERM and EACCES mean permissions, which waiting does not change. */
const inUse = (code: string, platform: NodeJS.Platform) =>
  code === "EBUSY" || (platform === "win32" && IN_USE_CODES.has(code));
/** Five tries over about 1.5 s: enough for a scanner's look, short enough not to stall a run's end. */
const TRIES = 5;
const PAUSE_MS = 300;

/** A results file that stays locked by another program: cli.ts prints the message as it is, exit 4. */
export class FileInUseError extends Error {
  override readonly name = "FileInUseError";
  /** The run stopped with its work in the journal, as for a full disk. */
  readonly exitCode = EXIT.failure;
  constructor(
    readonly file: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${file} could not be replaced (${code}): another program, such as Excel, may have it open. Close it there, then run the same command with --resume (the journal keeps what was done).`,
      options,
    );
  }
}

interface ReplaceOptions {
  readonly rename?: (from: string, to: string) => Promise<void>;
  readonly pause?: (ms: number) => Promise<unknown>;
  readonly tries?: number;
  readonly platform?: NodeJS.Platform;
}

/** Renames `from` over `to`, retrying briefly while another program holds `to` (or `from`) open. */
export async function replaceFile(from: string, to: string, options: ReplaceOptions = {}): Promise<void> {
  const rename = options.rename ?? fs.promises.rename;
  const pause = options.pause ?? sleep;
  const tries = options.tries ?? TRIES;
  const platform = options.platform ?? process.platform;
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (!inUse(code, platform)) throw err;
      if (attempt >= tries) throw new FileInUseError(to, code, { cause: err });
      await pause(PAUSE_MS);
    }
  }
}

// Safe opening (docs/cli.md "Runs"): in a folder others can write to, a name
// the tool writes may already be a symbolic link pointing anywhere. Nothing is written through
// one: temporary files get unpredictable names and are created exclusively (O_EXCL fails on
// any existing name, a dangling link included, even for root); files appended to (log,
// journal) are opened with O_NOFOLLOW where the platform has it (not on Windows, where
// creating links takes rights an ordinary user lacks).
const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_RDONLY } = fs.constants;
/** 0 where the platform has no O_NOFOLLOW (Windows). */
export const O_NOFOLLOW: number = fs.constants.O_NOFOLLOW ?? 0;

/** A name the tool would write is a symbolic link: refused (exit 2), naming it. */
class SymlinkRefusedError extends UsageError {
  constructor(
    readonly file: string,
    hint = "remove it, or write elsewhere",
  ) {
    super(`${file} is a symbolic link; mca-confirm never writes through one: ${hint}`);
  }
}

/**
 * A symbolic link at any of `names` (option, file) is refused (exit 2), unless `replace`
 * (--overwrite): then the link itself is removed, never what it points to, and the file is
 * written new in its place.
 */
export function checkNoSymlinks(
  names: Iterable<readonly [what: string, file: string]>,
  replace: boolean,
): void {
  for (const [what, file] of names) {
    if (!isSymlink(file)) continue;
    if (!replace)
      throw new SymlinkRefusedError(
        file,
        `remove it, choose another ${what}, or use --overwrite to replace the link itself (what it points to stays untouched)`,
      );
    fs.unlinkSync(file);
  }
}

/** True when `file` itself (not what it points to) is a symbolic link. */
export function isSymlink(file: string): boolean {
  return fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
}

/** The unpredictable temporary name a file is written under before it is renamed onto `target`. */
function tempNameFor(target: string): string {
  return `${target}.${randomBytes(8).toString("hex")}.tmp`;
}

/** A new temporary file beside `target`, created exclusively with mode 0600; the name is in `tmp`. */
export function createTempFile(target: string): { tmp: string; fd: number } {
  // A clash of 64 random bits is a planted name: a second draw is for the astronomically unlucky.
  for (let attempt = 1; ; attempt++) {
    const tmp = tempNameFor(target);
    try {
      return { tmp, fd: fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 3) throw err;
    }
  }
}

/** Refuses what O_NOFOLLOW refused with ELOOP (or Windows/macOS equivalents) as a symlink. */
function noFollow<T>(file: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === "ELOOP" || code === "EMLINK" || code === "EFTYPE") && isSymlink(file))
      throw new SymlinkRefusedError(file);
    throw err;
  }
}

/** `file` opened for appending (created 0600), never through a symbolic link. */
export function openForAppend(file: string, read = false): number {
  const flags = (read ? fs.constants.O_RDWR : O_WRONLY) | O_APPEND | O_CREAT | O_NOFOLLOW;
  return noFollow(file, () => fs.openSync(file, flags, 0o600));
}

/** `file` opened for reading, never through a symbolic link. */
export function openForReading(file: string): number {
  return noFollow(file, () => fs.openSync(file, O_RDONLY | O_NOFOLLOW));
}

/** Creates `file` only if no name (not even a dangling link) is there; mode 0600. */
export function createExclusive(file: string, text: string): void {
  const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes the temporary files an earlier process left beside `target` when it was killed
 * (kill -9, power cut): names tempNameFor gives, regular files only. Called with the lock on
 * `target` held, so no running process is writing them.
 */
export function removeStaleTemps(target: string): void {
  const dir = path.dirname(path.resolve(target));
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !/^\.[0-9a-f]{16}\.tmp$/.test(name.slice(base.length))) continue;
    const file = path.join(dir, name);
    if (fs.lstatSync(file, { throwIfNoEntry: false })?.isFile()) fs.rmSync(file, { force: true });
  }
}
