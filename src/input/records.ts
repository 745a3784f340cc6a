// Records to rows: each record csv-parse completes becomes an InputRow with its number, the
// line it starts on, the cells kept and its fields; a broken record becomes a problem with its
// row and line. The first record is the header (header-line.ts).
import { InputFileError } from "../errors.js";
import type { Field, InputRow } from "../types.js";
import type { CsvParseError, ParsePosition } from "./csv-parse-driver.js";
import { isAttested, type DateAgreedPlan } from "./bulk-tool.js";
import { unescapeFormula } from "./escape.js";
import { readHeader, type HeaderOptions, type InputHeader } from "./header-line.js";
import { crlfInside, emptyLinesSince, lineBreaks } from "./line-count.js";
import { csvError } from "./messages.js";
import { StructureProblems } from "./problems.js";

/** The parse state the parser's callbacks (on_skip, rows) share while the file streams. */
export class RecordReader {
  header: InputHeader | undefined;
  private keep: readonly number[] = [];
  private keepsAll = false; // keep is every column in order: the record is the cells
  private fieldPos: [Field, number][] = []; // field → index into the record
  private sourceRowAt = -1; // a re-run file's sourceRow column
  private dateAgreedPlan: DateAgreedPlan = { missing: [], attestedAt: -1 };
  private rowNumber = 0;
  private headerLength = 0;
  private lastEnd = 0; // line where the last record (or skipped blank row) ended
  private lastEmpty = 0;
  firstBroken = Infinity; // the data row of the first broken record
  private drift = 0; // lines csv-parse counted twice: a CRLF inside a quoted cell counts as two
  readonly problems: StructureProblems;
  /** The parser the callbacks belong to; set as soon as it is made, before any record. */
  parser: { destroy(err?: Error): void } | undefined;
  private readonly options: HeaderOptions;

  constructor(options: HeaderOptions) {
    this.options = options;
    this.problems = new StructureProblems(options.file);
  }

  /** The data row a broken record would have been: those skipped before it count too. */
  private nextRow(): number | undefined {
    return this.header === undefined ? undefined : this.rowNumber + this.problems.count + 1;
  }

  readonly onSkip = (err: CsvParseError | undefined): undefined => {
    if (this.problems.count === 0) this.firstBroken = this.nextRow() ?? 0;
    this.problems.add(this.csvError(err));
    if (typeof err?.lines === "number") this.lastEnd = err.lines - this.drift;
    // A broken header decides nothing after it: the next record would be taken for the header.
    if (this.header === undefined) this.parser?.destroy(this.problems.error());
    return undefined;
  };

  readonly onRecord = (record: string[], info: ParsePosition): InputRow | null => {
    this.drift += crlfInside(record);
    this.lastEnd = info.lines - this.drift;
    const line = this.lastEnd - lineBreaks(record);
    this.lastEmpty = info.empty_lines;
    if (this.header === undefined) {
      this.headerLength = record.length;
      ({
        header: this.header,
        keep: this.keep,
        fieldPos: this.fieldPos,
        sourceRowAt: this.sourceRowAt,
        dateAgreedPlan: this.dateAgreedPlan,
      } = readHeader(this.options, line, record));
      this.keepsAll = this.keep.every((column, i) => column === i);
      return null;
    }
    if (isBlank(record)) return null; // a row of only delimiters (spreadsheet export) is no data row
    const keep = this.keep;
    // A record with every column and nothing dropped is its own cells (csv-parse makes a new
    // array per record): no copy per row.
    let cells = record;
    if (!this.keepsAll || record.length !== keep.length) {
      cells = new Array<string>(keep.length);
      for (let i = 0; i < keep.length; i++) cells[i] = record[keep[i]] ?? "";
    }
    const fields: Partial<Record<Field, string>> = {};
    for (const [field, pos] of this.fieldPos) fields[field] = unescapeFormula(record[pos] ?? "");
    const rowNumber = ++this.rowNumber;
    const sourceRow = sourceRowOf(record, this.sourceRowAt, rowNumber);
    const plan = this.dateAgreedPlan;
    if (plan.constant !== undefined) fields.dateAgreed = plan.constant;
    if (!isAttested(record, plan.attestedAt))
      return { rowNumber, line, cells, fields, sourceRow, notAttested: true };
    return { rowNumber, line, cells, fields, sourceRow };
  };

  /** An error out of the parse as the user is told it: ours as they are, csv-parse's in our words. */
  wrap(err: unknown): unknown {
    return err instanceof InputFileError ? err : this.csvError(err);
  }

  private csvError(err: unknown): InputFileError {
    const recordStart = this.lastEnd + 1 + emptyLinesSince(err, this.lastEmpty);
    return csvError(this.options.file, err, recordStart, this.headerLength, this.nextRow(), this.drift);
  }
}

/**
 * The row's number in the original input of a re-run chain: carried from a re-run file's
 * sourceRow column, else this file is the original and its row number is the one. A re-run
 * file's row without a usable sourceRow (added by hand) has none: the chain cannot place it.
 */
function sourceRowOf(record: readonly string[], at: number, rowNumber: number): number | undefined {
  if (at < 0) return rowNumber;
  const text = (record[at] ?? "").trim();
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

function isBlank(record: readonly string[]): boolean {
  for (const cell of record) if (cell.trim() !== "") return false;
  return true;
}
