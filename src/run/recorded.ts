import type { Outcome, Status } from "../types.js";

// The outcomes a resumed run takes over from its journal, packed into a few large buffers:
// a 500k-row resume must stay within the same memory as a run (CONTRACT, < 200 MB). As JSON
// strings in a Map they cost ~300 bytes a row (150 MB); packed, a confirmed row is ~70 bytes
// (three GUIDs as 16 bytes each, the date as a double) and the index 8 bytes.

const STATUSES: readonly Status[] = [
  "confirmed",
  "skipped",
  "invalid",
  "rejected",
  "failed",
  "not-run",
  "valid",
];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHUNK = 1 << 20;
// Field tags: absent, GUID (16 bytes), UTF-8 text (u32 length), uint16 number, ISO date (f64).
const NONE = 0,
  GUID_T = 1,
  TEXT = 2,
  NUM = 3,
  DATE = 4;

type Field = string | number | undefined;
const FIELDS = [
  "userId",
  "httpStatus",
  "errorCode",
  "errorMessage",
  "attempts",
  "requestId",
  "correlationId",
  "completedAt",
] as const;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Text stored as is: "$" for a string, "#" for a number outside uint16 (keeps its type). */
const textOf = (v: string | number) => (typeof v === "number" ? `#${v}` : `$${v}`);

function kindOf(v: Field): number {
  if (v === undefined) return NONE;
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 && v < 65536 ? NUM : TEXT;
  if (GUID.test(v)) return GUID_T;
  if (ISO.test(v) && new Date(v).toISOString() === v) return DATE;
  return TEXT;
}

/** Most bytes `o` can take: a chunk is chosen with that much room, then written in place. */
function maxBytes(o: Outcome): number {
  let n = 1;
  for (const f of FIELDS) {
    const v = o[f];
    n += 17 + (v === undefined ? 0 : Buffer.byteLength(textOf(v)) + 4);
  }
  return n;
}

/** Writes `o` (without its row number) at `at`; returns where it ends. */
export function encodeOutcome(o: Outcome, b: Buffer, at: number): number {
  b[at++] = Math.max(0, STATUSES.indexOf(o.status));
  for (const f of FIELDS) {
    const v = o[f];
    const kind = kindOf(v);
    b[at++] = kind;
    if (kind === NUM) at = b.writeUInt16LE(v as number, at);
    else if (kind === GUID_T) at += b.write((v as string).replace(/-/g, ""), at, "hex");
    else if (kind === DATE) at = b.writeDoubleLE(Date.parse(v as string), at);
    else if (kind === TEXT) {
      const len = b.write(textOf(v!), at + 4, "utf8");
      b.writeUInt32LE(len, at);
      at += 4 + len;
    }
  }
  return at;
}

export function decodeOutcome(rowNumber: number, b: Buffer, at: number): Outcome {
  const o: Record<string, unknown> = { rowNumber, status: STATUSES[b[at++]] };
  for (const f of FIELDS) {
    const tag = b[at++];
    if (tag === GUID_T) {
      const h = b.toString("hex", at, at + 16);
      o[f] = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      at += 16;
    } else if (tag === NUM) {
      o[f] = b.readUInt16LE(at);
      at += 2;
    } else if (tag === DATE) {
      o[f] = new Date(b.readDoubleLE(at)).toISOString();
      at += 8;
    } else if (tag === TEXT) {
      const len = b.readUInt32LE(at);
      const text = b.toString("utf8", at + 4, at + 4 + len);
      o[f] = text.startsWith("#") ? Number(text.slice(1)) : text.slice(1);
      at += 4 + len;
    }
  }
  return o as unknown as Outcome;
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

  set(o: Outcome): void {
    const need = maxBytes(o);
    if (this.used + need > CHUNK) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK, need)));
      this.used = 0;
    }
    const chunk = this.chunks.length - 1;
    const start = this.used;
    this.used = encodeOutcome(o, this.chunks[chunk], start);
    while (o.rowNumber >= this.index.length) {
      const bigger = new Float64Array(this.index.length * 2);
      bigger.set(this.index);
      this.index = bigger;
    }
    if (this.index[o.rowNumber] === 0) this.count++;
    this.index[o.rowNumber] = chunk * CHUNK + start + 1;
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
