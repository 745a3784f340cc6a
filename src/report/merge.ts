// A re-run chain (a run, the re-run of its failed file, the re-run of that one's failed file…)
// merged into one row per original input row, matched by sourceRow: later files win.
// Later files are held in memory (they are the failed rows, few); the first file, one row per
// original input row, is streamed, so the final file is written in the original order.
import { InputFileError } from "../errors.js";
import { escapeFormula } from "../input/escape.js";
import { createAtomicCsv, type AtomicCsv } from "../output/atomic-csv.js";
import type { Field, ResultColumn } from "../types.js";
import { chooseReportColumn } from "./report-column.js";
import { cellValue, openResultsFile, type ResultsFile } from "./results-file.js";
import { RowNumberSet } from "./row-numbers.js";

/** What the report shows of one row: no names, emails or phones. */
export interface ReportRow {
  readonly rowNumber: string;
  readonly sourceRow: number;
  readonly customerId: string;
  readonly status: string;
  readonly userId: string;
  readonly dateSent: string;
  readonly errorCode: string;
  readonly httpStatus: string;
  readonly errorMessage: string;
  /** The report column's value (a company name, a CRM id); "" without one. Shown with contact values masked. */
  readonly label: string;
  /** The date as the input gave it, for the --date-format check; never shown. */
  readonly dateAgreed: string;
  /** Contact values of the row, only to mask them out of its messages; never shown. */
  readonly contact: readonly string[];
  /** Index into the chain's files of the file that decided this row. */
  readonly fileIndex: number;
}

export interface ChainFile {
  readonly file: string;
  readonly rows: number;
  readonly byStatus: Readonly<Record<string, number>>;
}

const CONTACT_FIELDS: readonly Field[] = ["firstName", "lastName", "email", "phoneNumber"];

function sourceRowOf(results: ResultsFile, cells: readonly string[], line: number, first: boolean): number {
  const column = results.column("sourceRow");
  const raw = column >= 0 ? cellValue(cells, column) : "";
  // A first run wrote no sourceRow before re-run chains were tracked: its rowNumber is one.
  const text = raw === "" && first ? cellValue(cells, results.column("rowNumber")) : raw;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new InputFileError(
      results.file,
      text === ""
        ? "the row has no sourceRow: it cannot be matched to a row of the original input"
        : `sourceRow "${text}" is not a row number`,
      line,
      "sourceRow",
    );
  }
  return n;
}

function reportRow(
  results: ResultsFile,
  cells: readonly string[],
  at: { readonly sourceRow: number; readonly fileIndex: number; readonly label: string },
): ReportRow {
  const { sourceRow, fileIndex } = at;
  const get = (name: ResultColumn) => cellValue(cells, results.column(name));
  const contact = CONTACT_FIELDS.map((f) => cellValue(cells, results.fieldColumn[f])).filter((v) => v !== "");
  return {
    rowNumber: get("rowNumber"),
    sourceRow,
    customerId: cellValue(cells, results.fieldColumn.customerTenantId),
    status: get("status"),
    userId: get("userId"),
    dateSent: get("dateSent"),
    errorCode: get("errorCode"),
    httpStatus: get("httpStatus"),
    errorMessage: get("errorMessage"),
    label: at.label,
    dateAgreed: cellValue(cells, results.fieldColumn.dateAgreed),
    contact,
    fileIndex,
  };
}

/** For each column of `to`, the index of the same column in `from` (-1: absent). */
function columnMapping(to: ResultsFile, from: ResultsFile): number[] {
  return to.header.map((name, i) => {
    const plain = name.trim();
    if (to.column(plain) === i && from.column(plain) >= 0) return from.column(plain);
    return from.header.findIndex((h) => h.trim() === plain);
  });
}

interface Later {
  readonly row: ReportRow;
  readonly cells: readonly string[];
}

/** Reads the later files of a chain, last one winning, keyed by sourceRow. */
async function readLater(
  chain: readonly ResultsFile[],
  files: ChainFile[],
  labelColumn: number | undefined,
): Promise<Map<number, Later & { line: number; file: string }>> {
  const later = new Map<number, Later & { line: number; file: string }>();
  for (let f = 1; f < chain.length; f++) {
    const results = chain[f];
    if (results.column("sourceRow") < 0)
      throw new InputFileError(
        results.file,
        "it has no sourceRow column (an older results file): its rows cannot be matched to the original input",
        1,
      );
    const mapping = columnMapping(chain[0], results);
    const byStatus: Record<string, number> = {};
    let rows = 0;
    for await (const { line, cells } of results.records()) {
      const sourceRow = sourceRowOf(results, cells, line, false);
      const mapped = mapping.map((i) => (i >= 0 ? (cells[i] ?? "") : ""));
      const row = reportRow(results, cells, {
        sourceRow,
        fileIndex: f,
        label: cellValue(mapped, labelColumn),
      });
      rows++;
      byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
      later.set(sourceRow, { row, cells: mapped, line, file: results.file });
    }
    files[f] = { file: results.file, rows, byStatus };
  }
  return later;
}

export interface MergedChain {
  readonly files: readonly ChainFile[];
  /** Rows of the original input (the first file's rows). */
  readonly total: number;
  /** The input column the report names customers by (ReportRow.label), if any. */
  readonly reportColumn?: string;
}

interface MergeOptions {
  readonly finalOut?: string;
  readonly map?: ReadonlyMap<string, Field>;
  /** --report-column: the column to name customers by; else one is chosen (report-column.ts). */
  readonly reportColumn?: string;
  readonly onRow?: (row: ReportRow) => void;
}

/**
 * Merges `paths` (first run first) and, with `finalOut`, writes the final file: the first
 * file's columns, one row per original input row, formula-escaped like a results file.
 * `onRow` sees each final row in the original order, so callers summarise without holding them.
 */
export async function mergeChain(paths: readonly string[], options: MergeOptions = {}): Promise<MergedChain> {
  const chain: ResultsFile[] = [];
  for (const p of paths) chain.push(await openResultsFile(p, options.map));
  const files: ChainFile[] = [];
  const first = chain[0];
  const column = chooseReportColumn({
    header: first.header.map((h, i) => cellValue(first.header, i)),
    inputColumns: first.column("rowNumber"),
    fieldColumn: first.fieldColumn,
    requested: options.reportColumn,
  });
  const later = await readLater(chain, files, column?.index);
  const out: AtomicCsv | undefined = options.finalOut
    ? createAtomicCsv(options.finalOut, first.header.map(escapeFormula), first)
    : undefined;
  let total = 0;
  const seen = new RowNumberSet();
  const byStatus: Record<string, number> = {};
  try {
    for await (const { line, cells } of first.records()) {
      const sourceRow = sourceRowOf(first, cells, line, true);
      if (seen.has(sourceRow))
        throw new InputFileError(first.file, `sourceRow ${sourceRow} appears twice`, line, "sourceRow");
      seen.add(sourceRow);
      const own = reportRow(first, cells, {
        sourceRow,
        fileIndex: 0,
        label: cellValue(cells, column?.index),
      });
      byStatus[own.status] = (byStatus[own.status] ?? 0) + 1;
      const winner = later.get(sourceRow);
      total++;
      options.onRow?.(winner?.row ?? own);
      const wait = out?.write((winner?.cells ?? cells).map(escapeFormula));
      if (wait) await wait;
    }
    files[0] = { file: first.file, rows: total, byStatus };
    for (const [sourceRow, entry] of later) {
      if (!seen.has(sourceRow))
        throw new InputFileError(
          entry.file,
          `sourceRow ${sourceRow} is not a row of ${first.file}: the files are not one re-run chain (give the first run's results first)`,
          entry.line,
          "sourceRow",
        );
    }
    await out?.commit();
  } catch (err) {
    out?.discard();
    throw err;
  }
  return { files, total, reportColumn: column?.name };
}
