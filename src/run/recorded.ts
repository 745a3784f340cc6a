import { STATUS_LIST } from "../statuses.js";
import { RECORDED_FIELDS, type Outcome } from "../types.js";

// The outcomes a resumed run takes over from its journal, packed into a few large buffers:
// a large resume must stay within the same memory as a run (docs/performance.md). Packed, a
// confirmed row holds its three GUIDs as 16 bytes each and the date as a double, instead of a
// JSON string in a Map.

/** A status is packed as its index in the one status list. */
const STATUSES = STATUS_LIST;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHUNK = 1 << 20;
// Field tags: absent, GUID (16 bytes), UTF-8 text (u32 length), uint16 number, ISO date (f64).
const NONE = 0,
  GUID_T = 1,
  TEXT = 2,
  NUM = 3,
  DATE = 4;

type Field = string | number | undefined;
/** Every Outcome field but the row number and status, from the one results column table. */
const FIELDS = RECORDED_FIELDS;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Text stored as is: "$" for a string, "#" for a number outside uint16 (keeps its type). */
const textOf = (value: string | number) => (typeof value === "number" ? `#${value}` : `$${value}`);

function kindOf(value: Field): number {
  if (value === undefined) return NONE;
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 && value < 65536 ? NUM : TEXT;
  if (GUID.test(value)) return GUID_T;
  if (ISO.test(value) && new Date(value).toISOString() === value) return DATE;
  return TEXT;
}

/** Most bytes `outcome` can take: a chunk is chosen with that much room, then written in place. */
function maxBytes(outcome: Outcome): number {
  let bytes = 1;
  for (const field of FIELDS) {
    const value = outcome[field];
    bytes += 17 + (value === undefined ? 0 : Buffer.byteLength(textOf(value)) + 4);
  }
  return bytes;
}

/** Writes `outcome` (without its row number) at `at`; returns where it ends. */
function encodeOutcome(outcome: Outcome, buffer: Buffer, at: number): number {
  buffer[at++] = Math.max(0, STATUSES.indexOf(outcome.status));
  for (const field of FIELDS) {
    const value = outcome[field];
    const kind = kindOf(value);
    buffer[at++] = kind;
    if (kind === NUM) at = buffer.writeUInt16LE(value as number, at);
    else if (kind === GUID_T) at += buffer.write((value as string).replace(/-/g, ""), at, "hex");
    else if (kind === DATE) at = buffer.writeDoubleLE(Date.parse(value as string), at);
    else if (kind === TEXT) {
      const len = buffer.write(textOf(value!), at + 4, "utf8");
      buffer.writeUInt32LE(len, at);
      at += 4 + len;
    }
  }
  return at;
}

function decodeOutcome(rowNumber: number, buffer: Buffer, at: number): Outcome {
  const decoded: Record<string, unknown> = { rowNumber, status: STATUSES[buffer[at++]] };
  for (const field of FIELDS) {
    const tag = buffer[at++];
    if (tag === GUID_T) {
      const hex = buffer.toString("hex", at, at + 16);
      decoded[field] =
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      at += 16;
    } else if (tag === NUM) {
      decoded[field] = buffer.readUInt16LE(at);
      at += 2;
    } else if (tag === DATE) {
      decoded[field] = new Date(buffer.readDoubleLE(at)).toISOString();
      at += 8;
    } else if (tag === TEXT) {
      const len = buffer.readUInt32LE(at);
      const text = buffer.toString("utf8", at + 4, at + 4 + len);
      decoded[field] = text.startsWith("#") ? Number(text.slice(1)) : text.slice(1);
      at += 4 + len;
    }
  }
  return decoded as unknown as Outcome;
}

/** Recorded outcomes by row number. */
export class RecordedOutcomes {
  private readonly chunks: Buffer[] = [];
  private used = CHUNK;
  /** rowNumber → position + 1 in the chunks (chunk * CHUNK + offset); 0 = none. */
  private index = new Float64Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(outcome: Outcome): void {
    const need = maxBytes(outcome);
    if (this.used + need > CHUNK) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK, need)));
      this.used = 0;
    }
    const chunk = this.chunks.length - 1;
    const start = this.used;
    this.used = encodeOutcome(outcome, this.chunks[chunk], start);
    while (outcome.rowNumber >= this.index.length) {
      const bigger = new Float64Array(this.index.length * 2);
      bigger.set(this.index);
      this.index = bigger;
    }
    if (this.index[outcome.rowNumber] === 0) this.count++;
    this.index[outcome.rowNumber] = chunk * CHUNK + start + 1;
  }

  has(rowNumber: number): boolean {
    return rowNumber > 0 && rowNumber < this.index.length && this.index[rowNumber] !== 0;
  }

  get(rowNumber: number): Outcome | undefined {
    if (!this.has(rowNumber)) return undefined;
    const pos = this.index[rowNumber] - 1;
    return decodeOutcome(rowNumber, this.chunks[Math.floor(pos / CHUNK)], pos % CHUNK);
  }
}
