// Duplicate customers of a very large file, found in bounded memory (docs/performance.md
// "Memory of a large run"). A table of every valid row's customer id takes 16 bytes a slot, a
// quarter over the rows foreseen and at most 0.8 full: about 190 MB for the 7.5M rows of a
// 1 GB file. Instead, each valid row's id and row number go to one of PARTITIONS temporary
// files, chosen by a hash of the id, so a customer's rows all land in one file, in row order;
// each file is then read back with a table of its own ids alone, a PARTITIONS-th of the whole.
// Exact: the first valid row of each customer is kept, every later one is a duplicate.
import fs from "node:fs";
import { createTempFile, openForReading } from "../replace-file.js";
import { trackTempFile } from "../temp-files.js";
import type { RowNumbers } from "./classify.js";
import { GuidSet, guidWords } from "../guid-set.js";

/** Files the ids are spread over. */
const PARTITIONS = 32;
/** One record: the id's four 32-bit words, then the row number. */
const RECORD = 20;
/** Records buffered per partition before they are written (64 KB). */
const BUFFERED = 3276;
/** Records read back at a time (1.25 MB). */
const READ_RECORDS = 65_536;

/** Above this many rows foreseen, duplicates are found by partitions rather than in one table. */
export const PARTITION_ABOVE_ROWS = 2_000_000;

interface Partition {
  readonly tmp: string;
  readonly fd: number;
  readonly forget: () => void;
  readonly buffer: Buffer;
  filled: number;
  records: number;
}

/** Valid rows' customer ids in, the row numbers of the duplicates out. Call close() in every case. */
export class PartitionedDuplicates {
  private readonly partitions: Partition[] = [];
  /** Ids not shaped as a GUID, and the nil GUID (never expected of a valid row): held in memory. */
  private readonly other = new Set<string>();
  /** Duplicates among `other`, found during the pass. */
  private readonly otherDuplicates: number[] = [];
  private records = 0;
  private lastRow = 0;

  /** The temporary files go beside `beside` under unpredictable names (replace-file.ts). */
  constructor(beside: string) {
    try {
      for (let i = 0; i < PARTITIONS; i++) {
        const { tmp, fd } = createTempFile(beside);
        const forget = trackTempFile(tmp);
        this.partitions.push({
          tmp,
          fd,
          forget,
          buffer: Buffer.alloc(BUFFERED * RECORD),
          filled: 0,
          records: 0,
        });
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** A valid row's normalised customer id (normalizeTenantId), rows in increasing order. */
  see(id: string, rowNumber: number): void {
    this.lastRow = Math.max(this.lastRow, rowNumber);
    const w = guidWords(id);
    if (w === undefined || (w[0] | w[1] | w[2] | w[3]) === 0) {
      if (this.other.has(id)) this.otherDuplicates.push(rowNumber);
      else this.other.add(id);
      return;
    }
    const part = this.partitions[(Math.imul(w[0] ^ w[3], 0x9e3779b1) >>> 0) % PARTITIONS];
    const at = part.filled * RECORD;
    part.buffer.writeUInt32LE(w[0], at);
    part.buffer.writeUInt32LE(w[1], at + 4);
    part.buffer.writeUInt32LE(w[2], at + 8);
    part.buffer.writeUInt32LE(w[3], at + 12);
    part.buffer.writeUInt32LE(rowNumber, at + 16);
    part.records++;
    this.records++;
    if (++part.filled === BUFFERED) flush(part);
  }

  /** Reads every partition back; the row numbers of every valid row but each customer's first. */
  finish(): RowNumbers {
    // One bit per row: the partitions give their row numbers in no overall order.
    const bits = new Uint8Array((this.lastRow >>> 3) + 1);
    for (const row of this.otherDuplicates) bits[row >>> 3] |= 1 << (row & 7);
    // Distinct ids spread evenly by the hash; more rows of a few ids only mean fewer distinct.
    // One table for every partition in turn, emptied between them.
    const ids = new GuidSet(Math.ceil((this.records / PARTITIONS) * 1.1) + 16);
    const chunk = Buffer.alloc(READ_RECORDS * RECORD);
    try {
      for (const part of this.partitions) this.readBack(part, ids, chunk, bits);
    } finally {
      ids.release();
    }
    return {
      has: (row) => row >= 0 && row >>> 3 < bits.length && (bits[row >>> 3] & (1 << (row & 7))) !== 0,
    };
  }

  /** One partition's records through the table of ids; a repeated id's row is a duplicate. */
  private readBack(part: Partition, ids: GuidSet, chunk: Buffer, bits: Uint8Array): void {
    flush(part);
    ids.clear();
    const fd = openForReading(part.tmp);
    try {
      let kept = 0;
      for (let read; (read = fs.readSync(fd, chunk, kept, chunk.length - kept, null)) > 0;) {
        // Whole records only: the part of one a short read leaves is kept for the next.
        const end = kept + read;
        const whole = end - (end % RECORD);
        for (let at = 0; at < whole; at += RECORD) {
          const a = chunk.readUInt32LE(at);
          const b = chunk.readUInt32LE(at + 4);
          const c = chunk.readUInt32LE(at + 8);
          const d = chunk.readUInt32LE(at + 12);
          if (ids.addOrHasWords(a, b, c, d)) {
            const row = chunk.readUInt32LE(at + 16);
            bits[row >>> 3] |= 1 << (row & 7);
          }
        }
        kept = end - whole;
        chunk.copy(chunk, 0, whole, end);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Closes and removes the temporary files, whether finish() ran or not. */
  close(): void {
    for (const part of this.partitions.splice(0)) {
      try {
        fs.closeSync(part.fd);
      } catch {
        // Already closed: removing it is what matters.
      }
      fs.rmSync(part.tmp, { force: true });
      part.forget();
    }
    this.other.clear();
  }
}

function flush(part: Partition): void {
  let at = 0;
  const end = part.filled * RECORD;
  while (at < end) at += fs.writeSync(part.fd, part.buffer, at, end - at);
  part.filled = 0;
}

/**
 * The rows a file of `fileBytes` holds, foreseen from the line ends in its first megabyte (0 when
 * it cannot be read). Quoted line breaks only make it foresee more rows, never fewer.
 */
export function foreseeRows(file: string, fileBytes: number): number {
  const sample = Buffer.alloc(Math.min(fileBytes, 1 << 20));
  let fd: number | undefined;
  try {
    fd = openForReading(file);
    const read = fs.readSync(fd, sample, 0, sample.length, 0);
    if (read === 0) return 0;
    let lines = 0;
    for (let i = sample.indexOf(10, 0); i >= 0 && i < read; i = sample.indexOf(10, i + 1)) lines++;
    return Math.ceil((Math.max(1, lines) * fileBytes) / read);
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
