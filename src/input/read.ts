// Streaming the input CSV: sniff the start (sniff.ts), then csv-parse does all the parsing
// (csv-parse-driver.ts); rows come out a chunk at a time (batches.ts) so a 500k-row file is
// never held in memory. Every byte is checked on its way to the parser (utf8.ts, line-length.ts).
import { createReadStream } from "node:fs";
import type { Field, InputRow } from "../types.js";
import { openedInput, type OpenedInput } from "./batches.js";
import { RecordBatchParser } from "./csv-parse-driver.js";
import { MAX_LINE_BYTES, MAX_RECORD_CHARS } from "./limits.js";
import { lineLengthCheck } from "./line-length.js";
import { emptyFile, lineTooLong, notUtf8 } from "./messages.js";
import { RecordReader } from "./records.js";
import { sniffCsvFormat } from "./sniff.js";
import { utf8Check } from "./utf8.js";

export type { OpenedInput } from "./batches.js";

interface OpenInputOptions {
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
}

export async function openInput(file: string, options: OpenInputOptions = {}): Promise<OpenedInput> {
  const { delimiter, bom } = await sniffCsvFormat(file, true);
  const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? 256 * 1024 });
  if (options.onBytes) stream.on("data", options.onBytes as (chunk: string | Buffer) => void);
  const reader = new RecordReader({ file, delimiter, bom, map: options.map, dateAgreed: options.dateAgreed });
  const parser = new RecordBatchParser<InputRow>(
    {
      delimiter,
      width: "shorter",
      maxRecordChars: MAX_RECORD_CHARS,
      // Every broken record is reported, not only the first (problems.ts); the file is still
      // refused as a whole before anything is sent.
      onSkip: reader.onSkip,
    },
    reader.onRecord,
  );
  reader.parser = parser;
  // Every byte is checked, not only the sniffed start: a bad byte anywhere stops the pre-flight.
  const check = utf8Check(({ line, byte }) => notUtf8(file, line, byte));
  const lines = lineLengthCheck(MAX_LINE_BYTES, ({ line, bytes }) => lineTooLong(file, line, bytes));
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
  if (header === undefined) throw reader.problems.ending() ?? emptyFile(file);
  const close = () => {
    stream.destroy();
    check.destroy();
    lines.destroy();
    parser.destroy();
  };
  return openedInput({ header, reader, iterator, first, firstError, close }, options.stopAtFirstProblem);
}
