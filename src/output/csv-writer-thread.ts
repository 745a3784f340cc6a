import fs from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { csvText } from "./csv-text.js";
import { unpackRecords, type PackedRecords } from "./packed-records.js";

/**
 * The thread behind createThreadedCsv (threaded-csv.ts): quotes the records it is sent with
 * csv-stringify and writes them to the temporary file the main thread opened, then says so,
 * one answer per message. The main thread keeps the file's name, commit and removal.
 */
export interface WriterSetup {
  readonly fd: number;
  readonly delimiter: string;
  readonly bom: boolean;
}

/** What the thread answers: a batch is on disk, or writing failed (the thread then stops writing). */
export type WriterAnswer =
  | { readonly written: true }
  | {
      readonly failed: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
    };

const setup = workerData as WriterSetup;
const toText = csvText({ delimiter: setup.delimiter, bom: setup.bom });
let failed = false;
/** Records unpacked and quoted at a time; see unpackRecords. */
const QUOTED_AT_ONCE = 128;

/** The whole buffer: a write to a regular file may still come back short. */
function writeAll(buffer: Buffer): void {
  for (let offset = 0; offset < buffer.length;) offset += fs.writeSync(setup.fd, buffer, offset);
}

parentPort?.on("message", (packed: PackedRecords) => {
  // After a failure the main thread stops and removes the file: nothing more goes to it.
  if (failed) return;
  let answer: WriterAnswer;
  try {
    let text = "";
    for (const records of unpackRecords(packed, QUOTED_AT_ONCE)) text += toText(records);
    writeAll(Buffer.from(text));
    answer = { written: true };
  } catch (err) {
    failed = true;
    const { message, code, errno, syscall, path } = err as NodeJS.ErrnoException;
    answer = { failed: { message, code, errno, syscall, path } };
  }
  parentPort?.postMessage(answer);
});
