// Streaming the input CSV: sniff the start (binary, encoding, delimiter), then csv-parse does
// all the parsing; rows come out one at a time so a 500k-row file is never held in memory.
import { createReadStream, type ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Parser, type CsvError, type Info, type Options } from "csv-parse";
import { InputFileError } from "../errors.js";
import type { Field, InputRow } from "../types.js";
import { isAttested, planDateAgreed, type DateAgreedPlan } from "./bulk-tool.js";
import { matchHeader } from "./headers.js";
import { unescapeFormula } from "./escape.js";
import { StructureProblems } from "./problems.js";
import { lineLengthCheck } from "./line-length.js";
import { utf8Check } from "./utf8.js";

export interface InputHeader {
  readonly file: string;
  readonly delimiter: "," | ";" | "\t";
  /** The file starts with a UTF-8 byte order mark (Excel's "CSV UTF-8"): results keep it. */
  readonly bom: boolean;
  /** The input's own columns in order (result columns dropped), as written in the file. */
  readonly columns: readonly string[];
  /** Field → index into `columns`. */
  readonly fieldColumn: Readonly<Partial<Record<Field, number>>>;
}

export interface OpenedInput {
  readonly header: InputHeader;
  /** The data rows in file order; may be called once. Throws InputFileError on broken CSV. */
  rows(): AsyncIterable<InputRow>;
  /**
   * The same rows as rows(), a chunk of the file's at a time, instead of rows(): a consumer that
   * handles rows synchronously then pays one await per chunk, not per row.
   */
  batches(): AsyncIterable<readonly InputRow[]>;
  close(): void;
}

/** Enough to hold any sane header line; the delimiter is taken from the first line in it. */
const SNIFF_BYTES = 64 * 1024;
/** No acceptance row comes near this; a larger record is an unclosed quote eating the file. */
const MAX_RECORD_CHARS = 1_000_000;
/**
 * No line of acceptance data comes near this either (lineLengthCheck, line-length.ts): 1,000
 * columns of 256 characters. It bounds what one row costs to parse (a row of 250,000 empty
 * cells is an array of that many strings).
 */
const MAX_LINE_BYTES = 256 * 1024;
/**
 * Columns a file may have: an acceptance file has about seven, an export from a CRM some dozens.
 * Every row is as wide as its header, so this and MAX_LINE_BYTES bound the memory a row takes
 * (a 15 MB file of 100,006 columns took 1.5 GB before).
 */
export const MAX_COLUMNS = 1_000;

export async function openInput(
  file: string,
  options: {
    map?: ReadonlyMap<string, Field>;
    /** --date-agreed: every row's dateAgreed, for a file without that column (input/bulk-tool.ts). */
    dateAgreed?: string;
    /** Sees every byte of the file as it is read, e.g. to hash exactly what was parsed. */
    onBytes?: (chunk: Buffer) => void;
    /**
     * Throw at the first structural problem instead of reading on to report them all. The run's
     * second pass does: the pre-flight found none, so one now means the file changed, and the
     * rows after a skipped record must not be numbered (and sent) as if it were not there.
     */
    stopAtFirstProblem?: boolean;
    /**
     * Bytes read (and rows handed on) at a time. Large for a pass that reads as fast as it can;
     * a run reads at the API's pace, and rows parsed far ahead of it only live long enough to
     * burden the collector (docs/performance.md "Per-row costs").
     */
    chunkBytes?: number;
  } = {},
): Promise<OpenedInput> {
  const start = await readStart(file);
  const bom = start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf;
  const delimiter = detectDelimiter(file, start);
  const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? 256 * 1024 });
  if (options.onBytes) stream.on("data", options.onBytes as (chunk: string | Buffer) => void);
  const reader = new RecordReader(file, delimiter, bom, options.map, options.dateAgreed);

  const parseOptions: Options = {
    delimiter,
    bom: true,
    skip_empty_lines: true,
    relax_column_count_less: true,
    max_record_size: MAX_RECORD_CHARS,
    // Every broken record is reported, not only the first (problems.ts); the file is still
    // refused as a whole before anything is sent.
    skip_records_with_error: true,
    on_skip: reader.onSkip,
  };
  const parser = new RowBatchParser(parseOptions, reader.onRecord);
  reader.parser = parser;
  // Every byte is checked, not only the sniffed start: a bad byte anywhere stops the pre-flight.
  const check = utf8Guard(file);
  const lines = longLineCheck(file);
  stream.on("error", (err) => parser.destroy(err));
  check.on("error", (err) => parser.destroy(err));
  lines.on("error", (err) => parser.destroy(err));
  stream.pipe(check).pipe(lines).pipe(parser);
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<InputRow[]>;

  // The header is consumed as the first record; wait for it (or for the first data rows / the end).
  let first: IteratorResult<InputRow[]> | undefined;
  let firstError: unknown;
  try {
    first = await iterator.next();
  } catch (err) {
    if (reader.header === undefined) {
      stream.destroy();
      throw reader.wrap(err);
    }
    firstError = err; // a broken data row is reported by rows(), like any later one
  }
  const header = reader.header;
  if (header === undefined)
    throw reader.problems.ending() ?? new InputFileError(file, "the file is empty: it has no header line", 1);
  const checks = {
    destroy() {
      check.destroy();
      lines.destroy();
    },
  };
  const streams = { stream, check: checks, parser, iterator };
  return openedInput(header, reader, streams, first, firstError, options.stopAtFirstProblem);
}

/** Refuses the first byte that is not UTF-8, naming its line. */
function utf8Guard(file: string) {
  return utf8Check(
    ({ line, byte }) =>
      new InputFileError(
        file,
        `the file is not UTF-8 text (byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} on this line); save it as CSV UTF-8`,
        line,
      ),
  );
}

/** Refuses a line over MAX_LINE_BYTES with its number and length (line-length.ts). */
function longLineCheck(file: string) {
  return lineLengthCheck(
    MAX_LINE_BYTES,
    ({ line, bytes }) =>
      new InputFileError(
        file,
        `line ${line} is ${bytes.toLocaleString("en-US")} bytes long; no line may be longer than ` +
          `${MAX_LINE_BYTES.toLocaleString("en-US")} (a cell that long is no acceptance data: check the file, or that it is the right one)`,
        line,
      ),
  );
}

/** How RowBatchParser drives csv-parse's parsing core (what csv-parse's own Parser calls). */
interface ParseCore {
  parse(
    chunk: Buffer | undefined,
    end: boolean,
    push: (record: string[]) => void,
    close: () => void,
  ): Error | undefined;
  readonly state: { stop: boolean };
}

/**
 * csv-parse's stream parser without its per-record `info`: with on_record, csv-parse hands each
 * record a fresh copy of its whole parse state, which cost a third of the parse on large files.
 * The line numbers are read from the parser's live state instead, while the record is the one
 * just completed, so they are the same. Each chunk's rows leave as one array, so the stream and
 * its consumer take one step per chunk instead of one per row. It drives csv-parse's internal
 * parsing core (`api.parse`), which is not public: package.json pins csv-parse to one exact
 * version for that reason, and test/input.test.ts and test/broken-input-files.test.ts show at
 * once if an upgrade changes it.
 */
class RowBatchParser extends Parser {
  private readonly toRow: (record: string[], info: Info) => InputRow | null;

  constructor(options: Options, toRow: (record: string[], info: Info) => InputRow | null) {
    // Two chunks' rows parsed ahead are enough to keep the consumer busy; more stay alive
    // across collections for nothing (the stream's default is 16 objects: ~30,000 rows).
    super({ ...options, readableHighWaterMark: 2 } as Options);
    this.toRow = toRow;
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    this.parseChunk(chunk, false, callback);
  }

  override _flush(callback: (err?: Error | null) => void): void {
    this.parseChunk(undefined, true, callback);
  }

  /** As csv-parse's own _transform/_flush, but turning records into rows as they complete. */
  private parseChunk(chunk: Buffer | undefined, end: boolean, callback: (err?: Error | null) => void): void {
    const core = (this as unknown as { api: ParseCore }).api;
    if (core.state.stop) return;
    const rows: InputRow[] = [];
    let err: unknown;
    try {
      err = core.parse(
        chunk,
        end,
        (record) => {
          const row = this.toRow(record, this.info);
          if (row !== null) rows.push(row);
        },
        () => {
          // `to`/`to_line` are not used: the parse only ends at the end of the input.
        },
      );
    } catch (thrown) {
      // A record that cannot become a row (a refused header) ends the parse there, as an
      // error out of on_record does in csv-parse.
      err = thrown;
    }
    if (rows.length > 0) this.push(rows);
    if (err !== undefined) core.state.stop = true;
    callback(err as Error | undefined);
  }
}

/** The parse state the parser's callbacks (on_skip, rows) share while the file streams. */
class RecordReader {
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
  parser: Parser | undefined;
  private readonly file: string;
  private readonly delimiter: InputHeader["delimiter"];
  private readonly bom: boolean;
  private readonly map: ReadonlyMap<string, Field> | undefined;
  private readonly dateAgreed: string | undefined;

  constructor(
    file: string,
    delimiter: InputHeader["delimiter"],
    bom: boolean,
    map: ReadonlyMap<string, Field> | undefined,
    dateAgreed?: string,
  ) {
    this.file = file;
    this.delimiter = delimiter;
    this.bom = bom;
    this.map = map;
    this.dateAgreed = dateAgreed;
    this.problems = new StructureProblems(file);
  }

  /** The data row a broken record would have been: those skipped before it count too. */
  private nextRow(): number | undefined {
    return this.header === undefined ? undefined : this.rowNumber + this.problems.count + 1;
  }

  readonly onSkip = (err: CsvError | undefined): undefined => {
    if (this.problems.count === 0) this.firstBroken = this.nextRow() ?? 0;
    this.problems.add(this.csvError(err));
    if (typeof err?.lines === "number") this.lastEnd = err.lines - this.drift;
    // A broken header decides nothing after it: the next record would be taken for the header.
    if (this.header === undefined) this.parser?.destroy(this.problems.error());
    return undefined;
  };

  readonly onRecord = (record: string[], info: Info): InputRow | null => {
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
      } = readHeader(this.file, line, record, this.delimiter, this.bom, this.map, this.dateAgreed));
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
    return csvError(this.file, err, recordStart, this.headerLength, this.nextRow(), this.drift);
  }
}

/** The opened file's rows(), batches() and close() over the running parse. */
function openedInput(
  header: InputHeader,
  reader: RecordReader,
  {
    stream,
    check,
    parser,
    iterator,
  }: {
    stream: ReadStream;
    check: { destroy(): void };
    parser: Parser;
    iterator: AsyncIterator<InputRow[]>;
  },
  first: IteratorResult<InputRow[]> | undefined,
  firstError: unknown,
  stopAtFirstProblem: boolean | undefined,
): OpenedInput {
  let used = false;
  const close = () => {
    stream.destroy();
    check.destroy();
    parser.destroy();
  };
  /** Throws at once (not at the first next()) when the rows were already taken. */
  const batches = (): AsyncGenerator<readonly InputRow[]> => {
    if (used) throw new Error("OpenedInput.rows() may be called once");
    used = true;
    return readBatches();
  };
  const readBatches = async function* (): AsyncGenerator<readonly InputRow[]> {
    // Taken out of the closure, so the first chunk's rows are not held for the whole read.
    const start = first;
    first = undefined;
    try {
      if (start === undefined) throw firstError;
      for (let next = start; !next.done; next = await iterator.next()) {
        if (!stopAtFirstProblem || next.value[next.value.length - 1].rowNumber < reader.firstBroken) {
          yield next.value;
          continue;
        }
        const before = next.value.filter((row) => row.rowNumber < reader.firstBroken);
        if (before.length > 0) yield before;
        break;
      }
    } catch (err) {
      throw reader.problems.ending(reader.wrap(err));
    } finally {
      close(); // also when the caller stops early
    }
    const problem = reader.problems.ending();
    if (problem) throw problem;
  };
  const opened: OpenedInput = {
    header,
    close,
    batches,
    rows: () => {
      const taken = batches();
      return (async function* () {
        for await (const batch of taken) yield* batch;
      })();
    },
  };
  return opened;
}

function readHeader(
  file: string,
  line: number,
  record: readonly string[],
  delimiter: InputHeader["delimiter"],
  bom: boolean,
  map: ReadonlyMap<string, Field> | undefined,
  dateAgreed: string | undefined,
): {
  header: InputHeader;
  keep: number[];
  fieldPos: [Field, number][];
  sourceRowAt: number;
  dateAgreedPlan: DateAgreedPlan;
} {
  if (record.length > MAX_COLUMNS) throw tooManyColumns(file, line, record.length);
  const m = matchHeader(record, map);
  if (m.conflict) {
    const [field, a, b] = m.conflict;
    throw new InputFileError(
      file,
      `columns "${a}" and "${b}" both match the field ${field}; rename one or use --map`,
      line,
    );
  }
  if (m.unusedMap.length > 0) {
    throw new InputFileError(
      file,
      `--map names ${m.unusedMap.map((h) => `"${h}"`).join(", ")} (normalized) but the header has no such column; headers found: ${list(record)}`,
      line,
    );
  }
  const dateAgreedPlan = planDateAgreed(file, line, record, m, dateAgreed);
  const missing = dateAgreedPlan.missing;
  if (missing.length > 0) {
    throw new InputFileError(
      file,
      `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; headers found: ${list(record)}` +
        `; if a column has another name, map it, e.g. --map "<header>=${missing[0]}"`,
      line,
    );
  }
  const dropped = new Set(m.dropped);
  const keep = record.map((_, i) => i).filter((i) => !dropped.has(i));
  const fieldColumn: Partial<Record<Field, number>> = {};
  const fieldPos: [Field, number][] = [];
  for (const [field, pos] of Object.entries(m.fieldColumn) as [Field, number][]) {
    fieldColumn[field] = keep.indexOf(pos);
    fieldPos.push([field, pos]);
  }
  return {
    header: { file, delimiter, bom, columns: keep.map((i) => record[i]), fieldColumn },
    keep,
    fieldPos,
    sourceRowAt: m.dropped.find((i) => record[i].trim() === "sourceRow") ?? -1,
    dateAgreedPlan,
  };
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

function tooManyColumns(file: string, line: number, columns: number): InputFileError {
  return new InputFileError(
    file,
    `the header line has ${columns.toLocaleString("en-US")} columns; at most ${MAX_COLUMNS.toLocaleString("en-US")} are read ` +
      `(an acceptance file needs about seven): check that this is the right file, or remove the columns not needed`,
    line,
  );
}

const list = (record: readonly string[]): string => record.map((h) => `"${h}"`).join(", ");

function isBlank(record: readonly string[]): boolean {
  for (const cell of record) if (cell.trim() !== "") return false;
  return true;
}

/** Line breaks inside a record's quoted fields, so a record's start line can be told from its end. */
function lineBreaks(record: readonly string[]): number {
  let n = 0;
  for (const cell of record) {
    if (cell.indexOf("\n") < 0 && cell.indexOf("\r") < 0) continue;
    n += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return n;
}

/** CRLFs inside the record's cells, each of which csv-parse's line count takes for two lines. */
function crlfInside(record: readonly string[]): number {
  let n = 0;
  for (const cell of record) if (cell.includes("\r\n")) n += cell.split("\r\n").length - 1;
  return n;
}

function emptyLinesSince(err: unknown, before: number): number {
  const now = (err as { empty_lines?: unknown }).empty_lines;
  return typeof now === "number" && now > before ? now - before : 0;
}

/**
 * "row 10 (line 11)": rows count data rows as the results' rowNumber does, lines are what a
 * spreadsheet or an editor shows; a user looks for either.
 */
function rowAt(row: number | undefined, line: number | undefined): string {
  if (row === undefined) return "the header line";
  return line === undefined ? `row ${row}` : `row ${row} (line ${line})`;
}

/** csv-parse's own messages quote cell values (contact data); say what is wrong in our words. */
function csvError(
  file: string,
  err: unknown,
  recordStart: number,
  headerLength: number,
  row: number | undefined,
  drift: number,
): InputFileError {
  const e = err as Partial<CsvError> & { lines?: number; record?: string[] };
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

/** Reads the first bytes: refuses unreadable, binary and UTF-16 files. */
async function readStart(file: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    const handle = await open(file, "r");
    try {
      buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
      buf = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new InputFileError(file, describeFsError(err), undefined, undefined, { cause: err });
  }
  const workbook = workbookKind(buf);
  if (workbook) {
    throw new InputFileError(
      file,
      `this is an Excel workbook (${workbook}), not a CSV file. In Excel: File → Save As → ` +
        `"CSV UTF-8 (comma delimited) (*.csv)", then give that file`,
      undefined,
    );
  }
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new InputFileError(file, "the file is UTF-16 encoded; save it as CSV UTF-8", 1);
  }
  if (buf.includes(0)) throw new InputFileError(file, "this is not a text file (it contains NUL bytes)", 1);
  // Whether it is UTF-8 is checked on every byte as it streams (utf8.ts), with the line.
  return buf;
}

/**
 * A workbook saved by Excel instead of a CSV: .xlsx is a zip (local file header "PK\x03\x04"),
 * the older .xls a compound document (D0 CF 11 E0 A1 B1 1A E1).
 */
function workbookKind(start: Buffer): string | undefined {
  if (start.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return ".xlsx";
  if (start.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])))
    return ".xls";
  return undefined;
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

const DELIMITERS = [",", ";", "\t"] as const;

/** The delimiter occurring most often outside quotes in the first non-blank line (ties: , ; tab). */
function detectDelimiter(file: string, start: Buffer, limits = true): InputHeader["delimiter"] {
  const text = start.toString("utf8").replace(/^\uFEFF/, "");
  const begin = text.search(/[^\r\n]/);
  if (begin < 0) throw new InputFileError(file, "the file is empty: it has no header line", 1);
  const headerLine = (text.slice(0, begin).match(/\n/g)?.length ?? 0) + 1;
  const counts = [0, 0, 0];
  let quoted = false;
  let ended = false;
  for (let i = begin; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || c === "\r")) {
      ended = true;
      break;
    } else if (!quoted) {
      const d = DELIMITERS.indexOf(c as (typeof DELIMITERS)[number]);
      if (d >= 0) counts[d]++;
    }
  }
  // Refused at the header, before a row is parsed: a row is as wide as the header.
  if (limits && !ended && start.length >= SNIFF_BYTES)
    throw new InputFileError(
      file,
      `the header line is longer than ${SNIFF_BYTES / 1024} KiB; a header names the columns of acceptance data ` +
        `(about seven): check that this is the right file`,
      headerLine,
    );
  let best = 0;
  for (let d = 1; d < DELIMITERS.length; d++) if (counts[d] > counts[best]) best = d;
  if (limits && counts[best] + 1 > MAX_COLUMNS) throw tooManyColumns(file, headerLine, counts[best] + 1);
  return DELIMITERS[best];
}

/**
 * The delimiter and byte order mark of a CSV file, found as openInput finds them; the file is
 * one this tool wrote (results), so its width is not limited here.
 */
export async function sniffCsvFormat(file: string): Promise<Pick<InputHeader, "delimiter" | "bom">> {
  const start = await readStart(file);
  const bom = start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf;
  return { delimiter: detectDelimiter(file, start, false), bom };
}
