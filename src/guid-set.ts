import { MessageChannel } from "node:worker_threads";

/**
 * A set of GUIDs (lower-case, dashed: what normalizeTenantId returns) kept as 128-bit keys in
 * one typed array: 16 bytes per slot outside the V8 heap, instead of ~75 bytes of Set entry
 * and string on it (and the old generation's growth slack on top). For duplicate detection
 * over files of hundreds of thousands of rows. Open addressing, linear probing, load factor at
 * most 0.8; an all-zero key marks a free slot (the nil GUID itself is kept apart).
 */
export class GuidSet {
  private keys: Uint32Array;
  private capacity: number;
  private count = 0;
  /** The nil GUID and anything not shaped like a dashed GUID (never expected): a plain Set. */
  private readonly other = new Set<string>();

  /**
   * `expected`: how many ids it will hold, when known. `foresee`: how many it will hold in all,
   * asked when the table must grow (the pre-flight's guess from the bytes read so far): it then
   * grows once to that size instead of doubling again and again. Growing holds the old and the
   * new table at once, the step that made the largest files' peak memory.
   */
  constructor(
    expected = 3072,
    private readonly foresee?: () => number,
  ) {
    this.capacity = Math.max(16, Math.ceil(expected / MAX_LOAD) + 1);
    this.keys = new Uint32Array(this.capacity * 4);
  }

  get size(): number {
    return this.count + this.other.size;
  }

  /** Adds `id`; returns true when it was already in the set. */
  addOrHas(id: string): boolean {
    const w = parse(id);
    if (w === undefined || (w[0] | w[1] | w[2] | w[3]) === 0) {
      if (this.other.has(id)) return true;
      this.other.add(id);
      return false;
    }
    if (this.count + 1 > this.capacity * MAX_LOAD) this.grow();
    return this.insert(w[0], w[1], w[2], w[3]);
  }

  /**
   * Adds the GUID whose four words guidWords gave (not all zero); returns true when it was
   * already in the set. For ids kept as bytes (duplicates.ts), never mixed with addOrHas.
   */
  addOrHasWords(a: number, b: number, c: number, d: number): boolean {
    if (this.count + 1 > this.capacity * MAX_LOAD) this.grow();
    return this.insert(a, b, c, d);
  }

  has(id: string): boolean {
    const w = parse(id);
    if (w === undefined || (w[0] | w[1] | w[2] | w[3]) === 0) return this.other.has(id);
    return this.slotOf(w[0], w[1], w[2], w[3]) < 0;
  }

  /** The free slot where the key goes, or -1 when the key is there already. */
  private slotOf(a: number, b: number, c: number, d: number): number {
    const keys = this.keys;
    for (let i = hash(a, b, c, d) % this.capacity; ; i = i + 1 === this.capacity ? 0 : i + 1) {
      const k = i * 4;
      if ((keys[k] | keys[k + 1] | keys[k + 2] | keys[k + 3]) === 0) return i;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return -1;
    }
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    const slot = this.slotOf(a, b, c, d);
    if (slot < 0) return true;
    const k = slot * 4;
    this.keys[k] = a;
    this.keys[k + 1] = b;
    this.keys[k + 2] = c;
    this.keys[k + 3] = d;
    this.count++;
    return false;
  }

  /**
   * Gives the table's memory back now and empties the set. An unreachable typed array keeps its
   * memory until a full collection comes: the pre-flight's table (25 MB for 1M rows) was still
   * there while the run built up its own, that run's peak (docs/performance.md).
   */
  release(): void {
    freeNow(this.keys.buffer);
    this.capacity = 16;
    this.keys = new Uint32Array(this.capacity * 4);
    this.count = 0;
    this.other.clear();
  }

  /**
   * Empties the set and keeps its table for the next use: a table released in a loop that never
   * yields to the event loop keeps its memory until it does (freeNow's channel closes then).
   */
  clear(): void {
    this.keys.fill(0);
    this.count = 0;
    this.other.clear();
  }

  private grow(): void {
    const old = this.keys;
    const foreseen = Math.ceil((this.foresee?.() ?? 0) / MAX_LOAD) + 1;
    this.capacity = Math.max(this.capacity * 2, foreseen);
    this.keys = new Uint32Array(this.capacity * 4);
    this.count = 0;
    for (let k = 0; k < old.length; k += 4) {
      if ((old[k] | old[k + 1] | old[k + 2] | old[k + 3]) !== 0)
        this.insert(old[k], old[k + 1], old[k + 2], old[k + 3]);
    }
    freeNow(old.buffer);
  }
}

/**
 * Frees an ArrayBuffer's memory at once, with public APIs only: transferred into a message that
 * is never read, it is detached here and its memory goes with the closed channel.
 */
function freeNow(buffer: ArrayBufferLike): void {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [buffer as ArrayBuffer]);
  port1.close();
  port2.close();
}

/** Linear probing stays short (a few slots on average) up to this share of slots used. */
const MAX_LOAD = 0.8;

const words: [number, number, number, number] = [0, 0, 0, 0];

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower-case hex) → four uint32 words, else undefined.
 * The array is shared: read it before the next call.
 */
export function guidWords(id: string): readonly [number, number, number, number] | undefined {
  return parse(id);
}

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower-case hex) → four uint32 words (shared array), else undefined. */
function parse(id: string): readonly [number, number, number, number] | undefined {
  if (
    id.length !== 36 ||
    id.charCodeAt(8) !== 45 ||
    id.charCodeAt(13) !== 45 ||
    id.charCodeAt(18) !== 45 ||
    id.charCodeAt(23) !== 45
  ) {
    return undefined;
  }
  let word = 0;
  let nibbles = 0;
  let w = 0;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const v = hexDigit(id.charCodeAt(i));
    if (v < 0) return undefined;
    word = ((word << 4) | v) >>> 0;
    if (++nibbles === 8) {
      words[w++] = word;
      word = 0;
      nibbles = 0;
    }
  }
  return words;
}

function hash(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ d, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The table of customer ids for one pass over a file of `fileBytes` (0 when unknown): past its
 * first size it grows once, to the rows so far scaled to the whole file and a quarter over
 * (rows vary in length, and the bytes read run up to a megabyte ahead of the rows parsed, a
 * small share of the 8 MB or so that 64k rows take). Growing by doubling held the old and the
 * new table at once, the peak of the largest files (docs/performance.md "Memory of a large run").
 */
export function idTableForFile(fileBytes: number): {
  readonly ids: GuidSet;
  /** Every byte read, as openInput's onBytes sees it. */
  readonly sawBytes: (count: number) => void;
  /** Every row handed on. */
  readonly sawRow: () => void;
} {
  let bytesRead = 0;
  let rowsSeen = 0;
  const ids = new GuidSet(65_536, () =>
    fileBytes > 0 ? Math.ceil(((rowsSeen * fileBytes) / Math.max(1, bytesRead)) * 1.25) : 0,
  );
  return {
    ids,
    sawBytes: (count) => {
      bytesRead += count;
    },
    sawRow: () => {
      rowsSeen++;
    },
  };
}
