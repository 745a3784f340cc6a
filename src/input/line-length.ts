// A line longer than any row of acceptance data (a cell of megabytes, no quotes anywhere) is
// refused with its line number and length before the parser sees all of it: csv-parse would
// stop at its record limit mid-cell, take the rest of the cell for further records and report
// each as "a quoted field is never closed", and it would hold the whole line meanwhile. Memory
// stays bounded: past the limit the line's bytes are only counted, never kept.
import { Transform, type TransformCallback } from "node:stream";

interface LongLine {
  /** 1-based physical line (counted by LF, as the parser's messages count them). */
  readonly line: number;
  /** Its length in bytes, up to its line break or the end of the file. */
  readonly bytes: number;
}

/** Position of the next `byte` at or after `from`, or the chunk's length. */
function next(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at < 0 ? chunk.length : at;
}

/** A pass-through stream that fails with `onLong`'s error for the first line over `maxBytes` bytes. */
export function lineLengthCheck(maxBytes: number, onLong: (where: LongLine) => Error): Transform {
  let line = 1;
  let lineBytes = 0; // bytes of the current line seen so far (CR or LF ends a line)
  let over: { line: number; bytes: number } | undefined; // the long line, being counted
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let lf = next(chunk, 0x0a, 0);
      let cr = next(chunk, 0x0d, 0);
      for (let start = 0; ;) {
        const stop = Math.min(lf, cr);
        lineBytes += stop - start;
        if (!over && lineBytes > maxBytes) over = { line, bytes: 0 };
        if (stop === chunk.length) break;
        if (over) {
          over.bytes = lineBytes;
          return callback(onLong(over));
        }
        if (stop === lf) {
          line++;
          lf = next(chunk, 0x0a, stop + 1);
        } else cr = next(chunk, 0x0d, stop + 1);
        lineBytes = 0;
        start = stop + 1;
      }
      // Once a line is over, nothing more reaches the parser: its error is the one to report.
      callback(null, over ? undefined : chunk);
    },
    flush(callback) {
      if (over) over.bytes = lineBytes;
      callback(over ? onLong(over) : null);
    },
  });
}
