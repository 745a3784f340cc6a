// What a finished run (or validation) hands the summary, --json, the evidence and the next
// commands: its counts, requests and how it ended. Not the HTML report (src/report/) nor the
// `report` command (src/commands/report.ts).
import type { RunConfig } from "../config.js";
import type { StopKind } from "../engine/stop.js";
import type { WrittenCounts } from "./results.js";

/** What a finished run (or validation) tells the summary. */
export interface RunResult {
  readonly config: RunConfig;
  readonly total: number;
  readonly counts: WrittenCounts;
  readonly requests: number;
  readonly throttled: number;
  /** From the last 429 to the end of the run (ms); undefined when no request was answered 429. */
  readonly tailMs?: number;
  readonly elapsedMs: number;
  readonly resumed: boolean;
  readonly templateId?: string;
  /** Why the run stopped early, if it did; `signal` when a signal interrupted it. */
  readonly stop?: { readonly kind: StopKind; readonly message: string; readonly signal?: NodeJS.Signals };
  /** The journal was kept: --resume can continue. */
  readonly resumable: boolean;
  /** A new run that sent no confirmation: its results file may be replaced by a plain re-run. */
  readonly nothingSent?: boolean;
  /** Rows whose outcome this run decided (not recorded by an earlier run, not left not-run). */
  readonly finishedNow: number;
  /** When the run began (ISO), the input's sha256 and the partner tenant the token named, for its report. */
  readonly startedAt?: string;
  readonly fingerprint?: string;
  readonly partnerTenantId?: string;
  /** The signed-in user the token names (its upn), never the token. */
  readonly signedInUser?: string;
  /** Files of an earlier finished run that --overwrite kept under a timestamped name. */
  readonly kept?: readonly { readonly from: string; readonly to: string }[];
  /** --skip-confirmed: customers whose direct-acceptance status could not be read (treated as not accepted). */
  readonly directStatusUnread?: number;
  /** `validate`: the --date-format check's warning, when the dates look read the wrong way round. */
  readonly dateWarning?: string;
}

/** A running run as the progress display sees it. */
export interface Snapshot {
  readonly total: number;
  readonly done: number;
  /**
   * Rows this process has to decide (the total less what an interrupted run recorded), and those
   * it decided so far: the rate and the ETA are measured on these alone, so a resume does not
   * count the recorded rows it passes over as its own speed.
   */
  readonly toDecide: number;
  readonly decidedNow: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly requests: number;
  readonly throttled: number;
  readonly pausedUntil: number;
  readonly breakerOpen: boolean;
  /** Rows asleep before a retry, and the earliest wake-up among them (clock ms). */
  readonly retryWaiting?: number;
  readonly nextRetryAt?: number;
}
