import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { writeWaitingLogLines } from "../log.js";
import { createTempFile, openForAppend, openForReading } from "../replace-file.js";
import type { Outcome } from "../types.js";
import { RecordedOutcomes } from "./recorded.js";

// The journal is an append-only JSON-lines file beside the results file: the durable record
// of a run, from which --resume rebuilds everything after a crash.
//   {"v":1,"fingerprint":…}                     first line: which input this run belongs to
//   {"r":12,"q":"<MS-RequestId>","c":"<MS-CorrelationId>"}   written BEFORE a request is sent
//   {"r":12,"o":{…outcome…}}                    written when the row's outcome is known
// An intent line reaches the OS before its request goes out (a kill -9 cannot lose it), so a
// resumed run re-sends the same MS-RequestId and the API answers a request it already
// committed from its idempotency record instead of recording the confirmation twice. The
// intents of one turn of the event loop go out in one write, together with the outcomes
// buffered since the last one: about one write per row in the steady state, not two. Outcomes
// wait at most FLUSH_MS: a crash loses at most those, and their rows are sent again under
// their recorded request ids. No contact data is ever written here.

const FLUSH_MS = 100;
const SYNC_MS = 1_000;
const FLUSH_LINES = 256;
const READ_CHUNK = 1 << 20;

export interface JournalHeader {
  readonly v: 1;
  readonly fingerprint: string;
  readonly input: string;
  readonly startedAt: string;
  /** The options that decide what each row sends: a resumed run must use the same. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface JournalState {
  readonly header: JournalHeader;
  /** Finished rows and their outcome (packed: a 500k-row resume stays small). */
  readonly outcomes: RecordedOutcomes;
  /** The last request id recorded for each row that may have been sent and has no outcome. */
  readonly intents: Map<number, { requestId: string; correlationId: string }>;
}

export interface Journal {
  /** Records that a request may be sent; it may go once this resolves (the line is with the OS). */
  intent(rowNumber: number, requestId: string, correlationId: string): Promise<void>;
  /** Requests this run recorded as possibly sent; 0 means the API has seen nothing from it. */
  readonly intents: number;
  outcome(o: Outcome): void;
  /** Write what is buffered, synchronously (also used on a second Ctrl-C). */
  flush(): void;
  close(): void;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export function journalPath(out: string): string {
  return `${out}.journal`;
}

/** Calls `each` for every line of the file, reading it in chunks (a journal of a large run is hundreds of MB: docs/performance.md). */
function forEachLine(path: string, each: (line: string) => void): void {
  const fd = openForReading(path);
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    const decoder = new StringDecoder("utf8"); // keeps a UTF-8 sequence cut by a chunk edge whole
    let rest = "";
    for (;;) {
      const bytesRead = fs.readSync(fd, buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const text = rest + decoder.write(buf.subarray(0, bytesRead));
      const lines = text.split("\n");
      rest = lines.pop()!;
      for (const line of lines) each(line);
    }
    rest += decoder.end();
    if (rest !== "") each(rest);
  } finally {
    fs.closeSync(fd);
  }
}

export function readJournal(path: string): JournalState | undefined {
  if (!fs.existsSync(path)) return undefined;
  let header: JournalHeader | undefined;
  const outcomes = new RecordedOutcomes();
  const intents = new Map<number, { requestId: string; correlationId: string }>();
  forEachLine(path, (line) => {
    if (line.trim() === "") return;
    let rec: { v?: 1; r?: number; q?: string; c?: string; o?: Outcome };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      return; // a line cut short by a crash (openJournal ends it before appending)
    }
    if (rec.v === 1 && header === undefined) header = rec as unknown as JournalHeader;
    else if (typeof rec.r === "number" && rec.o) {
      outcomes.set({ ...rec.o, rowNumber: rec.r });
      intents.delete(rec.r); // finished: its request id is never needed again
    } else if (typeof rec.r === "number" && rec.q && rec.c && !outcomes.has(rec.r)) {
      intents.set(rec.r, { requestId: rec.q, correlationId: rec.c });
    }
  });
  return header ? { header, outcomes, intents } : undefined;
}

function createJournalFile(path: string, header: JournalHeader): void {
  const { tmp, fd: tmpFd } = createTempFile(path);
  try {
    fs.writeSync(tmpFd, `${JSON.stringify(header)}\n`);
    fs.fsyncSync(tmpFd);
  } finally {
    fs.closeSync(tmpFd);
  }
  fs.renameSync(tmp, path);
}

/**
 * Written lines reach the OS at once (safe from kill -9); once a second they are also pushed
 * to the disk, in the background, so a power cut loses at most about a second.
 */
function syncInBackground(fd: number, closed: () => boolean): NodeJS.Timeout {
  let syncing = false;
  const timer = setInterval(() => {
    if (closed() || syncing) return;
    syncing = true;
    fs.fdatasync(fd, () => (syncing = false));
  }, SYNC_MS);
  timer.unref();
  return timer;
}

/** The journal's descriptor for appending, after ending a line a crash cut short. */
function openForAppending(path: string): number {
  // Never through a symbolic link (docs/cli.md "Runs").
  const fd = openForAppend(path, true);
  const size = fs.fstatSync(fd).size;
  if (size > 0) {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) fs.writeSync(fd, "\n");
  }
  return fd;
}

/**
 * Opens the journal for appending; `header` starts a new one. A new journal appears under its
 * name only with its header in it (temp file + rename), so a crash never leaves one that
 * --resume cannot read. Appending to an old one first ends a line a crash cut short:
 * otherwise the next line would be glued to it and lost with it.
 */
export function openJournal(path: string, header?: JournalHeader): Journal {
  if (header) createJournalFile(path, header);
  const fd = openForAppending(path);
  let buffer: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const sync = syncInBackground(fd, () => closed);

  let failure: unknown;
  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (failure) throw failure;
    if (buffer.length === 0 || closed) return;
    const text = buffer.join("");
    buffer = [];
    fs.writeSync(fd, text);
  }
  /** From the timer: a write error (disk full) is kept and thrown to the next caller. */
  function flushLater(): void {
    try {
      flush();
    } catch (err) {
      failure ??= err;
    }
  }

  let intents = 0;
  /** The write that takes the intents buffered in this turn of the event loop. */
  let batch: Promise<void> | undefined;
  const writeBatch = () =>
    new Promise<void>((resolve, reject) =>
      // setImmediate: after every answer of this turn has started its next request.
      setImmediate(() => {
        batch = undefined;
        // The log lines of the answers before these requests go first.
        writeWaitingLogLines();
        try {
          flush();
          resolve();
        } catch (err) {
          failure ??= err;
          reject(asError(err));
        }
      }),
    );
  return {
    get intents() {
      return intents;
    },
    intent(rowNumber, requestId, correlationId) {
      if (closed) return Promise.resolve();
      if (failure) return Promise.reject(asError(failure));
      intents++;
      // Behind the outcomes already buffered: lines stay in order.
      buffer.push(
        `{"r":${rowNumber},"q":${JSON.stringify(requestId)},"c":${JSON.stringify(correlationId)}}\n`,
      );
      return (batch ??= writeBatch());
    },
    outcome(outcome) {
      if (closed) return;
      buffer.push(`${JSON.stringify({ r: outcome.rowNumber, o: outcome })}\n`);
      if (buffer.length >= FLUSH_LINES) flush();
      else timer ??= setTimeout(flushLater, FLUSH_MS);
    },
    flush,
    close() {
      if (closed) return;
      clearInterval(sync);
      flush();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      closed = true;
    },
  };
}
