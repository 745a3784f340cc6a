// What is wrong with an input file, in the user's words: each message names the file and the
// line (and the data row) to look at, and never quotes a cell (contact data). The problems of
// one pass are gathered by problems.ts.
import { InputFileError } from "../errors.js";
import type { Field } from "../types.js";
import type { CsvParseError } from "./csv-parse-driver.js";
import { MAX_COLUMNS, MAX_LINE_BYTES, MAX_RECORD_CHARS, SNIFF_BYTES } from "./limits.js";
import { crlfInside, lineBreaks } from "./line-count.js";

export const emptyFile = (file: string): InputFileError =>
  new InputFileError(file, "the file is empty: it has no header line", 1);

export function notUtf8(file: string, line: number, byte: number): InputFileError {
  return new InputFileError(
    file,
    `the file is not UTF-8 text (byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} on this line); save it as CSV UTF-8`,
    line,
  );
}

export function lineTooLong(file: string, line: number, bytes: number): InputFileError {
  return new InputFileError(
    file,
    `line ${line} is ${bytes.toLocaleString("en-US")} bytes long; no line may be longer than ` +
      `${MAX_LINE_BYTES.toLocaleString("en-US")} (a cell that long is no acceptance data: check the file, or that it is the right one)`,
    line,
  );
}

export function headerTooLong(file: string, line: number): InputFileError {
  return new InputFileError(
    file,
    `the header line is longer than ${SNIFF_BYTES / 1024} KiB; a header names the columns of acceptance data ` +
      `(about seven): check that this is the right file`,
    line,
  );
}

export function tooManyColumns(file: string, line: number, columns: number): InputFileError {
  return new InputFileError(
    file,
    `the header line has ${columns.toLocaleString("en-US")} columns; at most ${MAX_COLUMNS.toLocaleString("en-US")} are read ` +
      `(an acceptance file needs about seven): check that this is the right file, or remove the columns not needed`,
    line,
  );
}

/** A file that cannot be opened for reading, in words (not errno codes). */
export function unreadable(file: string, err: unknown): InputFileError {
  return new InputFileError(file, describeFsError(err), undefined, undefined, { cause: err });
}

function describeFsError(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied: the file cannot be read";
    case "EISDIR":
      return "this is a directory, not a file";
    default:
      return `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

const list = (record: readonly string[]): string => record.map((h) => `"${h}"`).join(", ");

export function columnConflict(file: string, line: number, [field, a, b]: readonly [Field, string, string]) {
  return new InputFileError(
    file,
    `columns "${a}" and "${b}" both match the field ${field}; rename one or use --map`,
    line,
  );
}

export function unusedMap(file: string, line: number, unused: readonly string[], record: readonly string[]) {
  return new InputFileError(
    file,
    `--map names ${unused.map((h) => `"${h}"`).join(", ")} (normalized) but the header has no such column; headers found: ${list(record)}`,
    line,
  );
}

export function missingColumns(
  file: string,
  line: number,
  missing: readonly string[],
  record: readonly string[],
): InputFileError {
  return new InputFileError(
    file,
    `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; headers found: ${list(record)}` +
      `; if a column has another name, map it, e.g. --map "<header>=${missing[0]}"`,
    line,
  );
}

/**
 * "row 10 (line 11)": rows count data rows as the results' rowNumber does, lines are what a
 * spreadsheet or an editor shows; a user looks for either.
 */
function rowAt(row: number | undefined, line: number | undefined): string {
  if (row === undefined) return "the header line";
  return line === undefined ? `row ${row}` : `row ${row} (line ${line})`;
}

/**
 * csv-parse's own messages quote cell values (contact data); say what is wrong in our words.
 * `drift` is the CRLFs inside quoted cells so far, which csv-parse counted as two lines each.
 */
export function csvError(
  file: string,
  err: unknown,
  recordStart: number,
  headerLength: number,
  row: number | undefined,
  drift: number,
): InputFileError {
  const e = err as CsvParseError;
  const at =
    typeof e.lines === "number" ? e.lines - drift - (e.record ? crlfInside(e.record) : 0) : undefined;
  switch (e.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return new InputFileError(
        file,
        `${rowAt(row, recordStart)}: a quoted field is never closed (the record runs to the end of the file at line ${at})`,
        recordStart,
      );
    case "CSV_MAX_RECORD_SIZE":
      return new InputFileError(
        file,
        `${rowAt(row, recordStart)} is longer than ${MAX_RECORD_CHARS} characters; probably a quoted field is never closed`,
        recordStart,
      );
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH": {
      const start = at !== undefined && e.record ? at - lineBreaks(e.record) : at;
      return new InputFileError(
        file,
        `${rowAt(row, start)} has ${e.record?.length ?? "more"} fields but the header has ${headerLength}; quote cells that contain the delimiter`,
        start,
      );
    }
    case "INVALID_OPENING_QUOTE":
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return new InputFileError(
        file,
        `${rowAt(row, at)}: invalid quoting: a quote inside a cell must be doubled ("") and the cell quoted as a whole`,
        at,
      );
    default:
      return new InputFileError(
        file,
        `cannot be read as CSV (${e.code ?? (err instanceof Error ? err.message : String(err))})`,
        at,
      );
  }
}

/** A file this tool wrote (a results file) that does not parse: csv-parse's code and line. */
export function unreadableCsv(file: string, err: unknown): InputFileError {
  const e = err as CsvParseError;
  return new InputFileError(file, `cannot be read as CSV (${e.code ?? String(err)})`, e.lines);
}

export function workbook(file: string, kind: string): InputFileError {
  return new InputFileError(
    file,
    `this is an Excel workbook (${kind}), not a CSV file. In Excel: File → Save As → ` +
      `"CSV UTF-8 (comma delimited) (*.csv)", then give that file`,
    undefined,
  );
}

export const utf16 = (file: string): InputFileError =>
  new InputFileError(file, "the file is UTF-16 encoded; save it as CSV UTF-8", 1);

export const notText = (file: string): InputFileError =>
  new InputFileError(file, "this is not a text file (it contains NUL bytes)", 1);
