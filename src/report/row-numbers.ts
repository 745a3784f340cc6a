// The sourceRows a merge has seen, to refuse one that appears twice. A first run numbers its
// rows 1, 2, 3…, so they are held one bit each: 125 KB for a million rows, where a
// Set<number> held 20 MB of heap and, growing by doubling, about 38 MB of RSS at the end of
// the largest runs (docs/performance.md). A number far past the rows seen so far (a file edited
// by hand) goes to a Set instead, so no file can make the bits large.

/** Rows the bits cover before any growth. */
const FIRST_CAPACITY = 1 << 16;
/** The bits cover at most this many row numbers per row seen: 2 bytes a row at worst. */
const BITS_PER_ROW = 16;

export class RowNumberSet {
  private bits = new Uint8Array(FIRST_CAPACITY / 8);
  private readonly far = new Set<number>();
  private count = 0;

  /** Whether `rowNumber` (a positive safe integer) was added. */
  has(rowNumber: number): boolean {
    const byte = rowNumber >>> 3;
    if (rowNumber < this.bits.length * 8 && (this.bits[byte] & (1 << (rowNumber & 7))) !== 0) return true;
    // Added before the bits grew to cover it, or beyond them.
    return this.far.size > 0 && this.far.has(rowNumber);
  }

  add(rowNumber: number): void {
    this.count++;
    if (rowNumber >= this.bits.length * 8 && !this.grow(rowNumber)) {
      this.far.add(rowNumber);
      return;
    }
    this.bits[rowNumber >>> 3] |= 1 << (rowNumber & 7);
  }

  /** Makes the bits cover `rowNumber` when that stays within BITS_PER_ROW per row seen. */
  private grow(rowNumber: number): boolean {
    const limit = Math.max(FIRST_CAPACITY, this.count * BITS_PER_ROW);
    if (rowNumber >= limit) return false;
    let capacity = this.bits.length * 8;
    while (capacity <= rowNumber) capacity *= 2;
    const bits = new Uint8Array(capacity / 8);
    bits.set(this.bits);
    this.bits = bits;
    return true;
  }
}
