import { formatDuration } from "../duration.js";
import type { Snapshot } from "./run-result.js";
import { NEED_OF_STATUS } from "./summary.js";
import type { Status } from "../statuses.js";

/** Redraw rate on a terminal. */
const TTY_MS = 250;
/** Without a terminal (CI logs, `2> file`): look every second, print a plain line at most this often… */
const PLAIN_MS = 30_000;
/** …or sooner when a throttling pause begins, so a log shows why the run stalls, but not more often than this. */
const PLAIN_PAUSE_MS = 5_000;
/** The rate (and so the ETA) is measured over the last ~10 s, so it follows throttling… */
const RATE_WINDOW_MS = 10_000;
/** …and is shown once it rests on at least this much time: the first half-second says nothing. */
const RATE_KNOWN_MS = 1_000;

/**
 * Whether the progress line may be redrawn in place: on a terminal, unless it is `TERM=dumb` (an
 * editor's shell, some CI consoles) or a CI job's log (`CI` set), which get the same plain lines
 * without cursor escapes. `NO_COLOR` is about colour only (no-color.org): it changes nothing here.
 */
export function canRedraw(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  return stream.isTTY === true && env.TERM !== "dumb" && !ci;
}

/** "ETA 4 min 10 s"; "ETA —" while the rate is not known (undefined) or nothing moves. */
function etaOf(snapshot: Snapshot, rate: number | undefined): string {
  const left = Math.max(0, snapshot.toDecide - snapshot.decidedNow);
  if (left === 0) return formatDuration(0);
  return rate !== undefined && rate > 0 ? formatDuration(left / rate) : "—";
}

/** Rows per need among those decided so far (summary.ts's words): confirmed, to fix, re-run later. */
function needCounts(byStatus: Readonly<Record<string, number>>): { toFix: number; later: number } {
  let toFix = 0;
  let later = 0;
  for (const [status, count] of Object.entries(byStatus)) {
    const need = NEED_OF_STATUS[status as Status];
    if (need === "to-fix") toFix += count;
    else if (need === "re-run-later") later += count;
  }
  return { toFix, later };
}

/** "3 rows waiting to retry (next in 12 s)" once every row left is asleep before a retry; else undefined. */
function retryWait(snapshot: Snapshot, now: number): string | undefined {
  const waiting = snapshot.retryWaiting ?? 0;
  const left = snapshot.toDecide - snapshot.decidedNow;
  if (waiting === 0 || waiting < left || snapshot.nextRetryAt === undefined) return undefined;
  const next = formatDuration(Math.max(0, Math.ceil((snapshot.nextRetryAt - now) / 1000)));
  return `${waiting} ${waiting === 1 ? "row" : "rows"} waiting to retry (next in ${next})`;
}

/**
 * One progress line; `rate` is rows this process decided per second, undefined until known.
 * Rows that need work are counted as the summary groups them: "to fix" (invalid, rejected) and
 * "re-run later" (failed). When only rows waiting for a retry are left, that replaces the ETA.
 */
export function progressLine(snapshot: Snapshot, rate: number | undefined, now: number): string {
  const pct = snapshot.total > 0 ? Math.floor((snapshot.done / snapshot.total) * 100) : 100;
  const { toFix, later } = needCounts(snapshot.byStatus);
  const parts = [
    `${snapshot.done}/${snapshot.total} rows (${pct}%)`,
    `${snapshot.byStatus.confirmed ?? 0} confirmed`,
    `${toFix} to fix`,
    `${later} re-run later`,
    `${rate === undefined ? "—" : rate.toFixed(1)} rows/s`,
    retryWait(snapshot, now) ?? `ETA ${etaOf(snapshot, rate)}`,
  ];
  if (snapshot.pausedUntil > now)
    parts.push(`waiting ${Math.ceil((snapshot.pausedUntil - now) / 1000)} s (API throttling)`);
  if (snapshot.breakerOpen) parts.push("API not answering: holding requests, probing");
  return parts.join(" · ");
}

/** What a progress display shows at one moment. */
interface DisplayFrame {
  /** Items done so far: the rate is measured on it. */
  readonly count: number;
  /** A throttling pause is on; when given, a plain line comes sooner as one begins. */
  readonly paused?: boolean;
  /**
   * The line, given the items per second over the last ~10 s (0 before two samples) and the
   * time that rate rests on; undefined when there is nothing to show yet.
   */
  line(perSecond: number, spanMs: number): string | undefined;
}

/**
 * A line on stderr kept up to date: where it can be redrawn (canRedraw), redrawn in place (cut to
 * the terminal's width, so `\r` really returns to its start); otherwise a plain line every
 * PLAIN_MS, and one when a throttling pause begins. Returns the function that stops it and clears
 * the line. `run` and `pending` each give it their own frame.
 */
export function startLineDisplay(
  frame: (at: number) => DisplayFrame,
  stream: NodeJS.WriteStream,
  now: () => number = Date.now,
  redraw: boolean = stream.isTTY === true,
): () => void {
  const samples: { at: number; count: number }[] = [];
  let lastPlain = now();
  let wasPaused = false;
  let stopped = false;
  const draw = () => {
    const at = now();
    const current = frame(at);
    samples.push({ at, count: current.count });
    while (samples.length > 2 && at - samples[0].at > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const spanMs = at - first.at;
    const perSecond = spanMs > 0 ? ((current.count - first.count) * 1000) / spanMs : 0;
    const paused = current.paused === true;
    const pauseBegan = paused && !wasPaused;
    wasPaused = paused;
    const line = current.line(perSecond, spanMs);
    if (line === undefined) return;
    if (redraw) {
      const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : 200;
      stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    } else if (at - lastPlain >= PLAIN_MS || (pauseBegan && at - lastPlain >= PLAIN_PAUSE_MS)) {
      lastPlain = at;
      stream.write(`${line}\n`);
    }
  };
  const timer = setInterval(draw, redraw ? TTY_MS : 1000);
  timer.unref();
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (redraw) stream.write("\r\x1b[2K");
  };
}

/** The run's progress (startLineDisplay): rows decided by this process, an ETA, the pause. */
export function startProgress(
  snapshot: () => Snapshot,
  stream: NodeJS.WriteStream,
  now: () => number = Date.now,
  redraw: boolean = stream.isTTY === true,
): () => void {
  return startLineDisplay(
    (at) => {
      const current = snapshot();
      return {
        count: current.decidedNow,
        paused: current.pausedUntil > at,
        // Still reading the file: nothing to show yet. The rate is shown once it rests on a second.
        line: (perSecond, spanMs) =>
          current.total === 0
            ? undefined
            : progressLine(current, spanMs < RATE_KNOWN_MS ? undefined : perSecond, at),
      };
    },
    stream,
    now,
    redraw,
  );
}
