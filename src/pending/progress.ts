// Progress of `pending` on stderr: where it can be redrawn (canRedraw, as for run) one line
// redrawn in place, otherwise a plain line now and then (CI logs, `2> file`, TERM=dumb, NO_COLOR).
// The list's length is unknown until its last page, so the line counts up instead of showing a
// share or an ETA.

import { startLineDisplay } from "../output/progress.js";

export interface PendingSnapshot {
  readonly read: number;
  readonly checked: number;
  readonly needConfirmation: number;
  readonly pausedUntil: number;
  readonly breakerOpen: boolean;
}

const count = (n: number) => n.toLocaleString("en-US");

function pendingProgressLine(s: PendingSnapshot, perSecond: number, now: number): string {
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

/** Starts the display (startLineDisplay, as run's); returns the function that stops it and clears the line. */
export function startPendingProgress(
  snapshot: () => PendingSnapshot,
  stream: NodeJS.WriteStream,
  now: () => number = Date.now,
  redraw: boolean = stream.isTTY === true,
): () => void {
  return startLineDisplay(
    (at) => {
      const current = snapshot();
      return { count: current.checked, line: (perSecond) => pendingProgressLine(current, perSecond, at) };
    },
    stream,
    now,
    redraw,
  );
}
