import fs from "node:fs";
import nodePath from "node:path";
import { once } from "node:events";
import { finished } from "node:stream";
import { createTempFile, replaceFile } from "../replace-file.js";
import { trackTempFile } from "../temp-files.js";
import { csvText } from "./csv-text.js";

/**
 * A CSV file written to a temporary file beside `path` (an unpredictable name, created
 * exclusively: docs/cli.md "Runs") and renamed into place on commit, so a
 * crash never leaves a half-written file under the real name.
 */
export interface AtomicCsv {
  /** True when write() is done with the record's array once it returns: the caller may reuse it. */
  readonly copiesRecords?: boolean;
  /** Write one record; resolves at once unless the disk is behind (backpressure). */
  write(record: readonly string[]): Promise<void> | undefined;
  /** Flush, fsync, rename to the final path. */
  commit(): Promise<void>;
  /** Remove the temporary file (the final path is left untouched). */
  discard(): void;
}

export interface CsvFormat {
  readonly delimiter?: string;
  readonly bom?: boolean;
}

/** A finished temporary file onto its final path: its data on disk first, then the rename. */
export async function publishFile(tmp: string, path: string): Promise<void> {
  const fd = fs.openSync(tmp, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  await replaceFile(tmp, path);
  syncDir(path);
}

/** Makes a rename durable (POSIX); directories cannot be opened this way on Windows. */
function syncDir(file: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(nodePath.dirname(nodePath.resolve(file)), "r");
    fs.fsyncSync(fd);
  } catch {
    // best effort: a kill -9 cannot lose a rename anyway, only a power cut could
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const WRITE_BUFFER = 1 << 20;
/**
 * Records turned into CSV text at once and written as one chunk: a stream stage per record
 * (stringifier → file) costs more than the quoting itself on a file of hundreds of thousands
 * of rows. The file is a temporary one until commit, so records held here lose nothing.
 */
const BATCH_RECORDS = 256;

export function createAtomicCsv(path: string, header: readonly string[], format: CsvFormat = {}): AtomicCsv {
  // Opened synchronously, so discard() right after creation really removes the file. A large
  // buffer: with the default 16 KB a fast producer (validate) waits for the disk every hundred
  // rows or so.
  const { tmp, fd } = createTempFile(path);
  const file = fs.createWriteStream(tmp, { fd, highWaterMark: WRITE_BUFFER });
  const forget = trackTempFile(tmp);
  const toText = csvText({ delimiter: format.delimiter ?? ",", bom: format.bom ?? false });
  let batch: (readonly string[])[] = [header];
  let failure: Error | undefined;
  let draining: Promise<void> | undefined;
  // A failing file (disk full, quota) must fail the writer, not leave it waiting for a 'drain'
  // that never comes (the run would then just stop).
  const done = new Promise<void>((resolve) =>
    finished(file, (err) => {
      if (err) failure ??= err;
      resolve();
    }),
  );

  /** Writes the batch; false when the file's buffer is full. */
  function writeBatch(): boolean {
    if (batch.length === 0) return true;
    const text = toText(batch);
    batch = [];
    return file.write(text);
  }

  return {
    write(record) {
      if (failure) throw failure;
      batch.push(record);
      if (batch.length < BATCH_RECORDS || (writeBatch() && !draining)) return draining;
      // One shared wait however many callers hit a full buffer; it fails with the file.
      if (!draining) {
        draining = Promise.race([
          once(file, "drain"),
          done.then(() => Promise.reject(failure ?? new Error("file closed"))),
        ]).then(() => {
          draining = undefined;
        });
        // Callers may drop a wait (a newer one replaces it); the failure still reaches them
        // through the next write() or commit(), so a dropped one must not crash the process.
        draining.catch(() => {});
      }
      return draining;
    },
    async commit() {
      if (failure) throw failure;
      writeBatch();
      file.end();
      await done;
      if (failure) throw failure;
      await publishFile(tmp, path);
      forget();
    },
    discard() {
      file.destroy();
      fs.rmSync(tmp, { force: true });
      forget();
    },
  };
}
