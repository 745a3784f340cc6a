// A run, as a story: prepare (lock, resume state, pre-flight), wire the API client behind the
// gate, look the template up, send the rows through the ordered window, and finish (commit the
// results, keep or drop the journal, report).
import fs from "node:fs";
import { withCheckedToken, type SignedIn } from "../auth/claims.js";
import type { TokenProvider } from "../auth/types.js";
import type { RunConfig } from "../config.js";
import { InputFileError } from "../errors.js";
import { openInput, type OpenedInput } from "../input/read.js";
import type { Logger } from "../log.js";
import type { PartnerCenterClient } from "../partner-center/client.js";
import type { RunResult, Snapshot } from "../output/run-result.js";
import { createResultsWriter, type ResultsWriter } from "../output/results.js";
import type { InputRow, Acceptance, RowFacts } from "../types.js";
import { wireApi } from "../engine/api.js";
import type { CallContext } from "../engine/call.js";
import type { Breaker } from "../engine/breaker.js";
import { createClassifier, type Classified } from "./classify.js";
import type { Clock } from "../engine/clock.js";
import type { RequestStats } from "../engine/gate.js";
import { journalPath, openJournal, type Journal } from "./journal.js";
import { notRunOutcome } from "./outcomes.js";
import { prepareRun, type Prepared } from "./prepare.js";
import type { RateController } from "../engine/rate/controller.js";
import { createRunStop, type RunStop } from "../engine/stop.js";
import { submitRow, type RowResult, type RowSender } from "./submit.js";
import { resolveTemplateId } from "./template.js";
import { createWindow, type RowWindow } from "../engine/row-window.js";

interface RunDeps {
  readonly config: RunConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Resolved after the pre-flight, so a bad file is reported before credentials are asked for. */
  readonly tokens: () => Promise<TokenProvider>;
}

export interface RunHandle {
  /** First Ctrl-C (or SIGTERM): start nothing new, let requests in flight finish, write the files. */
  interrupt(signal?: NodeJS.Signals): void;
  /** Second Ctrl-C: make what is known durable before the process exits. */
  flushNow(): void;
  snapshot(): Snapshot;
  readonly done: Promise<RunResult>;
}

/** Everything a run holds once it is wired, up to its end. */
interface Running {
  readonly deps: RunDeps;
  readonly stop: RunStop;
  readonly prepared: Prepared;
  readonly journal: Journal;
  readonly input: OpenedInput;
  readonly writer: ResultsWriter;
  readonly window: RowWindow;
  readonly client: PartnerCenterClient;
  readonly rate: RateController;
  readonly breaker: Breaker;
  readonly stats: RequestStats;
  readonly context: CallContext;
  /** Rows read, and rows whose outcome this run decided. */
  readonly tally: { read: number; finishedNow: number };
  /** --skip-confirmed: customers whose direct-acceptance status could not be read. */
  readonly directStatus: { unread: number };
  /** The credentials, noting the partner tenant and user their token names (summary, report). */
  readonly tokens: SignedIn;
}

/**
 * The run reads its rows 16 KB (a hundred rows or so) at a time: it sends a few thousand a second
 * at most, and every row read ahead lives through collections (docs/performance.md).
 */
const RUN_CHUNK_BYTES = 16 * 1024;

const EMPTY_SNAPSHOT: Snapshot = {
  total: 0,
  done: 0,
  toDecide: 0,
  decidedNow: 0,
  byStatus: {},
  requests: 0,
  throttled: 0,
  pausedUntil: 0,
  breakerOpen: false,
};

function snapshotOf(running: Running | undefined): Snapshot {
  if (!running) return EMPTY_SNAPSHOT;
  const { writer, rate } = running;
  return {
    total: running.prepared.total,
    done: writer.counts.rows + writer.held,
    toDecide: running.prepared.total - (running.prepared.resumeState?.outcomes.size ?? 0),
    decidedNow: running.tally.finishedNow,
    byStatus: writer.known,
    requests: running.stats.requests,
    throttled: rate.throttled,
    pausedUntil: rate.pausedUntil,
    breakerOpen: running.breaker.open,
    retryWaiting: running.context.waits?.count ?? 0,
    nextRetryAt: running.context.waits?.nextAt,
  };
}

export function startRun(deps: RunDeps): RunHandle {
  const stop = createRunStop(deps.logger);
  let running: Running | undefined;
  const execute = async (): Promise<RunResult> => {
    const started = deps.clock.now();
    const prepared = await prepareRun(deps.config);
    try {
      running = await wire(deps, stop, prepared);
      return await run(running, started);
    } finally {
      prepared.unlock();
    }
  };
  return {
    interrupt: (signal = "SIGINT") =>
      stop.stop(
        "interrupted",
        `interrupted (${signal === "SIGINT" ? "Ctrl-C" : signal}); continue with --resume`,
        signal,
      ),
    flushNow: () => running?.journal.flush(),
    snapshot: () => snapshotOf(running),
    done: execute(),
  };
}

/** Credentials, the journal, the input, the results writer and the API behind its gate. */
async function wire(deps: RunDeps, stop: RunStop, prepared: Prepared): Promise<Running> {
  const { config, logger } = deps;
  const tokens = withCheckedToken(await deps.tokens(), {
    now: () => deps.clock.now(),
    onRefused: (message) => stop.stop("auth-failed", message),
  });
  // The token pre-flight: one Partner Center would refuse is refused here, before any request.
  await tokens.getToken();
  logger.info({
    event: "run-start",
    input: config.input,
    inputSha256: prepared.fingerprint.replace(/^sha256:/, ""),
    rows: prepared.total,
    resumed: prepared.resumeState !== undefined,
    options: { ...config, map: Object.fromEntries(config.map) },
    tokenSource: tokens.description,
    partnerTenantId: tokens.tenantId,
    signedInUser: tokens.user,
  });
  const journal = openRunJournal(config, prepared, deps.clock);
  const input = await openInput(config.input, {
    map: config.map,
    dateAgreed: config.dateAgreed,
    stopAtFirstProblem: true,
    chunkBytes: RUN_CHUNK_BYTES,
  });
  const writer = createResultsWriter({
    out: config.out,
    failedOut: config.dryRun ? undefined : config.failedOut,
    columns: input.header.columns,
    format: input.header,
  });
  const window = createWindow({
    concurrency: config.concurrency,
    nextRow: () => writer.nextRow,
    // Held rows keep their cells: wide rows lower the ceiling of the span (engine/row-window.ts).
    rowBytes: prepared.total > 0 ? prepared.bytes / prepared.total : 0,
  });
  const api = wireApi({
    config: deps.config,
    clock: deps.clock,
    logger: deps.logger,
    stop,
    tokens,
    window,
    beforeSend: intentBeforeSend(journal),
  });
  // The endgame (engine/rate/controller.ts): rows not yet written are the rows left.
  api.rate.rowsLeft(() => prepared.total - writer.counts.rows - writer.held);
  const tally = { read: 0, finishedNow: 0 };
  const directStatus = { unread: 0 };
  return { deps, stop, prepared, journal, input, writer, window, ...api, tally, directStatus, tokens };
}

/** A confirmation's request ids go to the journal before the request goes out (docs/cli.md "Runs"). */
function intentBeforeSend(journal: Journal): CallContext["beforeSend"] {
  return (target, ids) =>
    target.what === "confirm" && target.rowNumber !== undefined
      ? journal.intent(target.rowNumber, ids.requestId, ids.correlationId)
      : undefined;
}

/** A resumed run appends to its journal; a new one starts a journal with its header. */
function openRunJournal(config: RunConfig, prepared: Prepared, clock: Clock): Journal {
  if (prepared.resumeState) return openJournal(journalPath(config.out));
  return openJournal(journalPath(config.out), {
    v: 1,
    fingerprint: prepared.fingerprint,
    input: config.input,
    startedAt: new Date(clock.now()).toISOString(),
    settings: prepared.settings,
  });
}

/** The run proper: template, rows, commit; on any failure the journal keeps what is known. */
async function run(running: Running, started: number): Promise<RunResult> {
  const { deps, stop, writer, window, journal } = running;
  let templateId: string | undefined;
  try {
    templateId =
      deps.config.templateId ??
      (await resolveTemplateId(running.context, running.client, deps.config.agreementType));
    await sendRows(running, templateId);
    await commit(running);
  } catch (err) {
    // Nothing more is sent, rows in flight finish, and what is known stays in the journal,
    // so --resume can finish the job once the cause is fixed.
    stop.stop("outage", err instanceof Error ? err.message : String(err));
    await window.settled();
    writer.discard();
    try {
      journal.close();
    } catch {
      // the disk may be what failed; the lines written so far are what --resume will use
    }
    if (err instanceof InputFileError) throw running.prepared.inputChanged(`during the run (${err.message})`);
    throw err;
  } finally {
    running.input.close();
    running.client.close();
  }
  return finish(running, started, templateId);
}

/** Reads every row once more and gives each its outcome; rows to send go out through the window. */
async function sendRows(running: Running, templateId: string | undefined): Promise<void> {
  const { deps, stop, prepared, writer, window, tally } = running;
  const classify = createClassifier({ dateFormat: deps.config.dateFormat, duplicates: prepared.duplicates });
  const sender: RowSender | undefined = templateId
    ? {
        context: running.context,
        client: running.client,
        templateId,
        agreementType: deps.config.agreementType,
        skipConfirmed: deps.config.skipConfirmed,
        dryRun: deps.config.dryRun,
        directStatus: running.directStatus,
      }
    : undefined;
  prepared.checkInputUnchanged("while it was being checked");
  for await (const row of running.input.rows()) {
    // More rows than the pre-flight counted: the file grew during the run. They were never
    // checked, so none of them is sent.
    if (row.rowNumber > prepared.total) throw prepared.inputChanged("during the run");
    tally.read++;
    const classified = classify(row);
    const recorded = prepared.resumeState?.outcomes.get(row.rowNumber);
    const facts = factsOf(row, classified, templateId);
    const room = window.waitForRoom(row.rowNumber);
    if (room) await room;
    if ("outcome" in classified) {
      tally.finishedNow++;
      writer.put(row.rowNumber, row.cells, classified.outcome, facts);
    } else if (recorded !== undefined) {
      writer.put(row.rowNumber, row.cells, recorded, facts);
    } else if (stop.reason || !sender) {
      writer.put(row.rowNumber, row.cells, notRunOutcome(row.rowNumber, stop), facts);
    } else {
      const worker = window.waitForWorker(row.rowNumber);
      if (worker) await worker;
      window.track(sendRow(running, sender, row, classified.acceptance, facts));
    }
    await writer.ready();
  }
  await window.settled();
  if (window.failure !== undefined) throw window.failure;
}

/** What a row sends (or would): the dateAgreed and templateId of a row that passed the checks. */
function factsOf(row: InputRow, classified: Classified, templateId: string | undefined): RowFacts {
  if (!("acceptance" in classified)) return { sourceRow: row.sourceRow };
  return { sourceRow: row.sourceRow, dateSent: classified.acceptance.dateAgreed, templateId };
}

/** One row to the API and its outcome to the journal and the results; never rejects. */
async function sendRow(
  running: Running,
  sender: RowSender,
  row: InputRow,
  acceptance: Acceptance,
  facts: RowFacts,
): Promise<void> {
  const { deps, stop, prepared, writer, window, journal, tally } = running;
  const job = {
    rowNumber: row.rowNumber,
    acceptance,
    resumeIds: prepared.resumeState?.intents.get(row.rowNumber),
  };
  const result = await submitRow(sender, job).catch((err: unknown): RowResult => {
    deps.logger.error({ event: "internal-error", rowNumber: row.rowNumber, err: String(err) });
    stop.stop("outage", `internal error: ${String(err)}`);
    return { unfinished: { attempts: 0, ids: { requestId: "", correlationId: "" } } };
  });
  try {
    if ("outcome" in result) {
      tally.finishedNow++;
      journal.outcome(result.outcome);
      writer.put(row.rowNumber, row.cells, result.outcome, facts);
    } else {
      writer.put(row.rowNumber, row.cells, notRunOutcome(row.rowNumber, stop, result.unfinished), facts);
    }
  } catch (err) {
    // A results or journal write failed (disk full): stop, and report it.
    window.fail(err);
    stop.stop("outage", `cannot write the results: ${String(err)}`);
  }
}

/** Every row has its outcome: check that nothing was lost, then make the results final. */
async function commit(running: Running): Promise<void> {
  const { prepared, writer, journal, tally } = running;
  await writer.ready();
  journal.flush();
  prepared.checkInputUnchanged("during the run");
  if (tally.read !== prepared.total || writer.counts.rows !== prepared.total) {
    throw new Error(
      `internal check failed: ${prepared.total} rows in the file, ${tally.read} read, ${writer.counts.rows} written`,
    );
  }
  await writer.commit();
}

/**
 * The journal stays only when --resume has something to do: not when every row finished, nor
 * when a new run stopped before sending any row (a failed templateId lookup, say), which a
 * plain re-run starts over. The report tells the summary.
 */
function finish(running: Running, started: number, templateId: string | undefined): RunResult {
  const { deps, stop, writer, journal, stats, rate, prepared } = running;
  const nothingSent = prepared.resumeState === undefined && journal.intents === 0;
  // A dry run sent nothing to resume: doing it again is the way on.
  const resumable = !deps.config.dryRun && !nothingSent && (writer.counts.byStatus["not-run"] ?? 0) > 0;
  journal.close();
  if (!resumable) fs.rmSync(journalPath(deps.config.out), { force: true });
  const report: RunResult = {
    config: deps.config,
    total: prepared.total,
    counts: writer.counts,
    requests: stats.requests,
    throttled: rate.throttled,
    tailMs: rate.lastThrottledAt === undefined ? undefined : deps.clock.now() - rate.lastThrottledAt,
    elapsedMs: deps.clock.now() - started,
    resumed: prepared.resumeState !== undefined,
    templateId,
    stop: stop.reason,
    resumable,
    nothingSent,
    finishedNow: running.tally.finishedNow,
    startedAt: new Date(started).toISOString(),
    fingerprint: prepared.fingerprint,
    partnerTenantId: running.tokens.tenantId,
    signedInUser: running.tokens.user,
    directStatusUnread: running.directStatus.unread,
    kept: prepared.kept,
  };
  deps.logger.info({
    event: "run-end",
    partnerTenantId: running.tokens.tenantId,
    signedInUser: running.tokens.user,
    rows: prepared.total,
    byStatus: writer.counts.byStatus,
    requests: stats.requests,
    responses: stats.responses,
    throttled: rate.throttled,
    tailMs: report.tailMs,
    elapsedMs: report.elapsedMs,
    stop: stop.reason?.kind,
  });
  return report;
}
