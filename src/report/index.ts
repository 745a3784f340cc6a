// The audit report of a run or of a re-run chain: merge the results files, read the runs'
// logs where they are, write the final CSV (for a chain) and the HTML page.
import fs from "node:fs";
import { createTempFile } from "../replace-file.js";
import { HEADER_ALIASES, matchHeader, normalizeHeader } from "../input/headers.js";
import type { Field } from "../types.js";
import { DATE_FORMATS, type DateFormat } from "../validate.js";
import { createDigest, type Digest } from "./digest.js";
import { mergeChain, type MergedChain } from "./merge.js";
import { renderReport } from "./render.js";
import { chooseReportColumn } from "./report-column.js";
import { readHeader } from "./results-file.js";
import { readRunLog, type RunLog, type RunMetadata } from "./run-log.js";

interface ReportOptions {
  /** Results files, first run first. */
  readonly results: readonly string[];
  /** The log of each results file; default `<results>.log` where it exists. */
  readonly logs?: readonly (string | undefined)[];
  /** What the run that just ended knows of itself, over what its log says (the log may be off). */
  readonly metadata?: Partial<RunMetadata>;
  /** How the run read dates; else as the first run's log says. */
  readonly dateFormat?: DateFormat;
  readonly finalOut?: string;
  /** The HTML page; none when undefined (the digest alone, e.g. for the --date-format check). */
  readonly reportOut?: string;
  readonly toolVersion: string;
  readonly now?: () => number;
  /** --report-column; else the one the first run's log names, else one is chosen (report-column.ts). */
  readonly reportColumn?: string;
  /** A run's own report, or the `report` command's final one (which never replaces a run's). */
  readonly kind?: "run" | "final";
}

async function readLogs(options: ReportOptions): Promise<(RunLog | undefined)[]> {
  return Promise.all(
    options.results.map(async (file, i) => {
      const log = options.logs ? options.logs[i] : `${file}.log`;
      return log && fs.existsSync(log) && fs.statSync(log).isFile() ? readRunLog(log) : undefined;
    }),
  );
}

/** The first run's --map, as its log recorded it, so its customer id column is found. */
function mapOf(log: RunLog | undefined): Map<string, Field> | undefined {
  const logged = log?.metadata.map;
  if (!logged) return undefined;
  const map = new Map<string, Field>();
  for (const [header, field] of Object.entries(logged)) {
    const known = HEADER_ALIASES.get(normalizeHeader(field));
    if (known) map.set(normalizeHeader(header), known);
  }
  return map;
}

function dateFormatOf(options: ReportOptions, log: RunLog | undefined): DateFormat | undefined {
  const logged = log?.metadata.options.dateFormat;
  return options.dateFormat ?? DATE_FORMATS.find((format) => format === logged);
}

/** The log's account where it has one (it knows the first start of a resumed run), `known` elsewhere. */
function withKnown(known: Partial<RunMetadata>, logged: RunMetadata | undefined): RunMetadata {
  const merged: RunMetadata = { options: {}, sessions: 1, ...known };
  for (const [key, value] of Object.entries(logged ?? {}) as [keyof RunMetadata, unknown][]) {
    const empty =
      value === undefined || (typeof value === "object" && Object.keys(value as object).length === 0);
    if (!empty) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * Writes `path` whole or not at all (a reader never sees half a page), from the pieces `render`
 * hands over one by one.
 */
function writeAtomically(path: string, render: (write: (piece: string) => void) => void): void {
  // An unpredictable name created exclusively: never a file someone planted (docs/cli.md).
  const { tmp, fd } = createTempFile(path);
  try {
    render((piece) => {
      const bytes = Buffer.from(piece, "utf8");
      // write(2) may take less than asked; what it left is written on.
      for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done);
    });
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, path);
}

export async function writeReport(options: ReportOptions): Promise<{ chain: MergedChain; digest: Digest }> {
  const logs = await readLogs(options);
  if (options.metadata) logs[0] = { ...logs[0], metadata: withKnown(options.metadata, logs[0]?.metadata) };
  const collect = createDigest(dateFormatOf(options, logs[0]));
  const chain = await mergeChain(options.results, {
    finalOut: options.finalOut,
    map: mapOf(logs[0]),
    reportColumn: options.reportColumn ?? logs[0]?.metadata.options.reportColumn,
    onRow: (row) => collect.add(row),
  });
  const digest = collect.done();
  if (options.reportOut) {
    const page = {
      toolVersion: options.toolVersion,
      generatedAt: new Date(options.now?.() ?? Date.now()).toISOString(),
      chain,
      digest,
      logs,
      finalFile: options.finalOut,
      kind: options.kind ?? "run",
    };
    writeAtomically(options.reportOut, (write) => renderReport(page, write));
  }
  return { chain, digest };
}

/**
 * Refuses a --report-column the input has not, or one of contact data, before a run sends
 * anything (the report is written at its end). An input that cannot be read is left to the
 * run, which says why.
 */
export async function checkReportColumn(
  input: string,
  requested: string,
  map: ReadonlyMap<string, Field>,
): Promise<void> {
  let header: string[];
  try {
    header = await readHeader(input);
  } catch {
    return;
  }
  const rowNumber = header.lastIndexOf("rowNumber");
  const ownResults = rowNumber >= 0 && header.includes("status");
  chooseReportColumn({
    header,
    inputColumns: ownResults ? rowNumber : header.length,
    fieldColumn: matchHeader(header, map).fieldColumn,
    requested,
  });
}
