// How the run's pace grows: slow start before the API has said anything, then a cubic curve
// back towards the last pace that worked and slowly beyond it (CUBIC, RFC 9438; the same curve
// that AWS SDKs' "adaptive" retry mode uses for their client-side rate).
//
// Time on these curves is "demand time": it runs only while workers are waiting for the pace
// and the run is not held by a Retry-After, so an idle run banks no pace it never tried.

/** The first pace: low enough that the opening wave does not empty a small bucket at once. */
export const START_RATE = 8;
/** Slow start doubles the pace this often (TCP doubles per round trip): 8/s to 1,000/s in 0.7 s. */
const DOUBLING_MS = 100;
/** Above this the pace stops mattering (the tool's own ceiling is about 2,000 requests/s). */
export const TOP_RATE = 10_000;
/**
 * After a cut the pace is back at `top` (the measured limit, under the pace that drew
 * the 429) after RETURN_MS: a floor set too low costs at most that long, a `top` a share d under
 * the limit about K × d^(1/3) more, until the convex part passes the limit. Beyond `top` it grows slowly
 * at first and doubles K later, K = PROBE_REQUESTS at that pace (at least MIN_K_MS, at most
 * MAX_K_MS, and at least two Retry-Afters): probing costs one 429 round per cycle, so a cycle of
 * at least PROBE_REQUESTS keeps 429s near 1 % at any limit, and a limit that doubled is found
 * within K + 1 s (5 s at 40/s, 31 s at 5/s or below, with a 1 s Retry-After). While the limit is
 * only roughly known (the run's first seconds) K is MIN_K_MS, so a bad first figure is left
 * quickly.
 */
const RETURN_MS = 1_000;
const PROBE_REQUESTS = 150;
const MIN_K_MS = 2_000;
const MAX_K_MS = 30_000;
/**
 * A probe's 429 makes its row wait out the Retry-After; near the end of a run that row is the
 * last request. Probing at most once per two Retry-Afters keeps that tail short on average.
 */
const RETRY_AFTERS_PER_K = 2;

export interface Curve {
  /** Pace (requests/s) after `tau` ms of demand time on this curve. */
  at(tau: number): number;
}

export function slowStart(from = START_RATE): Curve {
  return { at: (tau) => Math.min(TOP_RATE, from * 2 ** (tau / DOUBLING_MS)) };
}

/**
 * From `floor` up to `top` along a concave cubic (fast at first, flat near `top`, where the
 * last 429 came), then convex beyond `top` (flat at first, doubled K later).
 */
export function cubic(floor: number, top: number, settled = true, retryAfterMs = 0): Curve {
  const high = Math.max(floor, top);
  const probe = Math.min(MAX_K_MS, Math.max(MIN_K_MS, (PROBE_REQUESTS * 1000) / high));
  const k = settled ? Math.max(probe, RETRY_AFTERS_PER_K * retryAfterMs) : MIN_K_MS;
  return {
    at(tau) {
      if (tau < RETURN_MS) return high - (high - floor) * ((RETURN_MS - tau) / RETURN_MS) ** 3;
      return Math.min(TOP_RATE, high * (1 + ((tau - RETURN_MS) / k) ** 3));
    },
  };
}

/** The pace after a round, as a share of what the API measurably accepted. */
const BACKOFF = 0.97;
/** After a probe's 429, the pace returns to this share of the pace that drew it. */
const PROBE_TOP = 0.99;
/** After an overshoot, the pace returns to at most this much above the measured rate. */
const MAX_TOP_OVER_ESTIMATE = 1.25;
/**
 * Against a window limiter the pace stays this much above the measured rate. A window used up
 * early costs nothing (the next one opens on time); the whole seconds of Retry-After end a hold
 * up to a second late, which a pace 25 % above the average makes up within the next window, and
 * against a sliding window a pace (W + 1 s) ÷ W above the average is what keeps it full.
 */
const WINDOW_MARGIN = 1.25;
/**
 * A pace a bucket of one token has granted request by request is used this close: the bucket's
 * spacing is known to the shortest accepted gap, and every request a little early is refused.
 */
const PROVEN_MARGIN = 0.998;
/** When nothing is measured yet (the opening burst hid the limit), the pace is halved. */
const BLIND_BACKOFF = 0.5;

export interface Cut {
  floor: number;
  top: number;
  /** The limit is measured, not guessed: probe at the settled pace (see cubic). */
  settled: boolean;
}

/**
 * Where the pace goes after a round of 429s, from the pace that drew it (`current`) and what the
 * API measurably accepted (`measured`, estimate.ts). Pure, so each case reads on its own.
 */
export function cutAfterRound(
  current: number,
  measured: { perSecond: number; rough: boolean } | undefined,
  windowLimiter: boolean,
  proven?: number,
): Cut {
  if (!measured) return { floor: BLIND_BACKOFF * current, top: current, settled: false };
  const estimate = measured.perSecond;
  const settled = !measured.rough;
  if (windowLimiter) {
    // A window used up is no sign of pacing too fast: the run holds until it ends anyway. A
    // rough figure says nothing here (a window grants in lumps: one period may hold none).
    const pace = measured.rough ? current : estimate * WINDOW_MARGIN;
    return { floor: pace, top: pace, settled };
  }
  if (current <= estimate * MAX_TOP_OVER_ESTIMATE) {
    // A probe found the limit. The measured rate is the limit when the bucket was empty at both
    // ends of its span, and falls short of it when a small bucket overflowed while the run paced
    // below the limit; the pace that drew this 429 is above it. Return to the measured rate,
    // under the pace that failed, and probe on slowly from there: the convex part beyond `top`
    // makes up a shortfall. Not above it: a bucket empty when the pace returns refuses one
    // request per token the pace takes beyond its rate, so 3 % over it (as it was) drew a 429
    // about every 34 requests for as long as it held (38 measured at 5/s: every 7.5 s; 3.2-5.2 %
    // of a run's requests answered 429 against a 5/s bucket, the bar's 5 %). Buckets of 2 or 3
    // tokens, which lose what is not taken at once, keep 98.2-99.99 % of the limit in virtual
    // time (200/s of 2 with 1 s lowest: 98.2 %, 99.3 % before) with fewer 429s everywhere.
    const top = Math.min(current * PROBE_TOP, estimate);
    // A burst-1 bucket loses every token not taken at once, so the measured rate is short of
    // its limit; a pace it has already granted request by request (token-spacing.ts) is safe.
    const granted = Math.min((proven ?? 0) * PROVEN_MARGIN, current, estimate * MAX_TOP_OVER_ESTIMATE);
    if (granted > top) return { floor: granted, top: granted, settled };
    return { floor: top * PROBE_TOP, top, settled };
  }
  // Far above what the API granted (the slow start's overshoot, or a limit that dropped):
  // return to the measured rate, not to the pace that failed.
  const top = Math.max(estimate, Math.min(current * BACKOFF, estimate * MAX_TOP_OVER_ESTIMATE));
  return { floor: BACKOFF * estimate, top, settled };
}
