// What a run's pino log (JSON lines) tells the report: the run's metadata from its run-start,
// template and run-end events, and its requests and 429 answers over time from its attempt
// events. Read line by line and kept as counts per second, so a long run's log costs little.
import { createReadStream } from "node:fs";
import readline from "node:readline";

export interface RunMetadata {
  version?: string;
  startedAt?: string;
  endedAt?: string;
  input?: string;
  inputSha256?: string;
  options: Record<string, string>;
  /** The run's --map as logged (normalized header → field), to find the customer id column. */
  map?: Record<string, string>;
  templateId?: string;
  baseUrl?: string;
  partnerTenantId?: string;
  /** The signed-in user the token named (upn). */
  signedInUser?: string;
  tokenSource?: string;
  /** Runs of the log's last run: 1, plus one per --resume. */
  sessions: number;
  stop?: string;
  /** The command that continues the run, when it stopped and can be resumed (its "next" event). */
  resumeCommand?: string;
}

export interface Timeline {
  readonly startMs: number;
  readonly bucketMs: number;
  readonly requests: readonly number[];
  readonly throttled: readonly number[];
}

export interface RunLog {
  readonly metadata: RunMetadata;
  readonly timeline?: Timeline;
}

interface LogLine {
  event?: unknown;
  time?: unknown;
  httpStatus?: unknown;
  resumed?: unknown;
  input?: unknown;
  options?: unknown;
  templateId?: unknown;
  version?: unknown;
  inputSha256?: unknown;
  partnerTenantId?: unknown;
  signedInUser?: unknown;
  tokenSource?: unknown;
  stop?: unknown;
  resume?: unknown;
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const iso = (v: unknown): string | undefined =>
  typeof v === "number" && Number.isFinite(v) ? new Date(v).toISOString() : undefined;

function optionText(value: unknown): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "string" || typeof value === "number") return String(value);
  return JSON.stringify(value);
}

function startOf(line: LogLine, previous: RunMetadata | undefined): RunMetadata {
  const options: Record<string, string> = {};
  if (line.options && typeof line.options === "object")
    for (const [k, v] of Object.entries(line.options as Record<string, unknown>))
      if (v !== undefined && v !== null) options[k] = optionText(v);
  if (previous && line.resumed === true)
    return { ...previous, sessions: previous.sessions + 1, resumeCommand: undefined };
  return {
    version: text(line.version),
    startedAt: iso(line.time),
    input: text(line.input),
    inputSha256: text(line.inputSha256),
    options,
    map:
      line.options && typeof (line.options as { map?: unknown }).map === "object"
        ? ((line.options as { map: Record<string, string> }).map ?? undefined)
        : undefined,
    templateId: text(options.templateId),
    baseUrl: text(options.baseUrl),
    partnerTenantId: text(line.partnerTenantId),
    signedInUser: text(line.signedInUser),
    tokenSource: text(line.tokenSource),
    sessions: 1,
  };
}

/** Bucket widths a chart axis reads easily; the widest needed to keep about 120 bars. */
const BUCKETS_MS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 21600, 86400].map((s) => s * 1000);
const MAX_BARS = 120;

function toTimeline(perSecond: Map<number, { requests: number; throttled: number }>): Timeline | undefined {
  if (perSecond.size === 0) return undefined;
  let first = Infinity;
  let last = -Infinity;
  for (const second of perSecond.keys()) {
    first = Math.min(first, second);
    last = Math.max(last, second);
  }
  const span = (last - first + 1) * 1000;
  const bucketMs = BUCKETS_MS.find((b) => span / b <= MAX_BARS) ?? BUCKETS_MS[BUCKETS_MS.length - 1];
  const startMs = Math.floor((first * 1000) / bucketMs) * bucketMs;
  const bars = Math.ceil((first * 1000 + span - startMs) / bucketMs);
  const requests = new Array<number>(bars).fill(0);
  const throttled = new Array<number>(bars).fill(0);
  for (const [second, c] of perSecond) {
    const i = Math.floor((second * 1000 - startMs) / bucketMs);
    requests[i] += c.requests;
    throttled[i] += c.throttled;
  }
  return { startMs, bucketMs, requests, throttled };
}

/**
 * Reads the last run recorded in `file` (a log appended to by earlier runs, then by --resume):
 * a run-start that is not a resume starts over.
 */
export async function readRunLog(file: string): Promise<RunLog> {
  let metadata: RunMetadata | undefined;
  let perSecond = new Map<number, { requests: number; throttled: number }>();
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const raw of lines) {
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      continue; // a line cut by a crash, or not ours
    }
    if (line === null || typeof line !== "object") continue;
    switch (line.event) {
      case "run-start":
        if (line.resumed !== true) perSecond = new Map();
        metadata = startOf(line, metadata);
        break;
      case "template":
        if (metadata) metadata.templateId = text(line.templateId) ?? metadata.templateId;
        break;
      case "run-end":
        if (metadata) {
          metadata.endedAt = iso(line.time);
          metadata.stop = text(line.stop);
          metadata.partnerTenantId = text(line.partnerTenantId) ?? metadata.partnerTenantId;
          metadata.signedInUser = text(line.signedInUser) ?? metadata.signedInUser;
        }
        break;
      case "next":
        if (metadata) metadata.resumeCommand = text(line.resume);
        break;
      case "attempt": {
        if (typeof line.time !== "number") break;
        const second = Math.floor(line.time / 1000);
        const c = perSecond.get(second) ?? { requests: 0, throttled: 0 };
        c.requests++;
        if (line.httpStatus === 429) c.throttled++;
        perSecond.set(second, c);
      }
    }
  }
  return { metadata: metadata ?? { options: {}, sessions: 0 }, timeline: toTimeline(perSecond) };
}
