// Reading back a results (or validation, failed, final) file this tool wrote: its header, and
// its records one at a time, so a long chain never holds a whole results file in memory.
import { createReadStream } from "node:fs";
import { parse, type CsvError } from "csv-parse";
import { InputFileError } from "../errors.js";
import { matchHeader } from "../input/headers.js";
import { sniffCsvFormat, type InputHeader } from "../input/read.js";
import { unescapeFormula } from "../input/escape.js";
import type { Field } from "../types.js";

export interface ResultsFile {
  readonly file: string;
  readonly header: readonly string[];
  readonly delimiter: InputHeader["delimiter"];
  readonly bom: boolean;
  /** Column index of a result column; -1 when the file has none of that name. */
  column(name: string): number;
  /** Column index of an input field (customer id, contact values), as a run would match it. */
  readonly fieldColumn: Readonly<Partial<Record<Field, number>>>;
  /** Data records with the physical line each starts on; may be iterated once. */
  records(): AsyncIterable<{ readonly line: number; readonly cells: readonly string[] }>;
}

/** A cell as the run read it: trimmed, with the formula escaping of the results file undone. */
export function cellValue(cells: readonly string[], index: number | undefined): string {
  if (index === undefined || index < 0) return "";
  return unescapeFormula(cells[index] ?? "").trim();
}

function parser(file: string, delimiter: string) {
  return createReadStream(file).pipe(
    parse({
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }),
  ) as AsyncIterable<{ record: string[]; info: { lines: number } }>;
}

function wrap(file: string, err: unknown): unknown {
  if (err instanceof InputFileError) return err;
  const e = err as Partial<CsvError> & { lines?: number };
  return new InputFileError(file, `cannot be read as CSV (${e.code ?? String(err)})`, e.lines);
}

/** The header cells of any CSV file (an input, a results file), trimmed and formula escaping undone. */
export async function readHeader(file: string): Promise<string[]> {
  const { delimiter } = await sniffCsvFormat(file);
  try {
    for await (const { record } of parser(file, delimiter))
      return record.map((h) => unescapeFormula(h).trim());
  } catch (err) {
    throw wrap(file, err);
  }
  return [];
}

/**
 * Opens a results file. Result columns are found by their last occurrence: the tool appends
 * them after the input's own columns, which may hold a CRM's own "status" column.
 */
export async function openResultsFile(file: string, map?: ReadonlyMap<string, Field>): Promise<ResultsFile> {
  const { delimiter, bom } = await sniffCsvFormat(file);
  let header: string[] | undefined;
  try {
    for await (const { record } of parser(file, delimiter)) {
      header = record;
      break;
    }
  } catch (err) {
    throw wrap(file, err);
  }
  if (!header) throw new InputFileError(file, "the file is empty: it has no header line", 1);
  const names = header.map((h) => unescapeFormula(h).trim());
  const column = (name: string) => names.lastIndexOf(name);
  if (column("rowNumber") < 0 || column("status") < 0)
    throw new InputFileError(
      file,
      "this is not a results file of mca-confirm (it has no rowNumber and status columns)",
      1,
    );
  let used = false;
  return {
    file,
    header,
    delimiter,
    bom,
    column,
    fieldColumn: matchHeader(names, map).fieldColumn,
    records: () => {
      if (used) throw new Error("ResultsFile.records() may be called once");
      used = true;
      return (async function* () {
        let first = true;
        try {
          for await (const { record, info } of parser(file, delimiter)) {
            if (first) {
              first = false;
              continue;
            }
            yield { line: info.lines, cells: record };
          }
        } catch (err) {
          throw wrap(file, err);
        }
      })();
    },
  };
}
