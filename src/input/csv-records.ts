// Reading back a CSV file this tool wrote (a results, validation, failed or final file): its
// records as they are, each with its line, through the same parser as the input
// (csv-parse-driver.ts). No limits and no row numbering: the file is the tool's own output.
import { createReadStream } from "node:fs";
import { RecordBatchParser } from "./csv-parse-driver.js";
import { unreadableCsv } from "./messages.js";
import { sniffCsvFormat, type CsvFormat } from "./sniff.js";

export interface CsvRecord {
  /** The line the record ends on, as csv-parse counts lines. */
  readonly line: number;
  readonly cells: string[];
}

interface CsvRecords extends CsvFormat {
  /** The header record (the first), as written; empty for a file of blank lines. */
  readonly header: string[];
  /** The data records after the header; may be iterated once, and reads the file again. */
  readonly records: () => AsyncIterable<CsvRecord>;
}

/** Every record of the file in order, the header first; a record that does not parse throws InputFileError. */
async function* readRecords(file: string, delimiter: string): AsyncGenerator<CsvRecord> {
  const source = createReadStream(file);
  const parser = new RecordBatchParser<CsvRecord>({ delimiter, width: "any" }, (cells, at) => ({
    line: at.lines,
    cells,
  }));
  source.on("error", (err) => parser.destroy(err));
  try {
    for await (const batch of source.pipe(parser) as AsyncIterable<CsvRecord[]>) yield* batch;
  } catch (err) {
    throw unreadableCsv(file, err);
  } finally {
    parser.destroy();
    source.destroy();
  }
}

/** Opens a CSV file the tool wrote: its format and header now, its records when asked for. */
export async function openCsvRecords(file: string): Promise<CsvRecords> {
  const { delimiter, bom } = await sniffCsvFormat(file);
  let header: string[] = [];
  for await (const record of readRecords(file, delimiter)) {
    header = record.cells;
    break;
  }
  let used = false;
  return {
    delimiter,
    bom,
    header,
    records: () => {
      if (used) throw new Error("CsvRecords.records() may be called once");
      used = true;
      return (async function* () {
        let first = true;
        for await (const record of readRecords(file, delimiter)) {
          if (first) first = false;
          else yield record;
        }
      })();
    },
  };
}
