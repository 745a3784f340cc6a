// The header line of an input file, read once as its first record: the columns kept (result
// columns of an earlier run dropped), where each field is, and the refusals that name the line.
import type { Field } from "../types.js";
import { planDateAgreed, type DateAgreedPlan } from "./bulk-tool.js";
import { matchHeader } from "./headers.js";
import { MAX_COLUMNS } from "./limits.js";
import { columnConflict, missingColumns, tooManyColumns, unusedMap } from "./messages.js";
import type { Delimiter } from "./sniff.js";

export interface InputHeader {
  readonly file: string;
  readonly delimiter: Delimiter;
  /** The file starts with a UTF-8 byte order mark (Excel's "CSV UTF-8"): results keep it. */
  readonly bom: boolean;
  /** The input's own columns in order (result columns dropped), as written in the file. */
  readonly columns: readonly string[];
  /** Field → index into `columns`. */
  readonly fieldColumn: Readonly<Partial<Record<Field, number>>>;
}

/** What the header decides for reading every row after it (records.ts). */
interface HeaderPlan {
  readonly header: InputHeader;
  /** Indexes of the record's cells a row keeps, in order. */
  readonly keep: number[];
  /** Field → index into the record. */
  readonly fieldPos: [Field, number][];
  /** A re-run file's sourceRow column, or -1. */
  readonly sourceRowAt: number;
  readonly dateAgreedPlan: DateAgreedPlan;
}

export interface HeaderOptions {
  readonly file: string;
  readonly delimiter: Delimiter;
  readonly bom: boolean;
  readonly map: ReadonlyMap<string, Field> | undefined;
  /** --date-agreed: every row's dateAgreed, for a file without that column (bulk-tool.ts). */
  readonly dateAgreed: string | undefined;
}

/** Reads the header record found on `line`; throws InputFileError for a header no run can use. */
export function readHeader(options: HeaderOptions, line: number, record: readonly string[]): HeaderPlan {
  const { file, delimiter, bom, map } = options;
  if (record.length > MAX_COLUMNS) throw tooManyColumns(file, line, record.length);
  const m = matchHeader(record, map);
  if (m.conflict) throw columnConflict(file, line, m.conflict);
  if (m.unusedMap.length > 0) throw unusedMap(file, line, m.unusedMap, record);
  const dateAgreedPlan = planDateAgreed(file, line, record, m, options.dateAgreed);
  if (dateAgreedPlan.missing.length > 0) throw missingColumns(file, line, dateAgreedPlan.missing, record);
  const dropped = new Set(m.dropped);
  const keep = record.map((_, i) => i).filter((i) => !dropped.has(i));
  const fieldColumn: Partial<Record<Field, number>> = {};
  const fieldPos: [Field, number][] = [];
  for (const [field, pos] of Object.entries(m.fieldColumn) as [Field, number][]) {
    fieldColumn[field] = keep.indexOf(pos);
    fieldPos.push([field, pos]);
  }
  return {
    header: { file, delimiter, bom, columns: keep.map((i) => record[i]), fieldColumn },
    keep,
    fieldPos,
    sourceRowAt: m.dropped.find((i) => record[i].trim() === "sourceRow") ?? -1,
    dateAgreedPlan,
  };
}
