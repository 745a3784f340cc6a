import type { SignedIn } from "../auth/claims.js";
import { EXIT, signalExitCode } from "../exit-codes.js";
import { formatDuration } from "../duration.js";
import type { RunResult } from "./run-result.js";
import { FAILED_STATUSES, STATUSES, STATUS_LIST, type Need, type Status } from "../statuses.js";
import { quoteWord } from "./command-line.js";
import { meaningOf } from "../error-codes.js";

/** Who a run or listing acted as, when its token said (a JWT); never the token itself. */
export type SignedInJson = { readonly tenantId: string | null; readonly user: string | null } | null;

export function signedInJson(signedIn: SignedIn | undefined): SignedInJson {
  if (!signedIn?.tenantId && !signedIn?.user) return null;
  return { tenantId: signedIn.tenantId ?? null, user: signedIn.user ?? null };
}

/** "Signed in: admin@partner.example (partner tenant …)", or nothing for an opaque token. */
export function signedInLine(signedIn: SignedInJson): string[] {
  if (!signedIn) return [];
  const tenant = signedIn.tenantId ? ` (partner tenant ${signedIn.tenantId})` : "";
  return [`Signed in: ${signedIn.user ?? "(no user name in the token)"}${tenant}`];
}

/** The text summary lists this many error codes; --json lists them all. */
const TEXT_ERRORS = 10;

/**
 * What a row's status asks of the operator, from the one status table (src/statuses.ts): the
 * summary, its --json and the progress line all group statuses by it (docs/cli.md "What a run
 * prints").
 */
export type { Need };
export const NEED_OF_STATUS: Readonly<Record<Status, Need>> = Object.fromEntries(
  STATUS_LIST.map((status) => [status, STATUSES[status].need]),
) as Record<Status, Need>;
/** The words for each need, the same in the summary and the progress line. */
export const NEED_WORDS: Readonly<Record<Need, string>> = {
  done: "done",
  "to-fix": "to fix, then re-run",
  "re-run-later": "re-run later",
};

/** Error codes of rows that a later run may simply get through (the answer may differ next time). */
const TRANSIENT_CODE =
  /^(interrupted|timeout|network-error|unexpected-response|redirect|auth-failed|outage|template-unresolved|HTTP (408|429|5\d\d))$/;

/** Which group a row's error code belongs to: a transient one is re-run later, any other is to fix. */
function needOfCode(code: string): Need {
  return TRANSIENT_CODE.test(code) ? "re-run-later" : "to-fix";
}

/** Rows per need, from the counts per status. */
function needsOf(statuses: Record<string, number>): Record<Need, number> {
  const needs: Record<Need, number> = { done: 0, "to-fix": 0, "re-run-later": 0 };
  for (const [status, count] of Object.entries(statuses))
    needs[NEED_OF_STATUS[status as Status] ?? "to-fix"] += count;
  return needs;
}

/** docs/cli.md "Exit codes": a signal's own code, 3 stopped early, 1 rows need work, else 0. */
export function exitCodeOf(report: RunResult): number {
  if (report.stop?.kind === "interrupted") return signalExitCode(report.stop.signal);
  if (report.stop) return EXIT.stopped;
  return Object.entries(report.counts.byStatus).some(
    ([status, count]) => count > 0 && FAILED_STATUSES.has(status as Status),
  )
    ? EXIT.needsWork
    : EXIT.done;
}

/** Quotes a word, when it needs it, for the shell of this system (PowerShell on Windows, else POSIX). */
export function shellQuote(word: string): string {
  return quoteWord(word);
}

export interface SummaryJson {
  command: string;
  input: string;
  rows: number;
  /** Rows this run decided itself (the rest were recorded by an interrupted run, or are not-run). */
  finishedThisRun: number;
  statuses: Record<string, number>;
  /** Rows by what they need: done, to fix then re-run (invalid, rejected), re-run later (failed, not-run). */
  needs: Record<Need, number>;
  /** Rows an earlier, interrupted run of this file recorded (a --resume): earlier + this run + not-run = rows. */
  recordedEarlier: number;
  /** Skipped rows by why: `duplicate-customer`, `already-confirmed`. */
  skippedBy: Record<string, number>;
  /** Confirmed rows by how: `new-record`, `already-on-record` (the API answered 600061). */
  confirmedBy: Record<string, number>;
  errors: { code: string; rows: number; meaning: string; need: Need }[];
  elapsedSeconds: number;
  rowsPerSecond: number;
  requests: number;
  throttled: number;
  /** Seconds from the last 429 to the end of the run; null when nothing was answered 429. */
  tailSeconds: number | null;
  templateId: string | null;
  files: { results: string; failed: string | null; log: string | null; report: string | null };
  /** --dry-run: nothing was confirmed. */
  dryRun: boolean;
  /** Things that look wrong although every row has its outcome (a --date-format read the wrong way round). */
  warnings: string[];
  /** Files of an earlier finished run that --overwrite kept under a timestamped name. */
  kept: { from: string; to: string }[];
  stopped: { reason: string; message: string } | null;
  /** The partner tenant (`tid`) and user (`upn`) the token named; null for an opaque token. */
  signedIn: SignedInJson;
  /** The same shape as a refusal's (cli.ts): the stop's reason and message, or null. */
  error: { code: string; message: string } | null;
  rerunCommand: string | null;
  resumeCommand: string | null;
  /** Set when the run stopped before sending any row: the same command, once the cause is fixed. */
  againCommand: string | null;
  /** `validate` and `--dry-run`: the run command that sends what was checked. */
  runCommand: string | null;
  exitCode: number;
}

/** Said once: customers whose direct acceptance could not be read were sent for as usual. */
function directStatusWarning(report: RunResult): string[] {
  const unread = report.directStatusUnread ?? 0;
  if (unread === 0) return [];
  return [
    `the direct-acceptance status of ${unread} ${unread === 1 ? "customer" : "customers"} could not be read; treated as not accepted directly (see the log)`,
  ];
}

/** The end-of-run summary as data: --json prints it, the text form is made from it. */
export function summarize(
  report: RunResult,
  commands: { rerun?: string[]; resume?: string[]; again?: string[]; run?: string[] },
  evidence: { report?: string; warnings?: string[] } = {},
): SummaryJson {
  const config = report.config;
  const statuses: Record<string, number> = {};
  for (const status of STATUS_LIST)
    if (report.counts.byStatus[status]) statuses[status] = report.counts.byStatus[status]!;
  // Most frequent first; ties by code, so the same run prints the same summary.
  // Rows a resume will send are no problem of theirs: while resumable, "interrupted" is not listed.
  // The rows a stop left not-run are explained by the stop's own line, said once.
  const errors = [...report.counts.byError.entries()]
    .filter(([code]) => !(report.resumable && code === "interrupted") && code !== report.stop?.kind)
    .sort(([codeA, errorA], [codeB, errorB]) => errorB.count - errorA.count || (codeA < codeB ? -1 : 1))
    .map(([code, error]) => ({
      code,
      rows: error.count,
      meaning: meaningOf(code) ?? (error.message || "see the errorMessage column"),
      need: needOfCode(code),
    }));
  const seconds = report.elapsedMs / 1000;
  const hasFailed = report.counts.failedRows > 0 && config.command === "run";
  // Stopped before any row went out: nothing to resume, and the whole file is still to send.
  const again = report.stop !== undefined && report.nothingSent === true && commands.again !== undefined;
  return {
    command: config.command,
    input: config.input,
    rows: report.total,
    finishedThisRun: report.finishedNow,
    statuses,
    needs: needsOf(statuses),
    recordedEarlier: report.resumed
      ? Math.max(0, report.total - report.finishedNow - (statuses["not-run"] ?? 0))
      : 0,
    skippedBy: { ...report.counts.skippedBy },
    confirmedBy: { ...report.counts.confirmedBy },
    errors,
    elapsedSeconds: Math.round(seconds * 10) / 10,
    rowsPerSecond: seconds > 0 ? Math.round((report.finishedNow / seconds) * 10) / 10 : report.finishedNow,
    requests: report.requests,
    throttled: report.throttled,
    tailSeconds: report.tailMs === undefined ? null : Math.round(report.tailMs / 100) / 10,
    templateId: report.templateId ?? null,
    files: {
      results: config.out,
      failed:
        config.command === "run" && !config.dryRun && report.counts.failedRows > 0 ? config.failedOut : null,
      log: config.command === "run" ? config.logFile : null,
      report: evidence.report ?? null,
    },
    dryRun: config.dryRun,
    warnings: [...(evidence.warnings ?? []), ...directStatusWarning(report)],
    kept: (report.kept ?? []).map((file) => ({ from: file.from, to: file.to })),
    stopped: report.stop ? { reason: report.stop.kind, message: report.stop.message } : null,
    signedIn: signedInJson({ tenantId: report.partnerTenantId, user: report.signedInUser }),
    error: report.stop ? { code: report.stop.kind, message: report.stop.message } : null,
    // While the run can be resumed, resuming is the next step; re-running the failed file
    // as well would send the not-run rows twice over.
    rerunCommand:
      hasFailed && !report.resumable && !again && commands.rerun
        ? commands.rerun.map(shellQuote).join(" ")
        : null,
    resumeCommand: report.resumable && commands.resume ? commands.resume.map(shellQuote).join(" ") : null,
    againCommand: again ? commands.again!.map(shellQuote).join(" ") : null,
    runCommand:
      (config.command === "validate" || config.dryRun) && commands.run && !report.stop
        ? commands.run.map(shellQuote).join(" ")
        : null,
    exitCode: exitCodeOf(report),
  };
}

/** "1 row " / "2 rows": padded to one width so the meanings line up. */
function plural(count: number, word: string): string {
  return count === 1 ? `${word} ` : `${word}s`;
}

/** "skipped 43 (40 duplicates, 3 already confirmed)": the two reasons need different follow-ups. */
function skippedWhy(summary: SummaryJson): string {
  const words: Record<string, [string, string]> = {
    "duplicate-customer": ["duplicate", "duplicates"],
    "already-confirmed": ["already confirmed", "already confirmed"],
    "accepted-directly": ["accepted directly", "accepted directly"],
    "not-attested": ["not attested", "not attested"],
  };
  const parts = Object.entries(summary.skippedBy)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => `${count} ${(words[code] ?? [code, code])[count === 1 ? 0 : 1]}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** " (10 new records, 2 already on record)": an audit reads the two apart. */
function confirmedHow(summary: SummaryJson): string {
  const fresh = summary.confirmedBy["new-record"] ?? 0;
  const already = summary.confirmedBy["already-on-record"] ?? 0;
  if (already === 0) return "";
  return ` (${fresh} new ${fresh === 1 ? "record" : "records"}, ${already} already on record)`;
}

/** The most frequent causes of one group's rows, under its statuses. */
function causeLines(errors: SummaryJson["errors"]): string[] {
  if (errors.length === 0) return [];
  const lines = ["  most frequent causes:"];
  for (const error of errors.slice(0, TEXT_ERRORS))
    lines.push(
      `    ${error.code.padEnd(20)} ${String(error.rows).padStart(6)} ${plural(error.rows, "row")} ${error.meaning}`,
    );
  const more = errors.slice(TEXT_ERRORS);
  if (more.length > 0) {
    const rows = more.reduce((sum, error) => sum + error.rows, 0);
    lines.push(
      `    … ${more.length} more ${plural(more.length, "code").trim()} on ${rows} ${plural(rows, "row").trim()} (see the errorCode column)`,
    );
  }
  return lines;
}

/**
 * The statuses under what they need: "Done: N", "To fix, then re-run: N", "Re-run later: N",
 * each with its statuses one line apiece and, for the last two, their most frequent causes.
 */
function statusLines(summary: SummaryJson): string[] {
  const lines: string[] = [];
  const width = Math.max(...Object.keys(summary.statuses).map((status) => status.length), 9);
  for (const need of Object.keys(NEED_WORDS) as Need[]) {
    const statuses = Object.entries(summary.statuses).filter(
      ([status]) => (NEED_OF_STATUS[status as Status] ?? "to-fix") === need,
    );
    if (statuses.length === 0) continue;
    const words = NEED_WORDS[need];
    lines.push(`${words[0].toUpperCase()}${words.slice(1)}: ${summary.needs[need]}`);
    for (const [status, count] of statuses)
      lines.push(
        `  ${status.padEnd(width)} ${String(count).padStart(6)}${status === "skipped" ? skippedWhy(summary) : status === "confirmed" ? confirmedHow(summary) : ""}`,
      );
    if (need !== "done") lines.push(...causeLines(summary.errors.filter((error) => error.need === need)));
  }
  // Excel writes dates as 5/2/2026 in many locales; the cure is one option, said once.
  const slashed = summary.errors.find((error) => error.code === "ambiguous-date")?.rows ?? 0;
  if (slashed > 0)
    lines.push(
      `${slashed} ${slashed === 1 ? "row has a slashed date" : "rows have slashed dates"} (like 5/2/2026): pass --date-format (e.g. DD/MM/YYYY)`,
    );
  return lines;
}

/** What to do next: the resume command alone while the run can be resumed. */
function nextStepLines(summary: SummaryJson): string[] {
  const lines: string[] = [];
  const needsWork = Object.entries(summary.statuses).some(
    ([status, count]) => count > 0 && FAILED_STATUSES.has(status as Status),
  );
  if (summary.files.failed && needsWork && !summary.resumeCommand)
    lines.push(`Failed rows: ${summary.files.failed}`);
  else if (summary.command === "run" && !summary.dryRun && !needsWork && !summary.stopped)
    lines.push("No rows need work: no failed file written.");
  if (summary.files.log) lines.push(`Log: ${summary.files.log}`);
  if (summary.resumeCommand) lines.push(`To continue this run: ${summary.resumeCommand}`);
  if (summary.rerunCommand)
    lines.push(`To re-run the failed rows (after fixing what they say): ${summary.rerunCommand}`);
  if (summary.againCommand)
    lines.push(`Nothing was sent. Once that is fixed, run the same command again: ${summary.againCommand}`);
  if (summary.runCommand) {
    const valid = summary.statuses.valid ?? 0;
    const invalid = summary.statuses.invalid ?? 0;
    if (valid === 0) lines.push(`No row would be sent: fix the invalid rows in ${summary.input} first.`);
    else if (invalid > 0)
      lines.push(
        `To send the ${valid} valid ${valid === 1 ? "row" : "rows"} (the invalid ones go to the failed file, to fix and re-run): ${summary.runCommand}`,
      );
    else lines.push(`To send them: ${summary.runCommand}`);
  }
  return lines;
}

/** The first line: the rows and the time; after a --resume, what this run did and what was recorded before. */
function headline(summary: SummaryJson): string {
  const verb = summary.command === "validate" ? "Validated" : "Processed";
  const rows = `${summary.rows} ${summary.rows === 1 ? "row" : "rows"}`;
  // A validation's speed is the parser's, of no use to anyone deciding what to do next.
  const rate =
    formatDuration(summary.elapsedSeconds, { tenths: true }) +
    (summary.command === "validate" ? "" : ` (${summary.rowsPerSecond} rows/s)`);
  if (summary.finishedThisRun === summary.rows) return `${verb} ${rows} of ${summary.input} in ${rate}.`;
  const notRun = summary.statuses["not-run"] ?? 0;
  const parts = [
    `this run finished ${summary.finishedThisRun} in ${rate}`,
    ...(summary.recordedEarlier > 0 ? [`${summary.recordedEarlier} recorded by the interrupted run`] : []),
    ...(notRun > 0 ? [`${notRun} not run`] : []),
  ];
  return `${summary.input}, the whole file: ${rows}; ${parts.join(", ")}.`;
}

export function formatSummary(summary: SummaryJson): string {
  const lines: string[] = [headline(summary)];
  if (summary.recordedEarlier > 0) lines.push("The counts below are the whole file's.");
  lines.push(...statusLines(summary));
  if (summary.command === "run")
    lines.push(`Requests sent ${summary.requests}, answered 429 (throttled) ${summary.throttled}`);
  if (summary.stopped) lines.push(`The run stopped early: ${summary.stopped.message}`);
  for (const warning of summary.warnings) lines.push(`Warning: ${warning}`);
  if (summary.dryRun) lines.push("Dry run: no confirmation was sent.");
  if (summary.kept.length > 0)
    lines.push(
      `Kept the earlier run's files under the time it finished: ${summary.kept.map((file) => file.to).join(", ")}`,
    );
  lines.push(...signedInLine(summary.signedIn));
  lines.push(`Results: ${summary.files.results}`);
  if (summary.files.report) lines.push(`Report: ${summary.files.report}`);
  lines.push(...nextStepLines(summary));
  return `${lines.join("\n")}\n`;
}
