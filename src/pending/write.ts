// The pending file: written like the results file (temporary file renamed on commit, cells a
// spreadsheet would run as formulas written behind a `'`, which the input reader removes again),
// so that the file opens harmlessly and `run` reads back exactly what the API said.

import { escapeFormula } from "../input/escape.js";
import { createAtomicCsv } from "../output/atomic-csv.js";
import { PENDING_COLUMNS, type PendingRow } from "./select.js";

export interface PendingWriter {
  /** Resolves at once unless the disk is behind (backpressure). */
  write(row: PendingRow): Promise<void> | undefined;
  commit(): Promise<void>;
  discard(): void;
}

export function createPendingWriter(path: string): PendingWriter {
  const file = createAtomicCsv(path, PENDING_COLUMNS);
  return {
    write: (row) => file.write(PENDING_COLUMNS.map((column) => escapeFormula(row[column]))),
    commit: () => file.commit(),
    discard: () => file.discard(),
  };
}

/**
 * Rows are written in list order although lookups finish in any order: a finished lookup waits
 * here until those before it are written. The window keeps the span held bounded.
 */
export interface OrderedRows {
  put(position: number, row: PendingRow | undefined): void;
  /** The next position to write: every earlier one is on its way to disk. */
  readonly next: number;
  /** Resolves when the file has taken what was given (backpressure). */
  drained(): Promise<void>;
}

export function createOrderedRows(writer: PendingWriter): OrderedRows {
  const held = new Map<number, PendingRow | undefined>();
  let next = 1;
  let drain: Promise<void> | undefined;
  return {
    put(position, row) {
      held.set(position, row);
      while (held.has(next)) {
        const ready = held.get(next);
        held.delete(next);
        next++;
        if (ready) drain = writer.write(ready) ?? drain;
      }
    },
    get next() {
      return next;
    },
    async drained() {
      const waiting = drain;
      drain = undefined;
      await waiting;
    },
  };
}
