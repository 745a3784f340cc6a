// The token spacing of a bucket that holds one token, read from the run's own starts.
//
// A bucket of burst 1 banks nothing: every moment the run paces below its rate is a token lost
// for good, so pacing 1 % under the limit costs 1 % of the run, and the rate measured between
// 429s (estimate.ts) falls short of the limit by whatever the run left unused. What such a
// bucket does show exactly is its spacing I: a request accepted g ms after the previous accepted
// one says I ≤ g (the bucket was empty after that one), a request refused g ms after the previous
// accepted one says I > g. So I lies in (longest refused gap, shortest accepted gap], and a pace
// of one request per shortest accepted gap is one the bucket has already granted.
//
// A bucket with a larger burst grants gaps shorter than I while its burst drains: at the run's
// opening (the slow start's first wave) or later it shows a refused gap at least as long as an
// accepted one, which no burst-1 bucket can, and from then on this run does not use the spacing.
// A request started at the proven spacing and still refused (controller.ts) disproves it the same way,
// and so does a lowered limit. Starts are read in start order once their answers are in; one
// never answered (the run stopped) is skipped after PENDING_MS.

/** Starts remembered while their answers are awaited. */
const MAX_PENDING = 4_096;
/** An answer not in after this long is not coming (a stopped run, a request that failed). */
const PENDING_MS = 60_000;
/** Accepted gaps needed before the interval is trusted. */
const MIN_ACCEPTED = 20;

interface Start {
  at: number;
  accepted?: boolean;
}

export interface TokenSpacing {
  started(at: number): void;
  answered(startedAt: number, accepted: boolean, now: number): void;
  /** Requests per second of the shortest accepted gap, when the starts are those of a burst-1 bucket. */
  provenRate(): number | undefined;
  /**
   * A request started at the proven spacing was refused: the limiter is no bucket of one token
   * (a larger burst let gaps shorter than its spacing through while it drained). The spacing is
   * not used again in this run.
   */
  disproved(): void;
}

export function createTokenSpacing(): TokenSpacing {
  let starts: Start[] = [];
  let head = 0;
  let lastAccepted: number | undefined;
  let shortestAccepted = Infinity;
  let longestRefused = 0;
  let acceptedGaps = 0;
  let refusedGaps = 0;
  /** The starts showed a limiter other than one bucket of one token: spacing is not used. */
  let disproved = false;

  function read(start: Start): void {
    if (start.accepted === undefined) {
      lastAccepted = undefined; // its gap is unknown, and so is the next one's
      return;
    }
    if (lastAccepted !== undefined) {
      const gap = start.at - lastAccepted;
      if (start.accepted) {
        shortestAccepted = Math.min(shortestAccepted, gap);
        acceptedGaps++;
      } else {
        longestRefused = Math.max(longestRefused, gap);
        refusedGaps++;
      }
      // A larger burst, or a lowered limit: no bucket of one token, or not the same one.
      if (longestRefused >= shortestAccepted) disproved = true;
    }
    if (start.accepted) lastAccepted = start.at;
  }

  function advance(now: number): void {
    while (head < starts.length) {
      const start = starts[head];
      if (start.accepted === undefined && now - start.at < PENDING_MS && starts.length - head < MAX_PENDING)
        break;
      read(start);
      head++;
    }
    if (head > 1_024) {
      starts = starts.slice(head);
      head = 0;
    }
  }

  return {
    started(at) {
      if (disproved) return; // nothing more to learn in this run
      starts.push({ at });
    },
    answered(startedAt, accepted, now) {
      if (disproved) return;
      for (let i = head; i < starts.length; i++)
        if (starts[i].at === startedAt && starts[i].accepted === undefined) {
          starts[i].accepted = accepted;
          break;
        }
      advance(now);
    },
    disproved() {
      disproved = true;
    },
    provenRate() {
      if (disproved) return undefined;
      if (acceptedGaps < MIN_ACCEPTED || refusedGaps === 0 || !(shortestAccepted > 0)) return undefined;
      return 1000 / shortestAccepted;
    },
  };
}
