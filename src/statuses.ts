// Every status a results row can have, declared once: what it means, what it asks of the
// operator (docs/cli.md "The results file"), what the report advises, and its colour in the report. The
// Status type, the failed file's statuses, the summary's groups and order, the journal's packed
// status tag and the report's verdict, filters, counts and styles are all derived from this
// table, so a new status is one entry here.

/** What a row of a status asks of the operator (docs/cli.md "What a run prints"). */
export type Need = "done" | "to-fix" | "re-run-later";

interface StatusInfo {
  readonly need: Need;
  readonly meaning: string;
  /** The report's advice for rows of this status when their error code has none of its own. */
  readonly advice: string;
  /** The report's background for the status (docs/cli.md "The HTML report"). */
  readonly colour: string;
}

/** In the summary's order: done first, then to fix, then re-run later. */
export const STATUSES = {
  confirmed: {
    need: "done",
    meaning: "the API recorded the confirmation (or already had it)",
    advice: "Nothing to do.",
    colour: "#dafbe1",
  },
  skipped: {
    need: "done",
    meaning: "duplicate row, or already confirmed",
    advice: "Nothing to do.",
    colour: "#ddf4ff",
  },
  valid: {
    need: "done",
    meaning: "checked, would be sent (dry run or validate)",
    advice: "Nothing to do.",
    colour: "#ddf4ff",
  },
  invalid: {
    need: "to-fix",
    meaning: "failed the checks; never sent",
    advice: "Correct these rows in the failed file, then run it again.",
    colour: "#ffebe9",
  },
  rejected: {
    need: "to-fix",
    meaning: "the API refused it for good",
    advice: "The API refused these rows for good: fix the cause, then re-run the failed file.",
    colour: "#ffebe9",
  },
  failed: {
    need: "re-run-later",
    meaning: "attempts used up on passing errors",
    advice: "A passing problem: re-run the failed file later.",
    colour: "#fff8c5",
  },
  "not-run": {
    need: "re-run-later",
    meaning: "the run stopped before this row",
    advice: "The run stopped before these rows: continue with --resume, or re-run the failed file.",
    colour: "#fff8c5",
  },
} as const satisfies Readonly<Record<string, StatusInfo>>;

export type Status = keyof typeof STATUSES;

/** Every status, in the table's order. */
export const STATUS_LIST = Object.keys(STATUSES) as readonly Status[];

export function isStatus(status: string): status is Status {
  return Object.hasOwn(STATUSES, status);
}

/** Statuses whose rows go to the failed file (they need another run). */
export const FAILED_STATUSES: ReadonlySet<Status> = new Set(
  STATUS_LIST.filter((status) => STATUSES[status].need !== "done"),
);
