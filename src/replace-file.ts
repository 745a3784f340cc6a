import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
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

export interface ReplaceOptions {
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
