import fs from "node:fs";
import path from "node:path";
import { printable, UsageError } from "../errors.js";
import { finalPathFor, finalReportPathFor, reportPathFor } from "../file-names.js";
import { writeReport } from "../report/index.js";
import { REPORT_COLUMN_OPTION } from "../config.js";
import { FAILED_STATUSES, type Status } from "../statuses.js";
import { checkNoSymlinks } from "../replace-file.js";
import { parseCommand } from "./args.js";
import { VERSION } from "./help.js";
import type { Command } from "./io.js";
import type { CommandSpec } from "./spec.js";

export const REPORT_SPEC: CommandSpec = {
  name: "report",
  usage: "report <results.csv> [<later results.csv> …] [options]",
  brief: "merge a re-run chain into one final file and an HTML report",
  summary:
    "Merges a re-run chain (the first run's results, then the results of each re-run of a failed\n" +
    "file, in order) by sourceRow, later files winning, into one row per original input row, and\n" +
    "writes the HTML report of the chain (with each run's log, <results>.log, where it is found).\n" +
    "A run's own report (<input>.report.html) is evidence: it is never replaced.",
  options: {
    out: {
      type: "string",
      arg: "file",
      help: "the final file",
      def: "<first base>.final.csv, e.g. acceptances.final.csv",
    },
    report: {
      type: "string",
      arg: "file",
      help: "the HTML report of the chain",
      def: "<first base>.final.report.html",
    },
    "report-column": REPORT_COLUMN_OPTION,
  },
  notes:
    "Exit codes: 0 when every row is confirmed, skipped or valid; 1 when some still need work;\n" +
    "2 when a file cannot be read or the files are not one chain.",
  examples: ["mca-confirm report acceptances.results.csv acceptances.failed.results.csv"],
};

/** Outputs are new or regular files in an existing folder, and none of them is read: refused before any work. */
function checkReportOutputs(files: readonly string[], finalOut: string, reportOut: string): void {
  const inputs = new Map(files.map((file) => [path.resolve(file), file]));
  if (inputs.size !== files.length) throw new UsageError("report: a results file is named twice");
  if (path.resolve(finalOut) === path.resolve(reportOut))
    throw new UsageError("--out and --report must be different files");
  for (const [what, file] of [
    ["--out", finalOut],
    ["--report", reportOut],
  ] as const) {
    const clash = inputs.get(path.resolve(file));
    if (clash) throw new UsageError(`${what} (${file}) must not be one of the results files read`);
    const folder = path.dirname(path.resolve(file));
    if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`${what} (${file}): the folder ${folder} does not exist`);
    // Never written through a symbolic link (docs/cli.md "Runs").
    checkNoSymlinks([[what, file]], false);
    const existing = fs.statSync(file, { throwIfNoEntry: false });
    if (existing && !existing.isFile())
      throw new UsageError(`${what} (${file}) exists and is not a regular file`);
  }
  if (isRunReport(reportOut, files))
    throw new UsageError(
      `--report (${reportOut}) is a run's own report, kept as evidence: write the chain's report elsewhere (default ${finalReportPathFor(files[0])})`,
    );
}

/** A run's own report: named as a run names it, or a page marked as written by a run. */
function isRunReport(file: string, results: readonly string[]): boolean {
  if (!fs.existsSync(file)) return false;
  if (results.some((r) => path.resolve(reportPathFor(r)) === path.resolve(file))) return true;
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(4096);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString("utf8").includes('<meta name="mca-confirm-report" content="run"');
  } finally {
    fs.closeSync(fd);
  }
}

export const reportCommand: Command = async (args, io) => {
  const parsed = parseCommand(args, REPORT_SPEC);
  if ("help" in parsed) {
    io.stdout.write(parsed.help);
    return 0;
  }
  const files = parsed.positionals;
  const flags = parsed.values as { out?: string; report?: string; "report-column"?: string };
  if (files.length === 0)
    throw new UsageError("report needs at least one results file. See mca-confirm help report");
  const finalOut = flags.out ?? finalPathFor(files[0]);
  const reportOut = flags.report ?? finalReportPathFor(files[0]);
  checkReportOutputs(files, finalOut, reportOut);
  const { digest } = await writeReport({
    results: files,
    finalOut,
    reportOut,
    toolVersion: VERSION,
    reportColumn: flags["report-column"],
    kind: "final",
  });
  const lines = [
    `Merged ${files.length} ${files.length === 1 ? "file" : "files"}: ${digest.total} rows of the original input.`,
    ...[...digest.byStatus].map(([status, rows]) => `  ${status.padEnd(9)}  ${rows}`),
    ...(digest.dateWarning ? [`Warning: ${digest.dateWarning}`] : []),
    `Final: ${finalOut}`,
    `Report: ${reportOut}`,
  ];
  io.stdout.write(printable(`${lines.join("\n")}\n`));
  return [...digest.byStatus.keys()].some((status) => FAILED_STATUSES.has(status as Status)) ? 1 : 0;
};
