import { escapeFormula } from "../input/escape.js";
import { FAILED_STATUSES, RESULT_COLUMNS, type Outcome } from "../types.js";
import { createAtomicCsv, type AtomicCsv, type CsvFormat } from "./atomic-csv.js";

/** Counts of what was written, for the summary and the "nothing lost" check. */
export interface WrittenCounts {
  rows: number;
  failedRows: number;
  byStatus: Record<string, number>;
  byError: Map<string, { count: number; message: string }>;
}

/**
 * Writes results (and the failed file) in input order although outcomes arrive in any order.
 * Only rows between the oldest unfinished one and the newest started one are held; the
 * pipeline keeps that window bounded, so memory does not grow with the file.
 */
export interface ResultsWriter {
  put(rowNumber: number, cells: readonly string[], outcome: Outcome): Promise<void> | undefined;
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

function cellsOf(o: Outcome): string[] {
  const v = (x: string | number | undefined) => (x === undefined ? "" : escapeFormula(String(x)));
  return [
    String(o.rowNumber),
    o.status,
    v(o.userId),
    v(o.httpStatus),
    v(o.errorCode),
    v(o.errorMessage),
    String(o.attempts),
    v(o.requestId),
    v(o.correlationId),
    v(o.completedAt),
  ];
}

export function createResultsWriter(options: {
  out: string;
  failedOut?: string;
  columns: readonly string[];
  /** Written like the input (delimiter, BOM), so the spreadsheet that made it opens it alike. */
  format?: CsvFormat;
}): ResultsWriter {
  const header = [...options.columns.map(escapeFormula), ...RESULT_COLUMNS];
  const results: AtomicCsv = createAtomicCsv(options.out, header, options.format);
  const failed: AtomicCsv | undefined = options.failedOut
    ? createAtomicCsv(options.failedOut, header, options.format)
    : undefined;
  const pending = new Map<number, { cells: readonly string[]; outcome: Outcome }>();
  const counts: WrittenCounts = { rows: 0, failedRows: 0, byStatus: {}, byError: new Map() };
  const known: Record<string, number> = {};
  let nextRow = 1;

  function writeOne(cells: readonly string[], o: Outcome): Promise<void> | undefined {
    const record = [...cells.map(escapeFormula), ...cellsOf(o)];
    counts.rows++;
    counts.byStatus[o.status] = (counts.byStatus[o.status] ?? 0) + 1;
    // The summary's "most frequent problems" are those of rows that need another run (a
    // skipped duplicate is no problem). A row that ran out of attempts on answers without an
    // API code (429, 503) counts under its HTTP status.
    const codes = o.errorCode || (o.httpStatus !== undefined ? `HTTP ${o.httpStatus}` : undefined);
    if (codes && FAILED_STATUSES.has(o.status)) {
      for (const code of codes.split(";")) {
        const e = counts.byError.get(code) ?? { count: 0, message: o.errorMessage ?? "" };
        e.count++;
        counts.byError.set(code, e);
      }
    }
    let wait = results.write(record);
    if (failed && FAILED_STATUSES.has(o.status)) {
      counts.failedRows++;
      wait = failed.write(record) ?? wait;
    }
    return wait;
  }

  return {
    put(rowNumber, cells, outcome) {
      if (rowNumber < nextRow || pending.has(rowNumber)) throw new Error(`row ${rowNumber} has two outcomes`);
      pending.set(rowNumber, { cells, outcome });
      known[outcome.status] = (known[outcome.status] ?? 0) + 1;
      let wait: Promise<void> | undefined;
      for (let p = pending.get(nextRow); p; p = pending.get(nextRow)) {
        pending.delete(nextRow);
        wait = writeOne(p.cells, p.outcome) ?? wait;
        nextRow++;
      }
      return wait;
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
      await failed?.commit();
    },
    discard() {
      results.discard();
      failed?.discard();
    },
  };
}
