// The end-of-run summary (text and --json) and the progress line, from hand-made run reports:
// no network, no files.
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveRunConfig } from "../src/config.js";
import { canRedraw, progressLine, startProgress } from "../src/output/progress.js";
import { startPendingProgress } from "../src/pending/progress.js";
import { exitCodeOf, formatSummary, summarize, type SummaryJson } from "../src/output/summary.js";
import type { WrittenCounts } from "../src/output/results.js";
import type { RunResult, Snapshot } from "../src/output/run-result.js";

function report(
  byStatus: Record<string, number>,
  errors: [string, number, string?][],
  extra: Partial<RunResult> = {},
  skippedBy: Record<string, number> = {},
  confirmedBy: Record<string, number> = {},
): RunResult {
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const failedRows = ["invalid", "rejected", "failed", "not-run"].reduce((n, s) => n + (byStatus[s] ?? 0), 0);
  const counts: WrittenCounts = {
    rows: total,
    failedRows,
    byStatus,
    byError: new Map(errors.map(([code, count, message]) => [code, { count, message: message ?? "" }])),
    skippedBy,
    confirmedBy,
  };
  return {
    config: resolveRunConfig("run", "/data/monthly run/acceptances.csv", {}, {}),
    total,
    counts,
    requests: 120,
    throttled: 7,
    elapsedMs: 12_500,
    resumed: false,
    templateId: "117a77b0-9360-443b-8795-c6dedc750cf9",
    resumable: false,
    finishedNow: total,
    ...extra,
  };
}

const commands = {
  rerun: [
    "mca-confirm",
    "run",
    "/data/monthly run/acceptances.failed.csv",
    "--base-url",
    "http://127.0.0.1:9",
  ],
  resume: ["mca-confirm", "run", "/data/monthly run/acceptances.csv", "--resume"],
};

describe("summarize", () => {
  it("counts per status, the error codes most frequent first with their meaning, time, rate and 429s", () => {
    const s = summarize(
      report({ confirmed: 90, invalid: 6, rejected: 3, failed: 1 }, [
        ["60003", 3],
        ["invalid-email", 6],
        ["HTTP 429", 1],
      ]),
      commands,
    );
    expect(s.statuses).toEqual({ confirmed: 90, invalid: 6, rejected: 3, failed: 1 });
    expect(s.errors).toEqual([
      { code: "invalid-email", rows: 6, meaning: "email is not a valid address", need: "to-fix" },
      { code: "60003", rows: 3, meaning: "customer tenant not found", need: "to-fix" },
      {
        code: "HTTP 429",
        rows: 1,
        meaning: expect.stringContaining("throttled on every attempt"),
        need: "re-run-later",
      },
    ]);
    expect(s).toMatchObject({
      rows: 100,
      elapsedSeconds: 12.5,
      rowsPerSecond: 8,
      requests: 120,
      throttled: 7,
      tailSeconds: null,
      exitCode: 1,
    });
    // From the last 429 to the end of the run, in tenths of a second.
    expect(summarize(report({ confirmed: 100 }, [], { tailMs: 31_249 }), commands).tailSeconds).toBe(31.2);
    expect(s.files).toEqual({
      results: "/data/monthly run/acceptances.results.csv",
      failed: "/data/monthly run/acceptances.failed.csv",
      log: "/data/monthly run/acceptances.results.csv.log",
      report: null,
    });
    // Quoted for a POSIX shell: the path has a space.
    expect(s.rerunCommand).toBe(
      "mca-confirm run '/data/monthly run/acceptances.failed.csv' --base-url http://127.0.0.1:9",
    );
    expect(s.resumeCommand).toBeNull();
  });

  it("falls back to the API's message for a code it has no meaning for, and orders ties by code", () => {
    const s = summarize(
      report({ rejected: 4 }, [
        ["777777", 2, "Something new from the API"],
        ["600002", 2],
      ]),
      commands,
    );
    expect(s.errors.map((e) => e.code)).toEqual(["600002", "777777"]);
    expect(s.errors[1].meaning).toBe("Something new from the API");
  });

  it("offers no rerun when nothing failed, and exits 0", () => {
    const s = summarize(report({ confirmed: 10, skipped: 2 }, [["duplicate-customer", 2]]), commands);
    expect(s.rerunCommand).toBeNull();
    expect(s.exitCode).toBe(0);
    expect(formatSummary(s)).not.toContain("re-run");
  });

  it("says how to continue a stopped run, and maps stops to exit codes 3 and 130", () => {
    const stopped = report({ confirmed: 5, "not-run": 5 }, [["auth-failed", 5]], {
      stop: { kind: "auth-failed", message: "The API refused the access token" },
      resumable: true,
    });
    const s = summarize(stopped, commands);
    expect(s.exitCode).toBe(3);
    expect(s.stopped).toEqual({ reason: "auth-failed", message: "The API refused the access token" });
    expect(s.resumeCommand).toBe("mca-confirm run '/data/monthly run/acceptances.csv' --resume");
    const text = formatSummary(s);
    expect(text).toContain("The run stopped early: The API refused the access token");
    expect(text).toContain(
      "To continue this run: mca-confirm run '/data/monthly run/acceptances.csv' --resume",
    );
    expect(exitCodeOf({ ...stopped, stop: { kind: "interrupted", message: "Ctrl-C" } })).toBe(130);
  });

  it("is plain JSON: --json prints exactly this object", () => {
    const s = summarize(report({ confirmed: 3, failed: 1 }, [["HTTP 503", 1]]), commands);
    const back = JSON.parse(JSON.stringify(s)) as SummaryJson;
    expect(back).toEqual(s);
  });
});

describe("formatSummary, what to do next", () => {
  it("after Ctrl-C offers only the resume command: no failed file, no rerun, no interrupted rows as problems", () => {
    const interrupted = report({ confirmed: 425, "not-run": 4575 }, [["interrupted", 4575]], {
      stop: { kind: "interrupted", message: "interrupted (Ctrl-C); continue with --resume" },
      resumable: true,
      finishedNow: 425,
    });
    const s = summarize(interrupted, commands);
    expect(s.errors).toEqual([]);
    expect(s.rerunCommand).toBeNull();
    const text = formatSummary(s);
    expect(text).not.toMatch(/interrupted +\d+ rows/);
    expect(text).not.toContain("most frequent causes");
    expect(text).not.toContain("Failed rows");
    expect(text).not.toContain("re-run");
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "To continue this run: mca-confirm run '/data/monthly run/acceptances.csv' --resume",
    );
  });

  it("offers the failed file once the run is no longer resumable", () => {
    const text = formatSummary(summarize(report({ confirmed: 5, rejected: 1 }, [["60003", 1]]), commands));
    expect(text).toContain("Failed rows: /data/monthly run/acceptances.failed.csv");
    expect(text).not.toContain("To continue this run");
  });

  it("splits skipped rows into duplicates and already confirmed", () => {
    const s = summarize(
      report({ confirmed: 57, skipped: 43 }, [], {}, { "duplicate-customer": 40, "already-confirmed": 3 }),
      commands,
    );
    expect(s.skippedBy).toEqual({ "duplicate-customer": 40, "already-confirmed": 3 });
    expect(formatSummary(s)).toMatch(/^ {2}skipped +43 \(40 duplicates, 3 already confirmed\)$/m);
    expect(formatSummary(s)).toMatch(/^Done: 100$/m);
    const one = summarize(report({ skipped: 1 }, [], {}, { "duplicate-customer": 1 }), commands);
    expect(formatSummary(one)).toMatch(/^ {2}skipped +1 \(1 duplicate\)$/m);
  });

  it("says once that slashed dates need --date-format", () => {
    const text = formatSummary(
      summarize(report({ confirmed: 2, invalid: 8 }, [["ambiguous-date", 8]]), commands),
    );
    expect(text).toContain("8 rows have slashed dates (like 5/2/2026): pass --date-format");
    expect(text.match(/--date-format/g)).toHaveLength(2); // the meaning, and the one line
  });

  it("ends a validation with the run command, without a rate", () => {
    const validated = report({ valid: 9, invalid: 1 }, [["invalid-email", 1]], {
      config: resolveRunConfig("validate", "acceptances.csv", {}, {}),
    });
    const s = summarize(validated, { ...commands, run: ["mca-confirm", "run", "acceptances.csv"] });
    expect(s.runCommand).toBe("mca-confirm run acceptances.csv");
    const text = formatSummary(s);
    expect(text).toMatch(/^Validated 10 rows of acceptances\.csv in 12\.5 s\.$/m);
    expect(text).not.toContain("rows/s");
    expect(text.trimEnd().split("\n").at(-1)).toMatch(
      /^To send the 9 valid rows .*: mca-confirm run acceptances\.csv$/,
    );
  });
});

describe("formatSummary", () => {
  it("prints statuses, 429s, the problems, the files and the rerun command", () => {
    const text = formatSummary(
      summarize(
        report({ confirmed: 90, invalid: 6, rejected: 3, failed: 1 }, [
          ["60003", 3],
          ["invalid-email", 6],
          ["HTTP 429", 1],
        ]),
        commands,
      ),
    );
    expect(text).toContain("Processed 100 rows of /data/monthly run/acceptances.csv in 12.5 s (8 rows/s).");
    expect(text).toMatch(/^ {2}confirmed +90$/m);
    expect(text).toMatch(/^ {2}invalid +6$/m);
    expect(text).toContain("Requests sent 120, answered 429 (throttled) 7");
    // Rows to fix (invalid, rejected) apart from rows to re-run later (failed, not-run), each with its causes.
    expect(text).toContain(
      [
        "To fix, then re-run: 9",
        "  invalid        6",
        "  rejected       3",
        "  most frequent causes:",
        "    invalid-email             6 rows email is not a valid address",
        "    60003                     3 rows customer tenant not found",
        "Re-run later: 1",
        "  failed         1",
        "  most frequent causes:",
        "    HTTP 429                  1 row  throttled on every attempt: re-run the failed file later, or lower --max-rpm",
      ].join("\n"),
    );
    expect(text).toContain("Results: /data/monthly run/acceptances.results.csv");
    expect(text).toContain("Failed rows: /data/monthly run/acceptances.failed.csv");
    expect(text).toContain("Log: /data/monthly run/acceptances.results.csv.log");
    expect(text).toContain(
      "To re-run the failed rows (after fixing what they say): mca-confirm run '/data/monthly run/acceptances.failed.csv'",
    );
  });

  it("lists ten codes and counts the rest, while --json keeps them all", () => {
    const errors: [string, number][] = Array.from({ length: 13 }, (_, i) => [
      `8000${String(i).padStart(2, "0")}`,
      20 - i,
    ]);
    const s = summarize(report({ rejected: errors.reduce((n, e) => n + e[1], 0) }, errors), commands);
    expect(s.errors).toHaveLength(13);
    const text = formatSummary(s);
    expect(text).toContain("800009");
    expect(text).not.toContain("800010 ");
    expect(text).toContain("… 3 more codes on 27 rows (see the errorCode column)");
  });
});

const snap = (over: Partial<Snapshot> = {}): Snapshot => ({
  total: 1000,
  done: 250,
  toDecide: 1000,
  decidedNow: 250,
  byStatus: { confirmed: 240, rejected: 3, failed: 2, invalid: 5 },
  requests: 260,
  throttled: 0,
  pausedUntil: 0,
  breakerOpen: false,
  ...over,
});

describe("progressLine", () => {
  it("shows rows done of total, confirmed, to fix, re-run later, rate and ETA", () => {
    expect(progressLine(snap(), 50, 1_000)).toBe(
      "250/1000 rows (25%) · 240 confirmed · 8 to fix · 2 re-run later · 50.0 rows/s · ETA 15 s",
    );
  });

  it("shows the wait while a Retry-After pause holds, and drops it once it is over", () => {
    expect(progressLine(snap({ pausedUntil: 31_000 }), 0, 1_000)).toMatch(
      /ETA — · waiting 30 s \(API throttling\)$/,
    );
    expect(progressLine(snap({ pausedUntil: 900 }), 10, 1_000)).not.toContain("waiting");
  });
});

describe("progressLine while the rate is not known, and on a resume", () => {
  it("shows — for the rate and the ETA until the rate rests on enough time", () => {
    expect(progressLine(snap(), undefined, 1_000)).toMatch(/ · — rows\/s · ETA —$/);
  });

  it("counts the ETA over the rows this process still has to decide, not over rows recorded earlier", () => {
    // A resume of 5000 rows of which 4000 were recorded: 1000 to decide, 200 done at 10 rows/s.
    const resumed = snap({ total: 5000, done: 4200, toDecide: 1000, decidedNow: 200 });
    expect(progressLine(resumed, 10, 1_000)).toContain("4200/5000 rows (84%)");
    expect(progressLine(resumed, 10, 1_000)).toMatch(/ · 10\.0 rows\/s · ETA 1 min 20 s$/);
  });
});

describe("startProgress on a resumed run", () => {
  afterEach(() => vi.useRealTimers());

  it("measures the rate on the rows it decides, not on the recorded rows it passes over", () => {
    vi.useFakeTimers({ now: 0 });
    const writes: string[] = [];
    const stream = { isTTY: false, write: (text: string) => (writes.push(text), true) };
    // The recorded 4000 rows are passed over in the first second; then 10 new rows a second.
    let current = snap({ total: 5000, done: 0, toDecide: 1000, decidedNow: 0 });
    const stop = startProgress(
      () => current,
      stream as unknown as NodeJS.WriteStream,
      () => Date.now(),
      false,
    );
    for (let second = 1; second <= 30; second++) {
      current = snap({ total: 5000, done: 4000 + 10 * second, toDecide: 1000, decidedNow: 10 * second });
      vi.advanceTimersByTime(1_000);
    }
    stop();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^4300\/5000 rows \(86%\) .* · 10\.0 rows\/s · ETA 1 min 10 s\n$/);
  });
});

/** A stderr that keeps what is written to it. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns: 60,
    write: (s: string) => (writes.push(s), true),
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe("startProgress without a terminal", () => {
  afterEach(() => vi.useRealTimers());

  it("prints a plain line every 30 s, one when a throttling pause begins, and no control characters", () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, writes } = fakeStream(false);
    let s = snap({ done: 0 });
    const stop = startProgress(
      () => s,
      stream,
      () => Date.now(),
    );
    vi.advanceTimersByTime(29_000);
    expect(writes).toEqual([]);
    s = snap({ done: 300 });
    vi.advanceTimersByTime(1_000);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^300\/1000 rows \(30%\) .*\n$/);
    vi.advanceTimersByTime(10_000);
    expect(writes).toHaveLength(1);
    s = snap({ done: 400, pausedUntil: Date.now() + 20_000 });
    vi.advanceTimersByTime(1_000);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/waiting 1\d s \(API throttling\)\n$/);
    vi.advanceTimersByTime(10_000); // still the same pause: nothing new
    expect(writes).toHaveLength(2);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(writes).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- the point: no carriage return or escape at all
    expect(writes.join("")).not.toMatch(/[\r\u001b]/);
  });

  it("draws plain lines on a terminal when asked not to redraw (TERM=dumb, CI)", () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, writes } = fakeStream(true);
    const stop = startProgress(
      () => snap(),
      stream,
      () => Date.now(),
      canRedraw(stream, { TERM: "dumb" }),
    );
    vi.advanceTimersByTime(31_000);
    stop();
    expect(writes).toHaveLength(1);
    // eslint-disable-next-line no-control-regex -- the point: no carriage return or escape at all
    expect(writes.join("")).not.toMatch(/[\r\u001b]/);
  });

  it("redraws only on a terminal that is not dumb and not a CI log; NO_COLOR is about colour only", () => {
    const tty = { isTTY: true };
    expect(canRedraw(tty, { TERM: "xterm-256color" })).toBe(true);
    expect(canRedraw(tty, { TERM: "dumb" })).toBe(false);
    expect(canRedraw(tty, { TERM: "xterm", CI: "true" })).toBe(false);
    expect(canRedraw(tty, { TERM: "xterm", CI: "false" })).toBe(true);
    expect(canRedraw(tty, { TERM: "xterm", NO_COLOR: "1" })).toBe(true);
    expect(canRedraw(tty, { TERM: "xterm", NO_COLOR: "" })).toBe(true);
    expect(canRedraw({ isTTY: false }, { TERM: "xterm" })).toBe(false);
    expect(canRedraw({}, {})).toBe(false);
  });

  it("on a terminal keeps the redrawn line within the terminal's width and clears it when stopped", () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, writes } = fakeStream(true);
    const stop = startProgress(
      () => snap({ pausedUntil: 5_000 }),
      stream,
      () => Date.now(),
    );
    vi.advanceTimersByTime(250);
    expect(writes).toHaveLength(1);
    expect(writes[0].startsWith("\r\x1b[2K")).toBe(true);
    expect(writes[0].length - "\r\x1b[2K".length).toBeLessThanOrEqual(59);
    stop();
    stop();
    expect(writes.slice(1)).toEqual(["\r\x1b[2K"]);
  });
});

describe("exitCodeOf", () => {
  const report = (byStatus: Record<string, number>, stop?: RunResult["stop"]) =>
    ({
      counts: { rows: 0, failedRows: 0, byStatus, byError: new Map(), skippedBy: {}, confirmedBy: {} },
      stop,
    }) as unknown as RunResult;

  it("0 when every row is confirmed, skipped or valid", () => {
    expect(exitCodeOf(report({ confirmed: 3, skipped: 1 }))).toBe(0);
    expect(exitCodeOf(report({ valid: 2, skipped: 1 }))).toBe(0);
    expect(exitCodeOf(report({}))).toBe(0);
    expect(exitCodeOf(report({ confirmed: 1, invalid: 0 }))).toBe(0);
  });
  it.each(["invalid", "rejected", "failed", "not-run"])("1 when a row is %s", (status) => {
    expect(exitCodeOf(report({ confirmed: 5, [status]: 1 }))).toBe(1);
  });
  it("3 when the run stopped early, 130 when interrupted", () => {
    expect(exitCodeOf(report({ "not-run": 4 }, { kind: "auth-failed", message: "m" }))).toBe(3);
    expect(exitCodeOf(report({ "not-run": 4 }, { kind: "template-unresolved", message: "m" }))).toBe(3);
    expect(exitCodeOf(report({ confirmed: 1, "not-run": 4 }, { kind: "interrupted", message: "m" }))).toBe(
      130,
    );
  });
});

describe("pending's progress display", () => {
  afterEach(() => vi.useRealTimers());
  const pendingSnap = (checked: number, pausedUntil = 0) => ({
    read: 500,
    checked,
    needConfirmation: 40,
    pausedUntil,
    breakerOpen: false,
  });

  it("redraws one line on a terminal with the customers checked per second, and clears it when stopped", () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, writes } = fakeStream(true);
    Object.assign(stream, { columns: 120 });
    let s = pendingSnap(0);
    const stop = startPendingProgress(
      () => s,
      stream,
      () => Date.now(),
    );
    vi.advanceTimersByTime(250);
    expect(writes).toEqual([
      "\r\x1b[2K500 customers read · 0 checked · 40 need a confirmation · 0.0 customers/s",
    ]);
    s = pendingSnap(100);
    vi.advanceTimersByTime(250);
    expect(writes[1]).toBe(
      "\r\x1b[2K500 customers read · 100 checked · 40 need a confirmation · 400.0 customers/s",
    );
    stop();
    expect(writes[writes.length - 1]).toBe("\r\x1b[2K");
    vi.advanceTimersByTime(10_000);
    expect(writes).toHaveLength(3);
  });

  it("prints a plain line every 30 s without a terminal, none sooner for a pause", () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, writes } = fakeStream(false);
    let s = pendingSnap(0);
    const stop = startPendingProgress(
      () => s,
      stream,
      () => Date.now(),
    );
    s = pendingSnap(300, 60_000);
    vi.advanceTimersByTime(29_000);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^500 customers read · 300 checked · .* waiting \d+ s \(API throttling\)\n$/);
    stop();
    expect(writes).toHaveLength(1);
  });
});

describe("the summary says what needs doing", () => {
  it("groups every status under what it needs, in --json too, and each error under its group", () => {
    const s = summarize(
      report({ confirmed: 4, skipped: 1, invalid: 2, rejected: 1, failed: 3 }, [
        ["invalid-email", 2],
        ["60003", 1],
        ["HTTP 503", 3],
      ]),
      commands,
    );
    expect(s.needs).toEqual({ done: 5, "to-fix": 3, "re-run-later": 3 });
    expect(Object.fromEntries(s.errors.map((e) => [e.code, e.need]))).toEqual({
      "HTTP 503": "re-run-later",
      "invalid-email": "to-fix",
      "60003": "to-fix",
    });
    const text = formatSummary(s);
    expect(text.indexOf("To fix, then re-run: 3")).toBeLessThan(text.indexOf("Re-run later: 3"));
    expect(text.indexOf("invalid-email")).toBeLessThan(text.indexOf("Re-run later: 3"));
    expect(text.indexOf("HTTP 503")).toBeGreaterThan(text.indexOf("Re-run later: 3"));
  });

  it("after --resume, labels this run's rows and the whole file's so the counts add up", () => {
    const s = summarize(report({ confirmed: 2260 }, [], { resumed: true, finishedNow: 649 }), commands);
    expect(s.recordedEarlier).toBe(1611);
    const text = formatSummary(s);
    expect(text).toMatch(
      /^\/data\/monthly run\/acceptances\.csv, the whole file: 2260 rows; this run finished 649 in 12\.5 s \(\d+(\.\d)? rows\/s\), 1611 recorded by the interrupted run\.$/m,
    );
    expect(text).toContain("The counts below are the whole file's.");
    expect(text).toMatch(/^Done: 2260$/m);
  });

  it("says the stop reason once, not again as the not-run rows' cause", () => {
    const message =
      "The API failed every request for 10 min; the run stopped. Try again later with --resume.";
    const s = summarize(
      report({ confirmed: 5, "not-run": 5 }, [["outage", 5, message]], {
        stop: { kind: "outage", message },
        resumable: true,
      }),
      commands,
    );
    expect(formatSummary(s).split(message)).toHaveLength(2);
  });

  it("says no rows need work, and names no failed file, when none does", () => {
    const s = summarize(report({ confirmed: 3 }, []), commands);
    expect(s.files.failed).toBeNull();
    const text = formatSummary(s);
    expect(text).toContain("No rows need work: no failed file written.");
    expect(text).not.toContain("Failed rows");
  });

  it("says what --overwrite kept in one line", () => {
    const kept = ["results.csv", "failed.csv", "report.html", "results.csv.log"].map((f) => ({
      from: `x.${f}`,
      to: `x.2026-10-01T09-12-05Z.${f}`,
    }));
    const text = formatSummary(summarize(report({ confirmed: 1 }, [], { kept }), commands));
    expect(text.match(/Kept/g)).toHaveLength(1);
    for (const file of kept) expect(text).toContain(file.to);
  });
});

describe("the progress line when only rows waiting to retry are left", () => {
  it("says how many wait and when the next retry is, instead of an ETA", () => {
    const end = snap({ done: 997, decidedNow: 997, retryWaiting: 3, nextRetryAt: 13_000 });
    expect(progressLine(end, 5, 1_000)).toMatch(/ · 3 rows waiting to retry \(next in 12 s\)$/);
    expect(progressLine(end, 5, 1_000)).not.toContain("ETA");
    // Other rows still to decide: the ETA stays.
    const busy = snap({ done: 990, decidedNow: 990, retryWaiting: 3, nextRetryAt: 13_000 });
    expect(progressLine(busy, 5, 1_000)).toMatch(/ETA \d/);
    const one = snap({ done: 999, decidedNow: 999, retryWaiting: 1, nextRetryAt: 1_400 });
    expect(progressLine(one, 5, 1_000)).toMatch(/ · 1 row waiting to retry \(next in 1 s\)$/);
  });
});
