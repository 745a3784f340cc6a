import path from "node:path";
import { maskUrlPasswords, UsageError } from "./errors.js";
import { parseMap } from "./input/headers.js";
import { chainBase, failedPathFor, reportPathFor } from "./file-names.js";
import { ProxySettings } from "./network/proxy.js";
import { parseDateFormat, type DateFormat } from "./validate.js";
import type { Field } from "./types.js";

/** `--report-column`, shared by `run` and `report` (docs/cli.md "The HTML report"). */
export const REPORT_COLUMN_OPTION = {
  type: "string",
  arg: "name",
  help: "input column naming customers in the report (no contact column)",
  def: "a company or CRM column",
} as const;

/**
 * Who carries an option into the command it prints next (docs/cli.md "What a run prints"):
 * `rerun` the run of the failed file, `resume` the --resume command, `pending` the run that
 * `pending` prints for the file it wrote.
 */
type Carrier = "rerun" | "resume" | "pending";

/**
 * Every option of `run`/`validate`, declared once: parsing, --help and its defaults, the
 * commands printed next and the journal's record of what a row sends all derive from it.
 *   value  the default itself: resolveRunConfig uses it and the help shows it;
 *   def    the help's words for a default that is no plain value (booleans are off, else none);
 *   carry  the printed commands that keep the option (see Carrier);
 *   sent   the option decides what a row sends: its value as the journal records it for
 *          --resume to compare (undefined: not recorded), see run/prepare.ts.
 */
export const RUN_OPTIONS = {
  out: {
    type: "string",
    arg: "file",
    help: "results file",
    def: "<input>.results.csv beside the input",
    carry: ["resume"],
  },
  "failed-out": {
    type: "string",
    arg: "file",
    help: "rows to re-run",
    def: "<input>.failed.csv beside the results",
    carry: ["resume"],
  },
  "base-url": {
    type: "string",
    arg: "url",
    help: "API root (env PARTNER_CENTER_BASE_URL); http: only for loopback",
    value: "https://api.partnercenter.microsoft.com",
    carry: ["rerun", "resume", "pending"],
  },
  proxy: {
    type: "string",
    arg: "url",
    help: "proxy for the API and sign-in calls, e.g. http://user:password@proxy:8080; NO_PROXY still applies",
    def: "HTTPS_PROXY or HTTP_PROXY; loopback always direct",
    carry: ["rerun", "resume", "pending"],
  },
  "agreement-type": {
    type: "string",
    arg: "type",
    help: "sent as `type` and used for the metadata lookup",
    value: "MicrosoftCustomerAgreement",
    carry: ["rerun", "resume", "pending"],
    sent: (config: RunConfig) => config.agreementType,
  },
  "template-id": {
    type: "string",
    arg: "id",
    help: "use this templateId instead of looking it up",
    def: "looked up once",
    carry: ["rerun", "resume"],
  },
  concurrency: {
    type: "string",
    arg: "n",
    help: "most requests in flight at once",
    value: "8",
    carry: ["rerun", "resume", "pending"],
  },
  "max-rpm": {
    type: "string",
    arg: "n",
    help: "most requests started per minute, across all workers",
    carry: ["rerun", "resume", "pending"],
  },
  "max-attempts": {
    type: "string",
    arg: "n",
    help: "attempts per row, first one included",
    value: "6",
    carry: ["rerun", "resume", "pending"],
  },
  timeout: {
    type: "string",
    arg: "seconds",
    help: "per attempt",
    value: "30",
    carry: ["rerun", "resume", "pending"],
  },
  "outage-timeout": {
    type: "string",
    arg: "seconds",
    help: "stop the run (exit 3) when the API stays down this long",
    value: "600",
    carry: ["rerun", "resume", "pending"],
  },
  "date-format": {
    type: "string",
    arg: "fmt",
    help: "extra accepted date format: MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY, …",
    def: "ISO 8601 only",
    carry: ["rerun", "resume"],
    sent: (config: RunConfig) => config.dateFormat ?? "",
  },
  "date-agreed": {
    type: "string",
    arg: "date",
    help: "dateAgreed of every row, for a file without that column; required for Microsoft's bulk tool CustomerAgreementRecords.csv",
    carry: ["rerun", "resume"],
    // Only when given, so the journal of a run before this option still resumes.
    sent: (config: RunConfig) => config.dateAgreed,
  },
  map: {
    type: "string",
    arg: "h=field,…",
    help: 'map input headers to fields, e.g. "Tenant=customerTenantId,Signed on=dateAgreed"',
    carry: ["rerun", "resume"],
    sent: (config: RunConfig) => [...config.map].map(([header, field]) => `${header}=${field}`).join(","),
  },
  "skip-confirmed": {
    type: "boolean",
    help: "read each customer's agreements first; a matching confirmation makes the row skipped",
    carry: ["rerun", "resume"],
  },
  resume: {
    type: "boolean",
    help: "continue an interrupted run of the same input into the same --out",
  },
  overwrite: {
    type: "boolean",
    help: "allow replacing an existing results file (the earlier run's files are kept under a timestamped name)",
  },
  "dry-run": {
    type: "boolean",
    help: "sign in, look the templateId up (and with --skip-confirmed read existing confirmations), send no confirmation; statuses valid, skipped, invalid",
    carry: ["resume"],
  },
  report: {
    type: "string",
    arg: "file",
    help: "the run's HTML report",
    def: "<input>.report.html beside the input",
    carry: ["resume"],
  },
  "no-report": { type: "boolean", help: "write no HTML report", carry: ["resume"] },
  "report-column": { ...REPORT_COLUMN_OPTION, carry: ["rerun", "resume"] },
  "log-file": {
    type: "string",
    arg: "file",
    help: "structured JSON-lines log",
    def: "<results>.log",
    carry: ["resume"],
  },
  "log-level": {
    type: "string",
    arg: "level",
    help: "trace, debug, info, warn, error, fatal or silent",
    value: "info",
    carry: ["resume"],
  },
  quiet: { type: "boolean", help: "no progress display", carry: ["resume"] },
  "no-progress": { type: "boolean", help: "same as --quiet", carry: ["resume"] },
  json: {
    type: "boolean",
    help: "print the end-of-run summary as one JSON object on stdout",
    carry: ["resume"],
  },
} as const satisfies Readonly<Record<string, RunOption>>;

/** One entry of RUN_OPTIONS (the help reads it as a commands/spec.ts OptionSpec). */
interface RunOption {
  readonly type: "string" | "boolean";
  readonly arg?: string;
  readonly help: string;
  readonly value?: string;
  readonly def?: string;
  readonly carry?: readonly Carrier[];
  readonly sent?: (config: RunConfig) => string | undefined;
}

export type RunOptionName = keyof typeof RUN_OPTIONS;

const runOption = (name: RunOptionName): RunOption => RUN_OPTIONS[name];

/** An option's default value, as declared in RUN_OPTIONS (the help shows the same). */
export function defaultOf(name: RunOptionName): string {
  const value = runOption(name).value;
  if (value === undefined) throw new Error(`--${name} has no default value`);
  return value;
}

/** The `--name`s that `carrier` keeps, and which of them are switches (take no value). */
export function carriedBy(carrier: Carrier): { names: ReadonlySet<string>; switches: ReadonlySet<string> } {
  const names = (Object.keys(RUN_OPTIONS) as RunOptionName[]).filter((name) =>
    runOption(name).carry?.includes(carrier),
  );
  return {
    names: new Set(names.map((name) => `--${name}`)),
    switches: new Set(names.filter((name) => runOption(name).type === "boolean").map((name) => `--${name}`)),
  };
}

/** The options that decide what a row sends, as `--name` → value: the journal records them for --resume. */
export function rowSettings(config: RunConfig): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of Object.keys(RUN_OPTIONS) as RunOptionName[]) {
    const value = runOption(name).sent?.(config);
    if (value !== undefined) settings[`--${name}`] = value;
  }
  return settings;
}

export type RunFlags = {
  [K in keyof typeof RUN_OPTIONS]?: (typeof RUN_OPTIONS)[K]["type"] extends "boolean" ? boolean : string;
};

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

export interface RunConfig {
  readonly command: "run" | "validate";
  readonly input: string;
  readonly out: string;
  readonly failedOut: string;
  readonly logFile: string;
  readonly logLevel: string;
  readonly baseUrl: string;
  /** Logs as the proxy's address only: its toJSON leaves the credentials out. */
  readonly proxy: ProxySettings;
  readonly agreementType: string;
  readonly templateId?: string;
  readonly concurrency: number;
  readonly maxRpm?: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly outageTimeoutMs: number;
  readonly dateFormat?: DateFormat;
  /** --date-agreed: every row's dateAgreed (a file without that column, e.g. the bulk tool's). */
  readonly dateAgreed?: string;
  readonly map: ReadonlyMap<string, Field>;
  readonly skipConfirmed: boolean;
  readonly resume: boolean;
  readonly overwrite: boolean;
  /** Sign in and look up, never confirm. */
  readonly dryRun: boolean;
  /** The HTML report to write (run only); undefined with --no-report. */
  readonly report?: string;
  /** --report-column: the input column the report names customers by. */
  readonly reportColumn?: string;
  readonly progress: boolean;
  readonly json: boolean;
}

/** Extensions kept on output files, so a tab-separated input gives tab-separated `.tsv` results. */
const TABLE_EXT = /^\.(csv|tsv|txt)$/i;

/** `a.csv` → `a.results.csv`; `a.failed.csv` → `a.failed.results.csv`; `a.tsv` → `a.results.tsv`. */
export function defaultOutPath(input: string, suffix: "results" | "validation" | "dry-run"): string {
  const ext = path.extname(input);
  if (!TABLE_EXT.test(ext)) return `${input}.${suffix}.csv`;
  return `${input.slice(0, -ext.length)}.${suffix}${ext.toLowerCase()}`;
}

/** `a.results.csv` → `a.failed.csv`; `a.failed.results.csv` → `a.failed-2.csv` (see file-names.ts). */
export function defaultFailedPath(out: string): string {
  return failedPathFor(out);
}

function integer(
  flag: string,
  value: string | undefined,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return number;
}

/** The API root: https anywhere, http only on a loopback host (a token must never cross a network in clear). */
export function checkBaseUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source} is not a valid URL: "${maskUrlPasswords(raw)}"`);
  }
  const loopback =
    ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol === "http:" && !loopback) {
    throw new UsageError(`${source} uses http: on a non-loopback host (${url.hostname}); use https:`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${source} must be an https: URL`);
  // Credentials go in the PARTNER_CENTER_* variables; a URL is printed and logged.
  if (url.username || url.password)
    throw new UsageError(`${source} must not contain a user name or password`);
  return url.toString().replace(/\/+$/, "");
}

/** ISO 8601 date or date-time, as in the input file (docs/cli.md); the row checks do the rest. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/** --date-agreed: an ISO date that is a real one and not in the future. */
function checkDateAgreed(value: string): string {
  const text = value.trim();
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!ISO_DATE.test(text) || Number.isNaN(ms) || ms > Date.now())
    throw new UsageError(
      `--date-agreed must be the date the customers accepted, as YYYY-MM-DD (or an ISO date-time), not in the future (got "${value}")`,
    );
  return text;
}

/** Flags + environment → one resolved, readonly config. Everything invalid is refused here. */
export function resolveRunConfig(
  command: "run" | "validate",
  input: string,
  flags: RunFlags,
  env: NodeJS.ProcessEnv,
): RunConfig {
  const dryRun = command === "run" && (flags["dry-run"] ?? false);
  const out =
    flags.out ??
    defaultOutPath(input, command === "validate" ? "validation" : dryRun ? "dry-run" : "results");
  const failedOut = flags["failed-out"] ?? defaultFailedPath(out);
  // A dry run's report must not replace the real run's: it is named after the dry run.
  const report =
    command !== "run" || flags["no-report"]
      ? undefined
      : (flags.report ?? (dryRun ? `${chainBase(input)}.dry-run.report.html` : reportPathFor(input)));
  const logFile = flags["log-file"] ?? `${out}.log`;

  const logLevel = flags["log-level"] ?? defaultOf("log-level");
  if (!LOG_LEVELS.includes(logLevel))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")} (got "${logLevel}")`);
  const baseUrl = flags["base-url"]
    ? checkBaseUrl(flags["base-url"], "--base-url")
    : env.PARTNER_CENTER_BASE_URL
      ? checkBaseUrl(env.PARTNER_CENTER_BASE_URL, "PARTNER_CENTER_BASE_URL")
      : defaultOf("base-url");
  const templateId = flags["template-id"]?.trim();
  if (
    templateId !== undefined &&
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(templateId)
  ) {
    throw new UsageError(`--template-id must be a GUID (got "${templateId}")`);
  }
  const agreementType = flags["agreement-type"]?.trim() || defaultOf("agreement-type");
  if (!/^[A-Za-z]+$/.test(agreementType))
    throw new UsageError(`--agreement-type must be a name such as MicrosoftCustomerAgreement`);
  if (flags.resume && flags.overwrite)
    throw new UsageError("--resume and --overwrite cannot be used together");
  if (flags.resume && dryRun) throw new UsageError("--dry-run sends nothing: there is nothing to --resume");
  return Object.freeze({
    command,
    input,
    out,
    failedOut,
    logFile,
    logLevel,
    baseUrl,
    // validate makes no network call: a proxy variable it cannot use is no reason to refuse it.
    proxy: command === "run" ? ProxySettings.from(env, flags.proxy) : ProxySettings.none(),
    agreementType,
    templateId: templateId?.toLowerCase(),
    concurrency: integer("concurrency", flags.concurrency, +defaultOf("concurrency"), 1, 256)!,
    maxRpm: integer("max-rpm", flags["max-rpm"], undefined, 1, 1_000_000),
    maxAttempts: integer("max-attempts", flags["max-attempts"], +defaultOf("max-attempts"), 1, 20)!,
    timeoutMs: integer("timeout", flags.timeout, +defaultOf("timeout"), 1, 600)! * 1000,
    outageTimeoutMs:
      integer("outage-timeout", flags["outage-timeout"], +defaultOf("outage-timeout"), 1, 86_400)! * 1000,
    dateFormat: flags["date-format"] !== undefined ? parseDateFormat(flags["date-format"]) : undefined,
    dateAgreed: flags["date-agreed"] !== undefined ? checkDateAgreed(flags["date-agreed"]) : undefined,
    map: flags.map !== undefined ? parseMap(flags.map) : new Map<string, Field>(),
    skipConfirmed: flags["skip-confirmed"] ?? false,
    resume: flags.resume ?? false,
    overwrite: flags.overwrite ?? false,
    dryRun,
    report,
    reportColumn: flags["report-column"],
    // --json keeps stdout for the summary alone; progress goes to stderr, so it stays.
    progress: !(flags.quiet || flags["no-progress"]),
    json: flags.json ?? false,
  });
}
