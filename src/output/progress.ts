import type { Snapshot } from "./report.js";

/** Redraw rate on a terminal. */
const TTY_MS = 250;
/** Without a terminal (CI logs, `2> file`): look every second, print a plain line at most this often… */
const PLAIN_MS = 30_000;
/** …or sooner when a throttling pause begins, so a log shows why the run stalls, but not more often than this. */
const PLAIN_PAUSE_MS = 5_000;
/** The rate (and so the ETA) is measured over the last ~10 s, so it follows throttling. */
const RATE_WINDOW_MS = 10_000;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "–";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${Math.round(seconds % 60)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** One progress line. "failed" counts rows the API refused or that ran out of attempts; invalid rows are shown apart. */
export function progressLine(snapshot: Snapshot, rate: number, now: number): string {
  const pct = snapshot.total > 0 ? Math.floor((snapshot.done / snapshot.total) * 100) : 100;
  const failed = (snapshot.byStatus.failed ?? 0) + (snapshot.byStatus.rejected ?? 0);
  const invalid = snapshot.byStatus.invalid ?? 0;
  const parts = [
    `${snapshot.done}/${snapshot.total} rows (${pct}%)`,
    `${snapshot.byStatus.confirmed ?? 0} confirmed`,
    `${failed} failed`,
  ];
  if (invalid > 0) parts.push(`${invalid} invalid`);
  parts.push(`${rate.toFixed(1)} rows/s`, `ETA ${eta((snapshot.total - snapshot.done) / rate)}`);
  if (snapshot.pausedUntil > now)
    parts.push(`waiting ${Math.ceil((snapshot.pausedUntil - now) / 1000)} s (API throttling)`);
  if (snapshot.breakerOpen) parts.push("API not answering: holding requests, probing");
  return parts.join(" · ");
}

/**
 * Progress on stderr: on a terminal one line redrawn in place (cut to the terminal's width, so
 * `\r` really returns to its start); otherwise a plain line every PLAIN_MS, and one when a
 * throttling pause begins. Returns the function that stops it and clears the line.
 */
export function startProgress(
  snapshot: () => Snapshot,
  stream: NodeJS.WriteStream,
  now: () => number = Date.now,
): () => void {
  const tty = stream.isTTY === true;
  const samples: { at: number; done: number }[] = [];
  let lastPlain = now();
  let wasPaused = false;
  let stopped = false;
  const draw = () => {
    const at = now();
    const current = snapshot();
    samples.push({ at, done: current.done });
    while (samples.length > 2 && at - samples[0].at > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const rate = at > first.at ? ((current.done - first.done) * 1000) / (at - first.at) : 0;
    const paused = current.pausedUntil > at;
    const pauseBegan = paused && !wasPaused;
    wasPaused = paused;
    if (current.total === 0) return; // still reading the file: nothing to show yet
    const line = progressLine(current, rate, at);
    if (tty) {
      const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : 200;
      stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    } else if (at - lastPlain >= PLAIN_MS || (pauseBegan && at - lastPlain >= PLAIN_PAUSE_MS)) {
      lastPlain = at;
      stream.write(`${line}\n`);
    }
  };
  const timer = setInterval(draw, tty ? TTY_MS : 1000);
  timer.unref();
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (tty) stream.write("\r\x1b[2K");
  };
}
