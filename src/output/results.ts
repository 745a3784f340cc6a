import fs from "node:fs";
import { escapeFormula } from "../input/escape.js";
import { FAILED_STATUSES } from "../statuses.js";
import { RESULT_COLUMN_SOURCES, RESULT_COLUMNS, type Outcome, type RowFacts } from "../types.js";
import { createAtomicCsv, type AtomicCsv, type CsvFormat } from "./atomic-csv.js";
import { createThreadedCsv } from "./threaded-csv.js";

/** Counts of what was written, for the summary and the "nothing lost" check. */
export interface WrittenCounts {
  rows: number;
  failedRows: number;
  byStatus: Record<string, number>;
  byError: Map<string, { count: number; message: string }>;
  /** Skipped rows by why: `duplicate-customer`, `already-confirmed`. */
  skippedBy: Record<string, number>;
  /** Confirmed rows by how: `new-record` (the API recorded it now), `already-on-record` (600061). */
  confirmedBy: Record<string, number>;
}

/** Within `confirmed`: recorded by this request, or found on record already (docs/cli.md). */
export function confirmedHow(outcome: { errorCode?: string }): "new-record" | "already-on-record" {
  return outcome.errorCode === "600061" ? "already-on-record" : "new-record";
}

/**
 * Writes results (and the failed file) in input order although outcomes arrive in any order.
 * Only rows between the oldest unfinished one and the newest started one are held; the
 * pipeline keeps that window bounded, so memory does not grow with the file.
 */
export interface ResultsWriter {
  /** Takes a row's outcome (and what it sent); it is written once every earlier row's is. */
  put(rowNumber: number, cells: readonly string[], outcome: Outcome, facts?: RowFacts): void;
  /** Resolves once the files can take more (their buffers drained); rejects if a write failed. */
  ready(): Promise<void>;
  /** Next row number to be written: rows before it are on their way to disk. */
  readonly nextRow: number;
  /** Rows waiting for an earlier row to finish. */
  readonly held: number;
  readonly counts: WrittenCounts;
  /** Outcomes known so far per status, written or still held (for progress). */
  readonly known: Readonly<Record<string, number>>;
  commit(): Promise<void>;
  discard(): void;
}

const resultCell = (value: string | number | undefined): string =>
  value === undefined ? "" : escapeFormula(String(value));

/** The record written for a row: its input cells (escaped), then the result columns. */
function recordOf(cells: readonly string[], outcome: Outcome, facts: RowFacts, reuse?: string[]): string[] {
  // Built in place: three arrays per row (map, result cells, spread) showed in the collector's
  // share on files of hundreds of thousands of rows.
  const size = cells.length + RESULT_COLUMNS.length;
  const record = reuse ?? new Array<string>(size);
  record.length = size;
  let at = 0;
  for (const cell of cells) record[at++] = escapeFormula(cell);
  for (const column of RESULT_COLUMNS)
    record[at++] = resultCell(
      RESULT_COLUMN_SOURCES[column] === "outcome"
        ? outcome[column as keyof Outcome]
        : facts[column as keyof RowFacts],
    );
  return record;
}

/** Counts one written outcome: per status, per problem code, and skipped rows per reason. */
function tally(counts: WrittenCounts, outcome: Outcome): void {
  counts.rows++;
  counts.byStatus[outcome.status] = (counts.byStatus[outcome.status] ?? 0) + 1;
  // The summary's "most frequent problems" are those of rows that need another run (a
  // skipped duplicate is no problem). A row that ran out of attempts on answers without an
  // API code (429, 503) counts under its HTTP status.
  const codes =
    outcome.errorCode || (outcome.httpStatus !== undefined ? `HTTP ${outcome.httpStatus}` : undefined);
  if (codes && FAILED_STATUSES.has(outcome.status)) {
    for (const code of codes.split(";")) {
      const entry = counts.byError.get(code) ?? { count: 0, message: outcome.errorMessage ?? "" };
      entry.count++;
      counts.byError.set(code, entry);
    }
  }
  if (outcome.status === "skipped" && outcome.errorCode)
    counts.skippedBy[outcome.errorCode] = (counts.skippedBy[outcome.errorCode] ?? 0) + 1;
  if (outcome.status === "confirmed") {
    const how = confirmedHow(outcome);
    counts.confirmedBy[how] = (counts.confirmedBy[how] ?? 0) + 1;
  }
}

interface ResultsFiles {
  out: string;
  failedOut?: string;
  columns: readonly string[];
  /** Written like the input (delimiter, BOM), so the spreadsheet that made it opens it alike. */
  format?: CsvFormat;
  /**
   * Quote and write on a second thread (threaded-csv.ts): for a producer that keeps its own
   * thread busy (validate), not for a run, which mostly waits for the network.
   */
  thread?: boolean;
}

function emptyCounts(): WrittenCounts {
  return { rows: 0, failedRows: 0, byStatus: {}, byError: new Map(), skippedBy: {}, confirmedBy: {} };
}

export function createResultsWriter(options: ResultsFiles): ResultsWriter {
  const header = [...options.columns.map(escapeFormula), ...RESULT_COLUMNS];
  const open = options.thread ? createThreadedCsv : createAtomicCsv;
  const results: AtomicCsv = open(options.out, header, options.format);
  const failed: AtomicCsv | undefined = options.failedOut
    ? open(options.failedOut, header, options.format)
    : undefined;
  const pending = new Map<number, { cells: readonly string[]; outcome: Outcome; facts: RowFacts }>();
  const counts = emptyCounts();
  const known: Record<string, number> = {};
  let nextRow = 1;
  /** One array for every record when the files copy what they are given at once. */
  const scratch =
    results.copiesRecords && (!failed || failed.copiesRecords) ? new Array<string>() : undefined;
  /** The wait for a full buffer to drain, shared by every put() that met it. */
  let drain: Promise<void> | undefined;

  function writeOne(cells: readonly string[], outcome: Outcome, facts: RowFacts): Promise<void> | undefined {
    const record = recordOf(cells, outcome, facts, scratch);
    tally(counts, outcome);
    let wait = results.write(record);
    if (failed && FAILED_STATUSES.has(outcome.status)) {
      counts.failedRows++;
      wait = failed.write(record) ?? wait;
    }
    return wait;
  }

  return {
    put(rowNumber, cells, outcome, facts = {}) {
      if (rowNumber < nextRow || pending.has(rowNumber)) throw new Error(`row ${rowNumber} has two outcomes`);
      known[outcome.status] = (known[outcome.status] ?? 0) + 1;
      if (rowNumber === nextRow && pending.size === 0) {
        // In order, nothing held (validate, a sequential run): no detour through the map.
        drain = writeOne(cells, outcome, facts) ?? drain;
        nextRow++;
        return;
      }
      pending.set(rowNumber, { cells, outcome, facts });
      for (let held = pending.get(nextRow); held; held = pending.get(nextRow)) {
        pending.delete(nextRow);
        drain = writeOne(held.cells, held.outcome, held.facts) ?? drain;
        nextRow++;
      }
    },
    async ready() {
      const waiting = drain;
      drain = undefined;
      if (waiting) await waiting;
    },
    get nextRow() {
      return nextRow;
    },
    get held() {
      return pending.size;
    },
    counts,
    known,
    async commit() {
      if (pending.size > 0)
        throw new Error(`${pending.size} rows were never written (first: ${[...pending.keys()][0]})`);
      await results.commit();
      if (counts.failedRows > 0) await failed?.commit();
      else if (failed) {
        // No row needs work: no header-only failed file (docs/cli.md "The results file"), and
        // none left from an interrupted phase of this same run (a resume finishing it).
        failed.discard();
        fs.rmSync(options.failedOut!, { force: true });
      }
    },
    discard() {
      results.discard();
      failed?.discard();
    },
  };
}
