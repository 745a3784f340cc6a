/**
 * CSV records on their way to the thread that writes them, as one string and the lengths of its
 * fields. Cloning an array of arrays of short strings for another thread costs more than
 * quoting them; one string and one typed array are copied as two blocks.
 */
export interface PackedRecords {
  /** Every field of every record, one after the other. */
  readonly text: string;
  /** For each record: its field count, then each field's length in `text`. */
  readonly lengths: Uint32Array<ArrayBuffer>;
}

/** Collects records into one PackedRecords at a time. */
export class RecordPacker {
  private text = "";
  private lengths: Uint32Array<ArrayBuffer>;
  private used = 0;
  /** Records packed since the last take(). */
  records = 0;

  constructor(private readonly expectedFields: number) {
    this.lengths = new Uint32Array(expectedFields * 64);
  }

  add(record: readonly string[]): void {
    if (this.used + record.length + 1 > this.lengths.length) this.grow(record.length + 1);
    const lengths = this.lengths;
    let used = this.used;
    lengths[used++] = record.length;
    let text = this.text;
    for (const field of record) {
      lengths[used++] = field.length;
      text += field;
    }
    this.text = text;
    this.used = used;
    this.records++;
  }

  /** The records packed so far; the packer starts empty again. */
  take(): PackedRecords {
    const packed = { text: this.text, lengths: this.lengths.slice(0, this.used) };
    this.text = "";
    this.used = 0;
    this.records = 0;
    return packed;
  }

  private grow(needed: number): void {
    const larger = new Uint32Array(
      Math.max(this.lengths.length * 2, this.used + needed + this.expectedFields),
    );
    larger.set(this.lengths.subarray(0, this.used));
    this.lengths = larger;
  }
}

/**
 * The records back as arrays of strings, `size` records at a time: the fewer records alive at
 * once, the less each young-generation collection has to copy.
 */
export function* unpackRecords(packed: PackedRecords, size: number): Generator<string[][]> {
  const { text, lengths } = packed;
  let at = 0;
  let offset = 0;
  while (at < lengths.length) {
    const records: string[][] = [];
    while (at < lengths.length && records.length < size) {
      const count = lengths[at++];
      const record = new Array<string>(count);
      for (let field = 0; field < count; field++) {
        const end = offset + lengths[at++];
        record[field] = text.slice(offset, end);
        offset = end;
      }
      records.push(record);
    }
    yield records;
  }
}
