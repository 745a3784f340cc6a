// The one place csv-parse is used: every CSV file the tool reads (the input, and results files
// read back) is parsed through RecordBatchParser below.
//
// What of csv-parse 7.0.3 this relies on beyond its documented API (package.json pins that exact
// version for it; test/input.test.ts, test/broken-input-files.test.ts and test/report.test.ts
// show at once if an upgrade changes any of it):
// - `Parser#api`: the object `transform(options)` returns (lib/api/index.js), which the Parser
//   stream keeps and drives from its own `_transform`/`_flush` (lib/index.js);
// - `api.parse(buf, end, push, close)`: parses one chunk (`buf` undefined and `end` true at the
//   end of the input), calls `push(record)` for each completed record and `close()` once the
//   `to`/`to_line` option is reached, and returns the error that ends the parse, if any;
// - `api.state.stop`: the flag Parser sets after such an error so that later chunks are ignored;
// - `Parser#info` is `api.info`, the live counters object (`lines`, `empty_lines`) the core
//   updates as it goes, so its `lines` read inside `push` is the `info.lines` the `info` option
//   would snapshot for that record;
// - the errors the core hands to `on_skip` or returns are CsvErrors carrying `code` and the
//   counters at the error (`lines`, `empty_lines`), and `record` for a record of the wrong width.
import { Parser, type Options } from "csv-parse";

/** A parse error as csv-parse gives it: its code and where it was (messages.ts words it). */
export interface CsvParseError {
  readonly code?: string;
  /** csv-parse's line count at the error (a CRLF inside a quoted cell counted twice). */
  readonly lines?: number;
  readonly empty_lines?: number;
  /** The record, for a record of the wrong width. */
  readonly record?: string[];
}

/** Where the parse is when a record completes (csv-parse's live counters). */
export interface ParsePosition {
  /** The line the record ends on, as csv-parse counts lines. */
  readonly lines: number;
  /** Blank lines skipped so far. */
  readonly empty_lines: number;
}

interface CsvReadOptions {
  readonly delimiter: string;
  /** Records may be shorter than the header ("shorter"), or shorter and longer ("any"). */
  readonly width: "shorter" | "any";
  /** A record of more characters is an error (CSV_MAX_RECORD_SIZE). */
  readonly maxRecordChars?: number;
  /**
   * Given, a broken record is handed here and skipped, and the parse goes on; otherwise the
   * first one ends the parse with its error.
   */
  readonly onSkip?: (err: CsvParseError | undefined) => void;
}

/** The driver's internal view of csv-parse's parsing core (see the top of this file). */
interface ParseCore {
  parse(
    chunk: Buffer | undefined,
    end: boolean,
    push: (record: string[]) => void,
    close: () => void,
  ): Error | undefined;
  readonly state: { stop: boolean };
}

function parseOptions(options: CsvReadOptions): Options {
  const parse: Options = {
    delimiter: options.delimiter,
    bom: true,
    skip_empty_lines: true,
    ...(options.width === "any" ? { relax_column_count: true } : { relax_column_count_less: true }),
    ...(options.maxRecordChars === undefined ? {} : { max_record_size: options.maxRecordChars }),
    ...(options.onSkip === undefined
      ? {}
      : { skip_records_with_error: true, on_skip: options.onSkip as (err: unknown) => undefined }),
  };
  // Two chunks' rows parsed ahead are enough to keep the consumer busy; more stay alive
  // across collections for nothing (the stream's default is 16 objects: ~30,000 rows).
  return { ...parse, readableHighWaterMark: 2 } as Options;
}

/**
 * csv-parse's stream parser without its per-record `info`: with on_record (or the `info`
 * option), csv-parse hands each record a fresh copy of its whole parse state, which cost a third
 * of the parse on large files. The line numbers are read from the parser's live state instead,
 * while the record is the one just completed, so they are the same. Each chunk's rows leave as
 * one array, so the stream and its consumer take one step per chunk instead of one per row.
 */
export class RecordBatchParser<T> extends Parser {
  private readonly toRow: (record: string[], at: ParsePosition) => T | null;

  /** `toRow` turns each record into what the stream hands on; null leaves the record out. */
  constructor(options: CsvReadOptions, toRow: (record: string[], at: ParsePosition) => T | null) {
    super(parseOptions(options));
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
    const rows: T[] = [];
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
