import type { Snapshot } from "../run/pipeline.js";

/** Redraw rate on a terminal, and how often a plain line is printed otherwise. */
const TTY_MS = 250;
const PLAIN_MS = 10_000;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "–";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function progressLine(s: Snapshot, elapsedMs: number, rate: number, now: number): string {
  const pct = s.total > 0 ? Math.floor((s.done / s.total) * 100) : 100;
  const failed = (s.byStatus.failed ?? 0) + (s.byStatus.rejected ?? 0);
  const parts = [
    `${s.done}/${s.total} rows (${pct}%)`,
    `${s.byStatus.confirmed ?? 0} confirmed`,
    `${failed} failed`,
    `${rate.toFixed(1)} rows/s`,
    `ETA ${eta((s.total - s.done) / rate)}`,
  ];
  if (s.pausedUntil > now) parts.push(`waiting ${Math.ceil((s.pausedUntil - now) / 1000)} s (API throttling)`);
  if (s.breakerOpen) parts.push("API not answering: holding requests, probing");
  void elapsedMs;
  return parts.join(" · ");
}

/** Progress on stderr: a redrawn line on a terminal, a plain line now and then otherwise. */
export function startProgress(snapshot: () => Snapshot, stream: NodeJS.WriteStream, now: () => number = Date.now): () => void {
  const tty = stream.isTTY === true;
  const started = now();
  // The rate over the last ~10 s, from samples, so the ETA follows throttling.
  const samples: { t: number; done: number }[] = [];
  const draw = () => {
    const t = now();
    const s = snapshot();
    samples.push({ t, done: s.done });
    while (samples.length > 2 && t - samples[0]!.t > 10_000) samples.shift();
    const first = samples[0]!;
    const rate = t > first.t ? ((s.done - first.done) * 1000) / (t - first.t) : 0;
    const line = progressLine(s, t - started, rate, t);
    stream.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  const timer = setInterval(draw, tty ? TTY_MS : PLAIN_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty) stream.write("\r\x1b[2K");
  };
}
