import crypto from "node:crypto";
import { setMaxListeners } from "node:events";
import fs from "node:fs";
import pLimit from "p-limit";
import type { TokenProvider } from "../auth/types.js";
import type { RunConfig } from "../config.js";
import { InputFileError, RunStoppedError, UsageError } from "../errors.js";
import { openInput } from "../input/read.js";
import type { Logger } from "../log.js";
import { createClient } from "../partner-center/client.js";
import { createResultsWriter, type WrittenCounts } from "../output/results.js";
import type { Outcome } from "../types.js";
import { createBreaker } from "./breaker.js";
import type { Session } from "./call.js";
import { createClassifier } from "./classify.js";
import type { Clock } from "./clock.js";
import { journalPath, openJournal, type Journal } from "./journal.js";
import { checkOutputs } from "./outputs.js";
import { lockOutputs } from "./lock.js";
import { createRateController, type RateController } from "./rate.js";
import { DEFAULT_RETRY } from "./retry.js";
import { submitRow, type RowResult } from "./submit.js";
import { resolveTemplateId } from "./template.js";

export interface RunDeps {
  readonly config: RunConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Resolved after the pre-flight, so a bad file is reported before credentials are asked for. */
  readonly tokens: () => Promise<TokenProvider>;
  /** Validation's notion of "now" (future dates). */
  readonly now?: () => number;
}

export interface Snapshot {
  readonly total: number;
  readonly done: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly requests: number;
  readonly throttled: number;
  readonly pausedUntil: number;
  readonly breakerOpen: boolean;
}

export interface RunReport {
  readonly config: RunConfig;
  readonly total: number;
  readonly counts: WrittenCounts;
  readonly requests: number;
  readonly throttled: number;
  readonly elapsedMs: number;
  readonly resumed: boolean;
  readonly templateId?: string;
  /** Why the run stopped early, if it did. */
  readonly stop?: { readonly kind: "interrupted" | RunStoppedError["code"]; readonly message: string };
  /** The journal was kept: --resume can continue. */
  readonly resumable: boolean;
  /** Rows whose outcome this run decided (not recorded by an earlier run, not left not-run). */
  readonly finishedNow: number;
}

export interface RunHandle {
  /** First Ctrl-C (or SIGTERM): start nothing new, let requests in flight finish, write the files. */
  interrupt(signal?: NodeJS.Signals): void;
  /** Second Ctrl-C: make what is known durable before the process exits. */
  flushNow(): void;
  snapshot(): Snapshot;
  readonly done: Promise<RunReport>;
}

/** Rows held for ordered writing stay within this many rows of the oldest unfinished one. */
function windowSize(concurrency: number): number {
  return Math.max(2048, concurrency * 64);
}

/** The options that decide what a row sends, as recorded in the journal for --resume. */
function rowSettings(config: RunConfig): Record<string, string> {
  return {
    "--agreement-type": config.agreementType,
    "--map": [...config.map].map(([h, f]) => `${h}=${f}`).join(","),
    "--date-format": config.dateFormat ?? "",
  };
}

/** Reads the whole file once before anything is sent: broken CSV and missing columns stop here (exit 2). */
async function preflight(config: RunConfig): Promise<{ total: number; fingerprint: string }> {
  // The fingerprint --resume checks is the sha256 of the very bytes this pass parsed.
  const hash = crypto.createHash("sha256");
  const input = await openInput(config.input, { map: config.map, onBytes: (chunk) => hash.update(chunk) });
  let total = 0;
  try {
    for await (const _row of input.rows()) total++;
  } finally {
    input.close();
  }
  return { total, fingerprint: `sha256:${hash.digest("hex")}` };
}

export function startRun(deps: RunDeps): RunHandle {
  const { config, logger, clock } = deps;
  const stopController = new AbortController();
  // Every row sleeping before a retry listens for the stop: as many as the window holds.
  setMaxListeners(0, stopController.signal);
  let stop: RunReport["stop"];
  let journal: Journal | undefined;
  let rate: RateController | undefined;
  let breakerOpen = () => false;
  let total = 0;
  let requestsSoFar = () => 0;
  let countsSoFar: () => { done: number; byStatus: Record<string, number> } = () => ({
    done: 0,
    byStatus: {},
  });

  function stopRun(kind: NonNullable<RunReport["stop"]>["kind"], message: string): void {
    if (stop) return;
    stop = { kind, message };
    logger.warn({ event: "run-stopping", reason: kind, message });
    stopController.abort();
  }

  function notRun(
    rowNumber: number,
    unfinished?: { attempts: number; ids: { requestId: string; correlationId: string } },
  ): Outcome {
    return {
      rowNumber,
      status: "not-run",
      errorCode:
        stop?.kind === "interrupted"
          ? "interrupted"
          : stop?.kind === "auth-failed"
            ? "auth-failed"
            : undefined,
      errorMessage: stop?.message ?? "the run stopped before this row was sent",
      attempts: unfinished?.attempts ?? 0,
      requestId: unfinished && unfinished.attempts > 0 ? unfinished.ids.requestId : undefined,
      correlationId: unfinished && unfinished.attempts > 0 ? unfinished.ids.correlationId : undefined,
    };
  }

  async function execute(): Promise<RunReport> {
    const started = clock.now();
    const unlock = lockOutputs(config.out);
    try {
      return await executeLocked(started);
    } finally {
      unlock();
    }
  }

  async function executeLocked(started: number): Promise<RunReport> {
    const resumeState = checkOutputs(config);
    // Taken before the pre-flight: a file edited after it was checked is not sent unchecked.
    // (A missing file is reported by the pre-flight itself.)
    const inputStat = fs.statSync(config.input, { throwIfNoEntry: false });
    const changedSince = (before: fs.Stats | undefined) => {
      const now = fs.statSync(config.input, { throwIfNoEntry: false });
      return !now || !before || now.size !== before.size || now.mtimeMs !== before.mtimeMs;
    };
    const inputChanged = (when: string) =>
      new RunStoppedError(
        `${config.input} changed ${when}; nothing more was sent. The outcomes so far are kept in the journal: ` +
          `put the file back as it was and continue with --resume, or start again with --overwrite.`,
        "input-changed",
      );
    const checked = await preflight(config);
    total = checked.total;
    const fingerprint = checked.fingerprint;
    if (resumeState && resumeState.header.fingerprint !== fingerprint) {
      throw new UsageError(
        `${config.input} changed since the interrupted run began (${resumeState.header.startedAt}); --resume continues only the same file. ` +
          `Run it with --overwrite to start again.`,
      );
    }
    const readAs = rowSettings(config);
    const recordedSettings = resumeState?.header.settings;
    if (recordedSettings) {
      const differ = Object.keys(readAs).filter((k) => readAs[k] !== recordedSettings[k]);
      if (differ.length > 0) {
        throw new UsageError(
          `--resume must read and send rows as the interrupted run did; it used ` +
            differ.map((k) => `${k} "${recordedSettings[k] ?? ""}"`).join(", ") +
            `, this run ` +
            differ.map((k) => `"${readAs[k]}"`).join(", ") +
            `. Use the same options, or --overwrite to start again.`,
        );
      }
    }
    const tokens = await deps.tokens();
    logger.info({
      event: "run-start",
      input: config.input,
      rows: total,
      resumed: resumeState !== undefined,
      options: { ...config, map: Object.fromEntries(config.map) },
      tokenSource: tokens.description,
    });

    const client = createClient({
      baseUrl: config.baseUrl,
      tokens,
      timeoutMs: config.timeoutMs,
      maxSockets: config.concurrency,
    });
    rate = createRateController({ clock, maxRpm: config.maxRpm });
    const breaker = createBreaker({ clock, outageTimeoutMs: config.outageTimeoutMs });
    breakerOpen = () => breaker.open;
    let renewal: Promise<boolean> | undefined;
    const stats = { requests: 0, responses: {} as Record<string, number> };
    requestsSoFar = () => stats.requests;
    const jPath = journalPath(config.out);
    const j = resumeState
      ? openJournal(jPath)
      : openJournal(jPath, {
          v: 1,
          fingerprint,
          input: config.input,
          startedAt: new Date(clock.now()).toISOString(),
          settings: readAs,
        });
    journal = j;
    const limit = pLimit(config.concurrency);
    let demand = 0;
    let wake: (() => void) | undefined;
    const changed = () => new Promise<void>((resolve) => (wake = resolve));
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const session: Session = {
      client,
      slot: (fn) => limit(fn),
      demand: (d) => {
        demand += d;
        if (d < 0) notify();
      },
      rate,
      breaker,
      policy: { ...DEFAULT_RETRY, maxAttempts: config.maxAttempts },
      clock,
      logger,
      stop: stopController.signal,
      journal: j,
      stats,
      renewToken: () =>
        (renewal ??= tokens.renew().then(
          (t) => {
            setTimeout(() => (renewal = undefined), 5_000).unref();
            return t !== undefined;
          },
          (err: unknown) => {
            stopRun("auth-failed", err instanceof Error ? err.message : String(err));
            return false;
          },
        )),
    };

    let templateId = config.templateId;
    if (!templateId) {
      try {
        templateId = await resolveTemplateId(session, config.agreementType);
        logger.info({ event: "template", templateId });
      } catch (err) {
        if (!(err instanceof RunStoppedError)) throw err;
        stopRun(stop?.kind ?? err.code, stop?.message ?? err.message);
      }
    }

    const input = await openInput(config.input, { map: config.map });
    const results = createResultsWriter({
      out: config.out,
      failedOut: config.failedOut,
      columns: input.header.columns,
      format: input.header,
    });
    countsSoFar = () => ({ done: results.counts.rows + results.held, byStatus: results.known });
    const classify = createClassifier({ dateFormat: config.dateFormat, now: deps.now });
    const window = windowSize(config.concurrency);
    let inFlight = 0;
    let drain: Promise<void> | undefined;
    let read = 0;
    let finishedNow = 0;
    const settings = {
      templateId: templateId ?? "",
      agreementType: config.agreementType,
      skipConfirmed: config.skipConfirmed,
    };

    const finish = (rowNumber: number, cells: readonly string[], r: RowResult) => {
      let outcome: Outcome;
      if ("outcome" in r) {
        outcome = r.outcome;
        finishedNow++;
        j.outcome(outcome);
      } else {
        if (r.fatal) stopRun(r.fatal.code, r.fatal.message);
        outcome = notRun(rowNumber, r.unfinished);
      }
      drain = results.put(rowNumber, cells, outcome) ?? drain;
    };

    let writeFailure: unknown;
    try {
      if (changedSince(inputStat)) throw inputChanged("while it was being checked");
      for await (const row of input.rows()) {
        // More rows than the pre-flight counted: the file grew during the run. They were never
        // checked, so none of them is sent.
        if (row.rowNumber > total) throw inputChanged("during the run");
        read++;
        const c = classify(row);
        const recorded = resumeState?.outcomes.get(row.rowNumber);
        // Every row waits for room in the ordered window, not only rows to send: rows decided
        // at once (invalid, recorded on resume, not-run after Ctrl-C) must not pile up behind
        // one row waiting on a long Retry-After, or memory grows with the file. No deadlock:
        // when the window is full its oldest row is in flight, and in-flight rows finish.
        // A failed write stops the writer's progress: stop waiting for it and report it.
        while (!writeFailure && row.rowNumber - results.nextRow >= window) await changed();
        if (writeFailure) throw writeFailure;
        if ("outcome" in c) {
          finishedNow++;
          drain = results.put(row.rowNumber, row.cells, c.outcome) ?? drain;
        } else if (recorded !== undefined) {
          drain = results.put(row.rowNumber, row.cells, recorded) ?? drain;
        } else if (stop || !templateId) {
          drain = results.put(row.rowNumber, row.cells, notRun(row.rowNumber)) ?? drain;
        } else {
          // Backpressure: pull the next row only when a worker is free and the ordered
          // window has room, so neither p-limit's queue nor the writer grows with the file.
          // Bounded: every pass waits for a row to finish, and in-flight rows finish.
          // Rows sleeping before a retry hold no request slot, so the next row may start.
          while (
            !writeFailure &&
            (demand >= config.concurrency || row.rowNumber - results.nextRow >= window)
          ) {
            await changed();
          }
          if (writeFailure) throw writeFailure;
          const job = {
            rowNumber: row.rowNumber,
            acceptance: c.acceptance,
            resumeIds: resumeState?.intents.get(row.rowNumber),
          };
          inFlight++;
          void submitRow(session, settings, job)
            .catch((err: unknown): RowResult => {
              logger.error({ event: "internal-error", rowNumber: row.rowNumber, err: String(err) });
              stopRun("outage", `internal error: ${String(err)}`);
              return { unfinished: { attempts: 0, ids: { requestId: "", correlationId: "" } } };
            })
            .then((r) => {
              try {
                finish(row.rowNumber, row.cells, r);
              } catch (err) {
                // A results or journal write failed (disk full): stop, and report it below.
                writeFailure ??= err;
                stopRun("outage", `cannot write the results: ${String(err)}`);
              } finally {
                inFlight--;
                notify();
              }
            });
        }
        if (drain) {
          await drain;
          drain = undefined;
        }
      }
      while (inFlight > 0) await changed();
      if (writeFailure) throw writeFailure;
      if (drain) await drain;
      j.flush();
      if (changedSince(inputStat)) throw inputChanged("during the run");
      if (read !== total || results.counts.rows !== total) {
        throw new Error(
          `internal check failed: ${total} rows in the file, ${read} read, ${results.counts.rows} written`,
        );
      }
      await results.commit();
    } catch (err) {
      // Nothing more is sent, rows in flight finish, and what is known stays in the journal,
      // so --resume can finish the job once the cause is fixed.
      stopRun("outage", err instanceof Error ? err.message : String(err));
      while (inFlight > 0) await changed();
      results.discard();
      try {
        j.close();
      } catch {
        // the disk may be what failed; the lines written so far are what --resume will use
      }
      if (err instanceof InputFileError) throw inputChanged(`during the run (${err.message})`);
      throw err;
    } finally {
      input.close();
      client.close();
    }

    const resumable = (results.counts.byStatus["not-run"] ?? 0) > 0;
    j.close();
    if (!resumable) fs.rmSync(jPath, { force: true });
    const report: RunReport = {
      config,
      total,
      counts: results.counts,
      requests: stats.requests,
      throttled: rate.throttled,
      elapsedMs: clock.now() - started,
      resumed: resumeState !== undefined,
      templateId,
      stop,
      resumable,
      finishedNow,
    };
    logger.info({
      event: "run-end",
      rows: total,
      byStatus: results.counts.byStatus,
      requests: stats.requests,
      responses: stats.responses,
      throttled: rate.throttled,
      elapsedMs: report.elapsedMs,
      stop: stop?.kind,
    });
    return report;
  }

  return {
    interrupt: (signal = "SIGINT") =>
      stopRun(
        "interrupted",
        `interrupted (${signal === "SIGINT" ? "Ctrl-C" : signal}); continue with --resume`,
      ),
    flushNow: () => journal?.flush(),
    snapshot: () => {
      const c = countsSoFar();
      return {
        total,
        done: c.done,
        byStatus: c.byStatus,
        requests: requestsSoFar(),
        throttled: rate?.throttled ?? 0,
        pausedUntil: rate?.pausedUntil ?? 0,
        breakerOpen: breakerOpen(),
      };
    },
    done: execute(),
  };
}
