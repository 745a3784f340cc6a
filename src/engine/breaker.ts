import { formatDuration } from "../duration.js";
import type { Clock } from "./clock.js";
import type { RunStop } from "./stop.js";

// A run-wide circuit breaker for outages. When most recent attempts failed with 5xx or no
// answer, retrying every row --max-attempts times only burns the partner's request budget:
// instead stop sending, wait with doubling delays, and let one probe request through.
// If the API has not recovered after outageTimeoutMs, the run stops (exit 3, resumable).

/** Attempts looked at, and the share of faults among them that opens the breaker. */
const WINDOW = 20;
const MIN_SAMPLES = 10;
const OPEN_SHARE = 0.8;
/** First wait before a probe, doubled after each failed probe up to the cap. */
const PROBE_BASE_MS = 2_000;
const PROBE_CAP_MS = 60_000;
/** How often held workers look again (they also wake on abort). */
const POLL_MS = 250;

export interface Breaker {
  /**
   * Waits while the breaker is open; true when this attempt is the probe. Once the outage
   * lasted longer than outageTimeoutMs it stops the run (outage), which releases every waiter.
   */
  admit(): Promise<boolean>;
  /** fault: 5xx or no answer; ok: any other answer (4xx included: the API is up). `probe`: admit() said so. */
  record(fault: boolean, probe: boolean): void;
  readonly open: boolean;
  /** When the next probe may go (epoch ms), for the progress display. */
  readonly nextProbeAt: number;
  /** How long an outage may last before the run stops (--outage-timeout). */
  readonly outageTimeoutMs: number;
}

export function createBreaker(options: { clock: Clock; outageTimeoutMs: number; stop: RunStop }): Breaker {
  const { clock, outageTimeoutMs, stop } = options;
  const recent: boolean[] = [];
  let faults = 0;
  let openedAt: number | undefined;
  let probeDelay = PROBE_BASE_MS;
  let nextProbeAt = 0;
  let probing = false;

  function stopIfTooLong(now: number): void {
    if (openedAt !== undefined && now - openedAt >= outageTimeoutMs) {
      stop.stop(
        "outage",
        `The API answered only with server errors or not at all for ${formatDuration(outageTimeoutMs / 1000)}; the run stopped. ` +
          `Try again later with --resume (or raise --outage-timeout).`,
      );
    }
  }

  return {
    async admit() {
      // Bounded by the outage timeout: after it the run is stopped and every caller returns.
      while (openedAt !== undefined && !stop.signal.aborted) {
        const now = clock.now();
        stopIfTooLong(now);
        if (stop.signal.aborted) break;
        if (!probing && now >= nextProbeAt) {
          probing = true;
          return true;
        }
        await clock.sleep(Math.max(1, Math.min(POLL_MS, nextProbeAt - now)), stop.signal);
      }
      return false;
    },
    record(fault, probe) {
      if (openedAt !== undefined) {
        // Only the probe's own answer decides; an answer to a request sent before the breaker
        // opened says nothing new.
        if (!probing || !probe) return;
        probing = false;
        if (!fault) {
          openedAt = undefined;
          recent.length = 0;
          faults = 0;
          probeDelay = PROBE_BASE_MS;
          return;
        }
        probeDelay = Math.min(PROBE_CAP_MS, probeDelay * 2);
        nextProbeAt = clock.now() + probeDelay;
        return;
      }
      recent.push(fault);
      if (fault) faults++;
      if (recent.length > WINDOW && recent.shift()) faults--;
      if (recent.length >= MIN_SAMPLES && faults / recent.length >= OPEN_SHARE) {
        openedAt = clock.now();
        probeDelay = PROBE_BASE_MS;
        nextProbeAt = openedAt + probeDelay;
      }
    },
    get open() {
      return openedAt !== undefined;
    },
    get nextProbeAt() {
      return nextProbeAt;
    },
    outageTimeoutMs,
  };
}
