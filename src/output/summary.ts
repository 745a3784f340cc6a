import type { RunReport } from "./report.js";
import { FAILED_STATUSES, type Status } from "../types.js";

/** What each error code means, for the summary (PARTNER-CENTER.md "Errors", CONTRACT). */
export const ERROR_MEANINGS: Readonly<Record<string, string>> = {
  "600061": "confirmation already on record (counted as confirmed)",
  "600002": "date of agreement is in the future (check time zones: dates are sent as UTC)",
  "900118": "invalid customer id",
  "800002": "the API refused the request input",
  "20002": "no commerce relationship with this customer (not your CSP customer)",
  "60003": "customer tenant not found",
  "invalid-customer-id": "customerTenantId is not a GUID",
  "missing-first-name": "firstName is empty",
  "missing-last-name": "lastName is empty",
  "invalid-email": "email is not a valid address",
  "invalid-phone": "phoneNumber has characters other than digits, +, spaces, -, . and ()",
  "invalid-date": "dateAgreed is not a real date",
  "ambiguous-date": "dateAgreed could be day/month or month/day: pass --date-format",
  "future-date": "dateAgreed is in the future",
  "duplicate-customer": "customer appears on an earlier row",
  "already-confirmed": "customer already has this confirmation (--skip-confirmed)",
  timeout: "no answer within --timeout",
  "network-error": "connection failed or was reset",
  "auth-failed": "the API refused the credentials",
  interrupted: "the run was interrupted",
  // Rows whose attempts ran out on answers without an API error code (see results.ts).
  "HTTP 429": "throttled on every attempt: re-run the failed file later, or lower --max-rpm",
  "HTTP 408": "the API timed out on every attempt",
  "HTTP 500": "server error on every attempt",
  "HTTP 502": "bad gateway on every attempt",
  "HTTP 503": "service unavailable on every attempt",
  "HTTP 504": "gateway timeout on every attempt",
};

/** The text summary lists this many error codes; --json lists them all. */
const TEXT_ERRORS = 10;

const STATUS_ORDER = ["confirmed", "skipped", "valid", "invalid", "rejected", "failed", "not-run"];

export function exitCodeOf(report: RunReport): number {
  if (report.stop?.kind === "interrupted") return 130;
  if (report.stop) return 3;
  return Object.entries(report.counts.byStatus).some(([s, n]) => n > 0 && FAILED_STATUSES.has(s as Status))
    ? 1
    : 0;
}

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SummaryJson {
  command: string;
  input: string;
  rows: number;
  /** Rows this run decided itself (the rest were recorded by an interrupted run, or are not-run). */
  finishedThisRun: number;
  statuses: Record<string, number>;
  errors: { code: string; rows: number; meaning: string }[];
  elapsedSeconds: number;
  rowsPerSecond: number;
  requests: number;
  throttled: number;
  templateId: string | null;
  files: { results: string; failed: string | null; log: string | null };
  stopped: { reason: string; message: string } | null;
  rerunCommand: string | null;
  resumeCommand: string | null;
  exitCode: number;
}

/** The end-of-run summary as data: --json prints it, the text form is made from it. */
export function summarize(report: RunReport, commands: { rerun?: string[]; resume?: string[] }): SummaryJson {
  const c = report.config;
  const statuses: Record<string, number> = {};
  for (const s of STATUS_ORDER) if (report.counts.byStatus[s]) statuses[s] = report.counts.byStatus[s]!;
  // Most frequent first; ties by code, so the same run prints the same summary.
  const errors = [...report.counts.byError.entries()]
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .map(([code, e]) => ({
      code,
      rows: e.count,
      meaning: ERROR_MEANINGS[code] ?? (e.message || "see the errorMessage column"),
    }));
  const seconds = report.elapsedMs / 1000;
  const hasFailed = report.counts.failedRows > 0 && c.command === "run";
  return {
    command: c.command,
    input: c.input,
    rows: report.total,
    finishedThisRun: report.finishedNow,
    statuses,
    errors,
    elapsedSeconds: Math.round(seconds * 10) / 10,
    rowsPerSecond: seconds > 0 ? Math.round((report.finishedNow / seconds) * 10) / 10 : report.finishedNow,
    requests: report.requests,
    throttled: report.throttled,
    templateId: report.templateId ?? null,
    files: {
      results: c.out,
      failed: c.command === "run" ? c.failedOut : null,
      log: c.command === "run" ? c.logFile : null,
    },
    stopped: report.stop ? { reason: report.stop.kind, message: report.stop.message } : null,
    // While the run can be resumed, resuming is the next step; re-running the failed file
    // as well would send the not-run rows twice over.
    rerunCommand:
      hasFailed && !report.resumable && commands.rerun ? commands.rerun.map(shellQuote).join(" ") : null,
    resumeCommand: report.resumable && commands.resume ? commands.resume.map(shellQuote).join(" ") : null,
    exitCode: exitCodeOf(report),
  };
}

/** "1 row " / "2 rows": padded to one width so the meanings line up. */
function plural(n: number, word: string): string {
  return n === 1 ? `${word} ` : `${word}s`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatSummary(s: SummaryJson): string {
  const lines: string[] = [];
  const verb = s.command === "validate" ? "Validated" : "Processed";
  const rows = `${s.rows} ${s.rows === 1 ? "row" : "rows"}`;
  const rate = `${duration(s.elapsedSeconds)} (${s.rowsPerSecond} rows/s)`;
  if (s.finishedThisRun === s.rows) lines.push(`${verb} ${rows} of ${s.input} in ${rate}.`);
  else lines.push(`${s.input}: ${rows}; this run finished ${s.finishedThisRun} of them in ${rate}.`);
  const width = Math.max(...Object.keys(s.statuses).map((k) => k.length), 6);
  for (const [status, n] of Object.entries(s.statuses)) lines.push(`  ${status.padEnd(width)}  ${n}`);
  if (s.command === "run")
    lines.push(`  requests sent ${s.requests}, answered 429 (throttled) ${s.throttled}`);
  if (s.errors.length > 0) {
    lines.push("Most frequent problems:");
    for (const e of s.errors.slice(0, TEXT_ERRORS))
      lines.push(
        `  ${e.code.padEnd(20)} ${String(e.rows).padStart(6)} ${plural(e.rows, "row")} ${e.meaning}`,
      );
    const more = s.errors.slice(TEXT_ERRORS);
    if (more.length > 0) {
      const rows = more.reduce((n, e) => n + e.rows, 0);
      lines.push(
        `  … ${more.length} more ${plural(more.length, "code").trim()} on ${rows} ${plural(rows, "row").trim()} (see the errorCode column)`,
      );
    }
  }
  if (s.stopped) lines.push(`The run stopped early: ${s.stopped.message}`);
  lines.push(`Results: ${s.files.results}`);
  const needsWork = Object.entries(s.statuses).some(([k, n]) => n > 0 && FAILED_STATUSES.has(k as Status));
  if (s.files.failed && needsWork) lines.push(`Failed rows: ${s.files.failed}`);
  if (s.files.log) lines.push(`Log: ${s.files.log}`);
  if (s.resumeCommand) lines.push(`To continue this run: ${s.resumeCommand}`);
  if (s.rerunCommand) lines.push(`To re-run the failed rows (after fixing what they say): ${s.rerunCommand}`);
  return `${lines.join("\n")}\n`;
}
