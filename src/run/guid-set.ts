/**
 * A set of GUIDs (lower-case, dashed: what normalizeTenantId returns) kept as 128-bit keys in
 * typed arrays: 16–24 bytes per id outside the V8 heap, instead of ~75 bytes of Set entry and
 * string on it (and the old generation's growth slack on top). For duplicate detection over
 * files of hundreds of thousands of rows. Open addressing, linear probing, load factor ≤ 0.75.
 */
export class GuidSet {
  private keys: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;
  /** Anything not shaped like a dashed GUID (never expected) falls back to a plain Set. */
  private readonly other = new Set<string>();

  /** `expected`: how many ids it will hold, when known; the table then never grows. */
  constructor(expected = 3072) {
    let cap = 16;
    // The smallest power of two that keeps the load factor at or under 0.75 for `expected` ids.
    while (cap * 3 < expected * 4) cap <<= 1;
    this.keys = new Uint32Array(cap * 4);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count + this.other.size;
  }

  /** Adds `id`; returns true when it was already in the set. */
  addOrHas(id: string): boolean {
    const w = parse(id);
    if (w === undefined) {
      if (this.other.has(id)) return true;
      this.other.add(id);
      return false;
    }
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    return this.insert(w[0], w[1], w[2], w[3]);
  }

  has(id: string): boolean {
    const w = parse(id);
    if (w === undefined) return this.other.has(id);
    for (let i = hash(w[0], w[1], w[2], w[3]) & this.mask; this.used[i]; i = (i + 1) & this.mask) {
      const k = i * 4;
      if (
        this.keys[k] === w[0] &&
        this.keys[k + 1] === w[1] &&
        this.keys[k + 2] === w[2] &&
        this.keys[k + 3] === w[3]
      )
        return true;
    }
    return false;
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    const keys = this.keys;
    let i = hash(a, b, c, d) & this.mask;
    while (this.used[i]) {
      const k = i * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return true;
      i = (i + 1) & this.mask;
    }
    this.used[i] = 1;
    const k = i * 4;
    keys[k] = a;
    keys[k + 1] = b;
    keys[k + 2] = c;
    keys[k + 3] = d;
    this.count++;
    return false;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldUsed = this.used;
    const cap = oldUsed.length * 2;
    this.keys = new Uint32Array(cap * 4);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldUsed.length; i++) {
      if (oldUsed[i]) this.insert(oldKeys[i * 4], oldKeys[i * 4 + 1], oldKeys[i * 4 + 2], oldKeys[i * 4 + 3]);
    }
  }
}

const words: [number, number, number, number] = [0, 0, 0, 0];

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
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
