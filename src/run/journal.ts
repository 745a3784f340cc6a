import fs from "node:fs";
import type { Outcome } from "../types.js";

// The journal is an append-only JSON-lines file beside the results file: the durable record
// of a run, from which --resume rebuilds everything after a crash.
//   {"v":1,"fingerprint":…}                     first line: which input this run belongs to
//   {"r":12,"q":"<MS-RequestId>","c":"<MS-CorrelationId>"}   written BEFORE a request is sent
//   {"r":12,"o":{…outcome…}}                    written when the row's outcome is known
// Intent lines go to the OS at once (a kill -9 cannot lose them), so a resumed run re-sends
// the same MS-RequestId and the API answers a request it already committed from its
// idempotency record instead of recording the confirmation twice. Outcomes are batched and
// flushed every FLUSH_MS: a crash loses at most those, and their rows are sent again under
// their recorded request ids. No contact data is ever written here.

const FLUSH_MS = 100;
const FLUSH_LINES = 256;

export interface JournalHeader {
  readonly v: 1;
  readonly fingerprint: string;
  readonly input: string;
  readonly startedAt: string;
}

export interface JournalState {
  readonly header: JournalHeader;
  /** Finished rows: their outcome, kept as the JSON text to stay small. */
  readonly outcomes: Map<number, string>;
  /** The last request ids recorded for each row that may have been sent. */
  readonly intents: Map<number, { requestId: string; correlationId: string }>;
}

export interface Journal {
  intent(rowNumber: number, requestId: string, correlationId: string): void;
  outcome(o: Outcome): void;
  /** Write what is buffered, synchronously (also used on a second Ctrl-C). */
  flush(): void;
  close(): void;
}

export function journalPath(out: string): string {
  return `${out}.journal`;
}

export function readJournal(path: string): JournalState | undefined {
  if (!fs.existsSync(path)) return undefined;
  const lines = fs.readFileSync(path, "utf8").split("\n");
  let header: JournalHeader | undefined;
  const outcomes = new Map<number, string>();
  const intents = new Map<number, { requestId: string; correlationId: string }>();
  for (const line of lines) {
    if (line.trim() === "") continue;
    let rec: { v?: 1; r?: number; q?: string; c?: string; o?: Outcome };
    try {
      rec = JSON.parse(line);
    } catch {
      continue; // the last line may be cut short by a crash
    }
    if (rec.v === 1 && header === undefined) header = rec as unknown as JournalHeader;
    else if (typeof rec.r === "number" && rec.o) outcomes.set(rec.r, JSON.stringify(rec.o));
    else if (typeof rec.r === "number" && rec.q && rec.c) intents.set(rec.r, { requestId: rec.q, correlationId: rec.c });
  }
  return header ? { header, outcomes, intents } : undefined;
}

/** Opens the journal for appending; `header` starts a new one. */
export function openJournal(path: string, header?: JournalHeader): Journal {
  const fd = fs.openSync(path, header ? "w" : "a", 0o600);
  if (header) {
    fs.writeSync(fd, `${JSON.stringify(header)}\n`);
    fs.fsyncSync(fd);
  }
  let buffer: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0 || closed) return;
    const text = buffer.join("");
    buffer = [];
    fs.writeSync(fd, text);
  }

  return {
    intent(r, q, c) {
      if (closed) return;
      flush(); // keep lines in order
      fs.writeSync(fd, `${JSON.stringify({ r, q, c })}\n`);
    },
    outcome(o) {
      if (closed) return;
      buffer.push(`${JSON.stringify({ r: o.rowNumber, o })}\n`);
      if (buffer.length >= FLUSH_LINES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
    close() {
      if (closed) return;
      flush();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      closed = true;
    },
  };
}
