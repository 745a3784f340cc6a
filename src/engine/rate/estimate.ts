// What the API accepted, measured between the moments it said "empty".
//
// A 429 means the limiter had nothing left at the moment that request reached it: a token
// bucket was empty, a window was used up. From one such moment to the next, every request it
// accepted was granted by its refill, so accepted ÷ elapsed is the limit itself, whatever the
// burst and whatever the pace the run chose meanwhile (a run that paced below the limit long
// enough for a bucket to fill and overflow makes this an underestimate, never an overestimate).
// Requests are attributed by START time: a 429 comes back at once while accepted answers arrive
// after the API's latency, so counting starts (minus those answered 429) sees the whole period.
// The shortest span ending at the latest mark that holds MIN_SAMPLES acceptances and MIN_SPAN_MS
// is used, so a limit that changes is followed within a few seconds. Until such a span exists
// (the first seconds of a run) the longest span there is gives a rough figure: it can only be
// high by one request over the span (the bucket may have granted one more by the next moment),
// and each later round shrinks that error.

/** Accepted requests a span must hold before its rate is trusted (±1 is then ±5 %). */
const MIN_SAMPLES = 20;
/** Shortest span trusted: a fixed window's lump of grants must not read as a rate. */
const MIN_SPAN_MS = 2_000;
/** A rough figure needs at least this span and this many acceptances. */
const ROUGH_SPAN_MS = 100;
const ROUGH_SAMPLES = 1;
/** Moments kept: older ones say nothing about a limit that may have changed since. */
const MAX_MARKS = 64;

/** Requests started from `at` on (until the next mark) and how many of them were refused. */
interface Period {
  at: number;
  started: number;
  refused: number;
}

export interface Estimate {
  perSecond: number;
  /** From a span shorter than MIN_SPAN_MS or with fewer than MIN_SAMPLES: the run's first seconds. */
  rough: boolean;
}

export interface AcceptanceLog {
  /** A request starts at `at` (in time order). */
  started(at: number): void;
  /** A request that started at `at` was answered 429. */
  refused(at: number): void;
  /** The limiter was empty at `at`: begins a new period. */
  mark(at: number): void;
  /**
   * Accepted requests per second between an earlier mark and the latest one, if trustworthy:
   * over the shortest good span of at least `periods` periods. A window limiter grants in
   * lumps, so a span of several windows averages out where in its window each mark fell.
   */
  estimate(periods?: number): Estimate | undefined;
  /** The highest rate of one whole period among the last `count` (for a window limiter). */
  busiestPeriod(count: number): number | undefined;
  /** Requests started since the latest mark and not refused (so far). */
  acceptedSinceMark(): number;
  /** The latest empty moment. */
  readonly lastMark: number | undefined;
}

export function createAcceptanceLog(): AcceptanceLog {
  let periods: Period[] = [];
  /** Requests started before the first mark: the run's opening, where the burst hides the rate. */
  const opening: Period = { at: -Infinity, started: 0, refused: 0 };

  function periodOf(at: number): Period {
    for (let i = periods.length - 1; i >= 0; i--) if (periods[i].at <= at) return periods[i];
    return opening;
  }

  return {
    started(at) {
      periodOf(at).started++;
    },
    refused(at) {
      periodOf(at).refused++;
    },
    mark(at) {
      const last = periods[periods.length - 1];
      if (last && at < last.at) return; // out of order: part of a period already marked
      // A later request may already have started in the period being split: a few starts are
      // attributed to the old one, which only nudges the estimate down.
      periods.push({ at, started: 0, refused: 0 });
      if (periods.length > MAX_MARKS) periods = periods.slice(-MAX_MARKS);
    },
    estimate(minPeriods = 1) {
      const end = periods[periods.length - 1];
      if (!end) return undefined;
      let accepted = 0;
      let span = 0;
      for (let i = periods.length - 2; i >= 0; i--) {
        const p = periods[i];
        accepted += p.started - p.refused;
        span = end.at - p.at;
        const enough = periods.length - 1 - i >= minPeriods;
        if (enough && span >= MIN_SPAN_MS && accepted >= MIN_SAMPLES)
          return { perSecond: (accepted * 1000) / span, rough: false };
      }
      if (span < ROUGH_SPAN_MS || accepted < ROUGH_SAMPLES) return undefined;
      return { perSecond: (accepted * 1000) / span, rough: true };
    },
    busiestPeriod(count) {
      let best: number | undefined;
      for (let i = periods.length - 2; i >= Math.max(0, periods.length - 1 - count); i--) {
        const p = periods[i];
        const span = periods[i + 1].at - p.at;
        const accepted = p.started - p.refused;
        if (span >= MIN_SPAN_MS && accepted >= MIN_SAMPLES)
          best = Math.max(best ?? 0, (accepted * 1000) / span);
      }
      return best;
    },
    acceptedSinceMark() {
      const p = periods[periods.length - 1] ?? opening;
      return p.started - p.refused;
    },
    get lastMark() {
      return periods[periods.length - 1]?.at;
    },
  };
}
