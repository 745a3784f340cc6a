// Progress of `pending` on stderr: where it can be redrawn (canRedraw, as for run) one line
// redrawn in place, otherwise a plain line now and then (CI logs, `2> file`, TERM=dumb, NO_COLOR).
// The list's length is unknown until its last page, so the line counts up instead of showing a
// share or an ETA.

export interface PendingSnapshot {
  readonly read: number;
  readonly checked: number;
  readonly needConfirmation: number;
  readonly pausedUntil: number;
  readonly breakerOpen: boolean;
}

/** Redraw rate on a terminal; without one, a plain line at most this often. */
const TTY_MS = 250;
const PLAIN_MS = 30_000;
/** The speed is measured over the last ~10 s, so it follows throttling. */
const RATE_WINDOW_MS = 10_000;

const count = (n: number) => n.toLocaleString("en-US");

export function pendingProgressLine(s: PendingSnapshot, perSecond: number, now: number): string {
  const parts = [
    `${count(s.read)} customers read`,
    `${count(s.checked)} checked`,
    `${count(s.needConfirmation)} need a confirmation`,
    `${perSecond.toFixed(1)} customers/s`,
  ];
  if (s.pausedUntil > now)
    parts.push(`waiting ${Math.ceil((s.pausedUntil - now) / 1000)} s (API throttling)`);
  if (s.breakerOpen) parts.push("API not answering: holding requests, probing");
  return parts.join(" · ");
}

/** Starts the display; returns the function that stops it and clears the line. */
export function startPendingProgress(
  snapshot: () => PendingSnapshot,
  stream: NodeJS.WriteStream,
  now: () => number = Date.now,
  redraw: boolean = stream.isTTY === true,
): () => void {
  const samples: { at: number; checked: number }[] = [];
  let lastPlain = now();
  const draw = () => {
    const at = now();
    const s = snapshot();
    samples.push({ at, checked: s.checked });
    while (samples.length > 2 && at - samples[0].at > RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const perSecond = at > first.at ? ((s.checked - first.checked) * 1000) / (at - first.at) : 0;
    const line = pendingProgressLine(s, perSecond, at);
    if (redraw) {
      const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : 200;
      stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    } else if (at - lastPlain >= PLAIN_MS) {
      lastPlain = at;
      stream.write(`${line}\n`);
    }
  };
  const timer = setInterval(draw, redraw ? TTY_MS : 1000);
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (redraw) stream.write("\r\x1b[2K");
  };
}
