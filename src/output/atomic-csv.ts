import fs from "node:fs";
import nodePath from "node:path";
import { once } from "node:events";
import { stringify, type Stringifier } from "csv-stringify";

/**
 * A CSV file written to `<path>.tmp` and renamed into place on commit, so a crash never
 * leaves a half-written file under the real name.
 */
export interface AtomicCsv {
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

export function createAtomicCsv(path: string, header: readonly string[], format: CsvFormat = {}): AtomicCsv {
  const tmp = `${path}.tmp`;
  // Opened synchronously, so discard() right after creation really removes the file.
  const file = fs.createWriteStream(tmp, { fd: fs.openSync(tmp, "w", 0o600) });
  const csv: Stringifier = stringify({ record_delimiter: "\n", delimiter: format.delimiter ?? ",", bom: format.bom ?? false });
  csv.pipe(file);
  csv.write(header as string[]);
  let failure: Error | undefined;
  let draining: Promise<void> | undefined;
  const onError = (e: Error) => (failure ??= e);
  file.on("error", onError);
  csv.on("error", onError);

  return {
    write(record) {
      if (failure) throw failure;
      if (csv.write(record as string[]) && !draining) return undefined;
      // One shared wait however many callers hit a full buffer.
      return (draining ??= once(csv, "drain").then(() => {
        draining = undefined;
      }));
    },
    async commit() {
      csv.end();
      if (!file.closed) await once(file, "close");
      if (failure) throw failure;
      const fd = fs.openSync(tmp, "r");
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path);
      syncDir(path);
    },
    discard() {
      csv.destroy();
      file.destroy();
      fs.rmSync(tmp, { force: true });
    },
  };
}
