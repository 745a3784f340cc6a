// CSV text from records, quoted by csv-stringify. One stringifier serves a whole file: the sync
// API builds a new one (and new closures) on every call, and V8 then compiled its quoting
// functions again and again, 38 times for csv-stringify's `stringify` in a 20k-row run
// (docs/performance.md "Per-row costs").
import { Stringifier } from "csv-stringify";

/**
 * csv-stringify's core, which its own Stringifier stream and sync API both drive: one record at
 * a time, its text handed to `push`. Not in its types, so package.json pins csv-stringify to one
 * exact version, and test/csv-text.test.ts compares this with the sync API's output.
 */
interface StringifierCore {
  __transform(record: readonly string[], push: (text: string | Buffer) => void): Error | undefined;
}

interface CsvTextFormat {
  readonly delimiter: string;
  /** Start the text with a UTF-8 byte order mark (the first call's text only). */
  readonly bom: boolean;
}

/** Records to CSV text, "\n" after each, batch after batch in the file's order. */
export function csvText(format: CsvTextFormat): (records: readonly (readonly string[])[]) => string {
  const stringifier = new Stringifier({
    delimiter: format.delimiter,
    record_delimiter: "\n",
    bom: format.bom,
  });
  const core = (stringifier as unknown as { api?: StringifierCore }).api;
  if (typeof core?.__transform !== "function")
    throw new Error("csv-stringify has changed: its core is not where this code expects it");
  const parts: (string | Buffer)[] = [];
  const push = (text: string | Buffer) => {
    parts.push(text);
  };
  return (records) => {
    for (const record of records) {
      const err = core.__transform(record, push);
      if (err) throw err;
    }
    // The byte order mark comes as a Buffer; join() reads it back as the character U+FEFF.
    const text = parts.join("");
    parts.length = 0;
    return text;
  };
}
