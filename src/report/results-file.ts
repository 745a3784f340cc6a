// Reading back a results (or validation, failed, final) file this tool wrote: its header, and
// its records one at a time, so a long chain never holds a whole results file in memory.
import { InputFileError } from "../errors.js";
import { openCsvRecords, type CsvRecord } from "../input/csv-records.js";
import { matchHeader } from "../input/headers.js";
import { unescapeFormula } from "../input/escape.js";
import type { Delimiter } from "../input/sniff.js";
import type { Field } from "../types.js";

export interface ResultsFile {
  readonly file: string;
  readonly header: readonly string[];
  readonly delimiter: Delimiter;
  readonly bom: boolean;
  /** Column index of a result column; -1 when the file has none of that name. */
  column(name: string): number;
  /** Column index of an input field (customer id, contact values), as a run would match it. */
  readonly fieldColumn: Readonly<Partial<Record<Field, number>>>;
  /** Data records with their line (where each ends, as csv-parse counts); may be iterated once. */
  records(): AsyncIterable<CsvRecord>;
}

/** A cell as the run read it: trimmed, with the formula escaping of the results file undone. */
export function cellValue(cells: readonly string[], index: number | undefined): string {
  if (index === undefined || index < 0) return "";
  return unescapeFormula(cells[index] ?? "").trim();
}

/** The header cells of any CSV file (an input, a results file), trimmed and formula escaping undone. */
export async function readHeader(file: string): Promise<string[]> {
  const { header } = await openCsvRecords(file);
  return header.map((h) => unescapeFormula(h).trim());
}

/**
 * Opens a results file. Result columns are found by their last occurrence: the tool appends
 * them after the input's own columns, which may hold a CRM's own "status" column.
 */
export async function openResultsFile(file: string, map?: ReadonlyMap<string, Field>): Promise<ResultsFile> {
  const { delimiter, bom, header, records } = await openCsvRecords(file);
  if (header.length === 0) throw new InputFileError(file, "the file is empty: it has no header line", 1);
  const names = header.map((h) => unescapeFormula(h).trim());
  const column = (name: string) => names.lastIndexOf(name);
  if (column("rowNumber") < 0 || column("status") < 0)
    throw new InputFileError(
      file,
      "this is not a results file of mca-confirm (it has no rowNumber and status columns)",
      1,
    );
  return {
    file,
    header,
    delimiter,
    bom,
    column,
    fieldColumn: matchHeader(names, map).fieldColumn,
    records,
  };
}
