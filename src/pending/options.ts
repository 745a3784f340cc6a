// The options of `pending`: one table drives parsing, defaults and help, like run's; the ones
// that mean the same thing as in `run` are run's own entries, so the two never drift apart.

import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import { checkBaseUrl, defaultOf, RUN_OPTIONS } from "../config.js";
import { ProxySettings } from "../network/proxy.js";
import { checkNoSymlinks } from "../replace-file.js";
import { MAX_PAGE_SIZE_ASKED } from "./list.js";
import type { Selection } from "./select.js";

export const PENDING_OPTIONS = {
  out: { type: "string", arg: "file", help: "the file to fill in and run", def: "pending.csv" },
  before: {
    type: "string",
    arg: "YYYY-MM-DD",
    help: "also list customers whose latest confirmation is older than this date",
    def: "none",
  },
  all: { type: "boolean", help: "list every customer, with its latest confirmation", def: "off" },
  "page-size": {
    type: "string",
    arg: "n",
    help: `customers asked for per page of the list (1–${MAX_PAGE_SIZE_ASKED})`,
    def: String(MAX_PAGE_SIZE_ASKED),
  },
  overwrite: { type: "boolean", help: "replace an existing --out file", def: "off" },
  "base-url": RUN_OPTIONS["base-url"],
  proxy: RUN_OPTIONS.proxy,
  "agreement-type": RUN_OPTIONS["agreement-type"],
  concurrency: RUN_OPTIONS.concurrency,
  "max-rpm": RUN_OPTIONS["max-rpm"],
  "max-attempts": { ...RUN_OPTIONS["max-attempts"], help: "attempts per request, first one included" },
  timeout: RUN_OPTIONS.timeout,
  "outage-timeout": RUN_OPTIONS["outage-timeout"],
  "log-file": { type: "string", arg: "file", help: "structured JSON-lines log", def: "<out>.log" },
  "log-level": RUN_OPTIONS["log-level"],
  quiet: RUN_OPTIONS.quiet,
  "no-progress": RUN_OPTIONS["no-progress"],
  json: { type: "boolean", help: "print the summary as one JSON object on stdout", def: "off" },
} as const;

type PendingFlags = {
  [K in keyof typeof PENDING_OPTIONS]?: (typeof PENDING_OPTIONS)[K]["type"] extends "boolean"
    ? boolean
    : string;
};

export interface PendingConfig {
  readonly command: "pending";
  readonly out: string;
  readonly logFile: string;
  readonly logLevel: string;
  readonly baseUrl: string;
  /** Logs as the proxy's address only: its toJSON leaves the credentials out. */
  readonly proxy: ProxySettings;
  readonly agreementType: string;
  readonly selection: Selection;
  readonly pageSize: number;
  readonly concurrency: number;
  readonly maxRpm?: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly outageTimeoutMs: number;
  readonly overwrite: boolean;
  readonly progress: boolean;
  readonly json: boolean;
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

/** `YYYY-MM-DD`, a real calendar date → its UTC midnight in epoch ms. */
export function parseBefore(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const at = match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) : NaN;
  // Date.UTC rolls 2025-02-30 over into March: a real date reads back the same.
  if (!match || new Date(at).toISOString().slice(0, 10) !== value.trim())
    throw new UsageError(`--before must be a date written YYYY-MM-DD, such as 2025-01-31 (got "${value}")`);
  return at;
}

function selectionOf(flags: PendingFlags): Selection {
  if (flags.all && flags.before !== undefined)
    throw new UsageError("--all lists every customer already; leave out --before, or --all");
  if (flags.all) return { kind: "all" };
  if (flags.before !== undefined) return { kind: "before", before: parseBefore(flags.before) };
  return { kind: "missing" };
}

/**
 * The pending file is the one an operator fills in by hand: an existing one is replaced only
 * with --overwrite, and only if it is a regular file. Its folder must take new files.
 */
export function checkPendingOutputs(config: PendingConfig): void {
  const out = path.resolve(config.out);
  if (path.resolve(config.logFile) === out)
    throw new UsageError(`--log-file (${config.logFile}) must not be the same file as --out`);
  const written = [
    ["--out", config.out],
    ["--log-file", config.logFile],
  ] as const;
  // Never through a symbolic link (docs/cli.md "Runs").
  checkNoSymlinks(written, config.overwrite);
  for (const [what, file] of written) {
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (stat && !stat.isFile())
      throw new UsageError(`${what} (${file}) is not a regular file; choose another name`);
    const dir = path.dirname(path.resolve(file));
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw new UsageError(`${what} (${file}): the folder ${dir} does not exist or is not writable`);
    }
  }
  if (fs.existsSync(out) && !config.overwrite)
    throw new UsageError(
      `${config.out} exists (perhaps already filled in); choose another --out, or replace it with --overwrite`,
    );
}

/** Flags + environment → one resolved, readonly config; everything invalid is refused here (exit 2). */
export function resolvePendingConfig(flags: PendingFlags, env: NodeJS.ProcessEnv): PendingConfig {
  const out = flags.out ?? "pending.csv";
  const logLevel = flags["log-level"] ?? defaultOf("log-level");
  if (!LOG_LEVELS.includes(logLevel))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")} (got "${logLevel}")`);
  const agreementType = flags["agreement-type"]?.trim() || defaultOf("agreement-type");
  if (!/^[A-Za-z]+$/.test(agreementType))
    throw new UsageError(`--agreement-type must be a name such as MicrosoftCustomerAgreement`);
  const baseUrl = flags["base-url"]
    ? checkBaseUrl(flags["base-url"], "--base-url")
    : env.PARTNER_CENTER_BASE_URL
      ? checkBaseUrl(env.PARTNER_CENTER_BASE_URL, "PARTNER_CENTER_BASE_URL")
      : defaultOf("base-url");
  const maxRpm =
    flags["max-rpm"] === undefined ? undefined : wholeNumber("max-rpm", flags["max-rpm"], 0, 1, 1_000_000);
  return Object.freeze({
    command: "pending",
    out,
    logFile: flags["log-file"] ?? `${out}.log`,
    logLevel,
    baseUrl,
    proxy: ProxySettings.from(env, flags.proxy),
    agreementType,
    selection: selectionOf(flags),
    pageSize: wholeNumber("page-size", flags["page-size"], MAX_PAGE_SIZE_ASKED, 1, MAX_PAGE_SIZE_ASKED),
    concurrency: wholeNumber("concurrency", flags.concurrency, +defaultOf("concurrency"), 1, 256),
    ...(maxRpm === undefined ? {} : { maxRpm }),
    maxAttempts: wholeNumber("max-attempts", flags["max-attempts"], +defaultOf("max-attempts"), 1, 20),
    timeoutMs: wholeNumber("timeout", flags.timeout, +defaultOf("timeout"), 1, 600) * 1000,
    outageTimeoutMs:
      wholeNumber("outage-timeout", flags["outage-timeout"], +defaultOf("outage-timeout"), 1, 86_400) * 1000,
    overwrite: flags.overwrite ?? false,
    progress: !(flags.quiet || flags["no-progress"]),
    json: flags.json ?? false,
  });
}
