/**
 * Every duration the tool prints (ETA, elapsed time, waits), rounded once to the unit shown and
 * only then split, so no "1 min 60 s" and no "1 min 0 s" next to "60 s": 59.6 s is "1 min".
 * Under a minute it shows whole seconds, or tenths with `tenths` (an elapsed time of a short
 * run); from an hour on, whole minutes. Unknown (not finite, negative) is "—".
 */
export function formatDuration(seconds: number, options: { tenths?: boolean } = {}): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (options.tenths) {
    const tenths = Math.round(seconds * 10) / 10;
    if (tenths < 60) return `${tenths.toFixed(1)} s`;
  }
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) {
    const rest = whole % 60;
    return `${Math.floor(whole / 60)} min${rest > 0 ? ` ${rest} s` : ""}`;
  }
  const minutes = Math.round(seconds / 60);
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest > 0 ? ` ${rest} min` : ""}`;
}
