import { RunStoppedError } from "../errors.js";
import type { Clock } from "./clock.js";

// A run-wide circuit breaker for outages. When most recent attempts failed with 5xx or no
// answer, retrying every row --max-attempts times only burns the partner's request budget:
// instead stop sending, wait with doubling delays, and let one probe request through.
// If the API has not recovered after outageTimeoutMs, the run stops (exit 3).

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
  /** Waits while the breaker is open; throws RunStoppedError once the outage lasted too long. */
  admit(signal?: AbortSignal): Promise<boolean>;
  /** fault: 5xx or no answer; ok: any other answer (4xx included: the API is up). */
  record(fault: boolean, probe?: boolean): void;
  readonly open: boolean;
  /** When the next probe may go (epoch ms), for the progress display. */
  readonly nextProbeAt: number;
}

export function createBreaker(options: { clock: Clock; outageTimeoutMs: number }): Breaker {
  const { clock, outageTimeoutMs } = options;
  const recent: boolean[] = [];
  let faults = 0;
  let openedAt: number | undefined;
  let probeDelay = PROBE_BASE_MS;
  let nextProbeAt = 0;
  let probing = false;

  function stopIfTooLong(now: number): void {
    if (openedAt !== undefined && now - openedAt >= outageTimeoutMs) {
      const minutes = Math.round(outageTimeoutMs / 6000) / 10;
      throw new RunStoppedError(
        `The API answered only with server errors or not at all for ${minutes} min; the run stopped. ` +
          `Try again later with --resume (or raise --outage-timeout).`,
        "outage",
      );
    }
  }

  return {
    async admit(signal) {
      // Bounded by the outage timeout: after it every caller throws.
      while (openedAt !== undefined && !signal?.aborted) {
        const now = clock.now();
        stopIfTooLong(now);
        if (!probing && now >= nextProbeAt) {
          probing = true;
          return true;
        }
        await clock.sleep(Math.max(1, Math.min(POLL_MS, nextProbeAt - now)), signal);
      }
      return false;
    },
    record(fault, probe) {
      if (openedAt !== undefined) {
        // Only the probe's own answer decides; an answer to a request sent before the breaker
        // opened says nothing new. (`probe` undefined: the caller does not tell, take it as the probe.)
        if (!probing || probe === false) return;
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
  };
}
