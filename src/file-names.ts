// File names of a re-run chain. A run of `x.csv` writes `x.results.csv` and `x.failed.csv`; the
// re-run of `x.failed.csv` writes `x.failed.results.csv` and `x.failed-2.csv`, whose re-run
// writes `x.failed-2.results.csv` and `x.failed-3.csv`: a number counts the re-runs instead of
// suffixes piling up (`x.failed.failed.csv`). The merged chain is `x.final.csv`.
import path from "node:path";

const TABLE_EXT = /\.(csv|tsv|txt)$/i;
/** `.results`, `.validation`, `.dry-run` or `.final` before the extension: files this tool names. */
const OWN_SUFFIX = /\.(results|validation|dry-run|final)$/i;
const FAILED = /\.failed(?:-(\d+))?$/i;

function splitExt(file: string): { stem: string; ext: string } {
  const ext = path.extname(file);
  return TABLE_EXT.test(ext)
    ? { stem: file.slice(0, -ext.length), ext: ext.toLowerCase() }
    : { stem: file, ext: "" };
}

/** `x.results.csv` → `x`; `x.failed-2.results.csv` → `x.failed-2`; `x.csv` → `x`. */
export function chainBase(file: string): string {
  return splitExt(file).stem.replace(OWN_SUFFIX, "");
}

/** The failed file beside results `out`: `x.results.csv` → `x.failed.csv`, `x.failed.results.csv` → `x.failed-2.csv`. */
export function failedPathFor(out: string): string {
  const { ext } = splitExt(out);
  const base = chainBase(out);
  const failed = FAILED.exec(base);
  if (!failed) return `${base}.failed${ext || ".csv"}`;
  const next = (failed[1] === undefined ? 1 : Number(failed[1])) + 1;
  return `${base.slice(0, -failed[0].length)}.failed-${next}${ext || ".csv"}`;
}

/** `x.results.csv` (the first run of a chain) → `x.final.csv`. */
export function finalPathFor(first: string): string {
  return `${chainBase(first)}.final${splitExt(first).ext || ".csv"}`;
}

/** The `report` command's page of a chain: `x.results.csv` → `x.final.report.html`, never a run's own report. */
export function finalReportPathFor(first: string): string {
  return `${chainBase(first)}.final.report.html`;
}

/** The report beside an input or results file: `x.csv` or `x.results.csv` → `x.report.html`. */
export function reportPathFor(file: string): string {
  return `${chainBase(file)}.report.html`;
}
