// `--overwrite` must never destroy an earlier finished run's evidence (last month's results are
// what a partner shows an auditor). Before a run replaces them, the earlier results, failed
// file, report and log are renamed beside themselves with the time that run finished, e.g.
// acceptances.results.csv → acceptances.results.2026-10-01T09-12-05Z.csv.
import fs from "node:fs";
import path from "node:path";

export interface KeptFile {
  readonly from: string;
  readonly to: string;
}

/** `2026-10-01T09:12:05.123Z` → `2026-10-01T09-12-05Z`: sortable, and a valid name on every file system. */
function stampOf(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/:/g, "-");
}

/** `dir/x.results.csv` + stamp → `dir/x.results.<stamp>.csv`, numbered if that name is taken. */
function keptName(file: string, stamp: string): string {
  const ext = path.extname(file);
  const stem = ext ? file.slice(0, -ext.length) : file;
  // Two runs finishing within the same second: a number tells them apart.
  for (let n = 1; n <= 1000; n++) {
    const candidate = `${stem}.${stamp}${n > 1 ? `-${n}` : ""}${ext}`;
    if (!fs.lstatSync(candidate, { throwIfNoEntry: false })) return candidate;
  }
  throw new Error(`cannot find a free name to keep ${file} under`);
}

/**
 * Renames each existing file of `files` aside, all with the finishing time of `finished` (the
 * earlier run's results file), and returns where each went. Files that do not exist are skipped.
 */
export function keepPrevious(finished: string, files: readonly string[]): KeptFile[] {
  const stamp = stampOf(fs.statSync(finished).mtime);
  const kept: KeptFile[] = [];
  for (const from of files) {
    // lstat: a symbolic link is not an earlier run's evidence (nor is what it points to).
    if (!fs.lstatSync(from, { throwIfNoEntry: false })?.isFile()) continue;
    const to = keptName(from, stamp);
    fs.renameSync(from, to);
    kept.push({ from, to });
  }
  return kept;
}
