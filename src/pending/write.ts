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
