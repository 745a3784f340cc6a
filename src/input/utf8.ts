// The whole input must be UTF-8, not only the first 64 KiB the sniffer reads: csv-parse would
// decode a stray Latin-1 `é` past that point as U+FFFD and the row would be sent corrupted.
// This check sits between the file and the parser and stops at the first bad byte, naming its
// line. buffer.isUtf8 (native) clears each chunk; only a failing chunk is scanned byte by byte.
import { isUtf8 } from "node:buffer";
import { Transform, type TransformCallback } from "node:stream";

interface InvalidUtf8 {
  /** 1-based physical line of the first invalid byte. */
  readonly line: number;
  readonly byte: number;
}

/** Length of the sequence a lead byte starts, or 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Bytes at the end of `buf` that start a multi-byte sequence the next chunk completes (0–3).
 * Only a syntactically possible start counts; anything else is left for isUtf8 to refuse.
 */
function incompleteTail(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back];
    if (b < 0x80 || b >= 0xc0) {
      const need = sequenceLength(b);
      return need > back ? back : 0;
    }
  }
  return 0;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (RFC 3629). */
function firstInvalidOffset(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const need = sequenceLength(buf[i]);
    if (need === 0 || i + need > buf.length) return i;
    // Encoding the same value twice (overlong), surrogates and values past U+10FFFF are invalid.
    const second = buf[i + 1];
    if (need >= 2 && (second & 0xc0) !== 0x80) return i;
    if (need >= 3) {
      if (buf[i] === 0xe0 && second < 0xa0) return i;
      if (buf[i] === 0xed && second > 0x9f) return i;
      if (buf[i] === 0xf0 && second < 0x90) return i;
      if (buf[i] === 0xf4 && second > 0x8f) return i;
      for (let k = 2; k < need; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i;
    }
    i += need;
  }
  return buf.length;
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let at = buf.indexOf(0x0a); at >= 0 && at < end; at = buf.indexOf(0x0a, at + 1)) n++;
  return n;
}

/** A pass-through stream that fails with `onInvalid`'s error at the first invalid UTF-8 byte. */
export function utf8Check(onInvalid: (where: InvalidUtf8) => Error): Transform {
  let carry: Buffer | undefined;
  let newlines = 0;
  const fail = (buf: Buffer, callback: TransformCallback) => {
    const at = firstInvalidOffset(buf);
    callback(onInvalid({ line: newlines + countNewlines(buf, at) + 1, byte: buf[at] ?? 0 }));
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      const tail = incompleteTail(data);
      const whole = data.subarray(0, data.length - tail);
      if (!isUtf8(whole)) return fail(whole, callback);
      newlines += countNewlines(whole, whole.length);
      carry = tail > 0 ? Buffer.from(data.subarray(data.length - tail)) : undefined;
      callback(null, chunk);
    },
    flush(callback) {
      // The file ends inside a sequence: the carried bytes are the invalid ones.
      if (carry) return fail(carry, callback);
      callback();
    },
  });
}
