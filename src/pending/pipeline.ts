// `pending`, as a story: sign in, wire the API client behind the same gate as a run (breaker,
// worker slot, rate control) and the same retries, read the customer list page by page, look
// each customer's confirmations up with bounded concurrency, write the rows that need one in
// list order, and commit the file only when the whole list was read.
import { withCheckedToken, type SignedIn } from "../auth/claims.js";
import type { TokenProvider } from "../auth/types.js";
import { RunStoppedError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PartnerCenterClient } from "../partner-center/client.js";
import type { CustomerSummary } from "../partner-center/customer-list.js";
import { isForeignAnswer, type Verdict } from "../partner-center/verdict.js";
import { wireApi } from "../engine/api.js";
import type { Breaker } from "../engine/breaker.js";
import { callWithRetries, type CallContext } from "../engine/call.js";
import type { Clock } from "../engine/clock.js";
import type { RequestStats } from "../engine/gate.js";
import { GuidSet } from "../guid-set.js";
import type { RateController } from "../engine/rate/controller.js";
import { createRunStop, type RunStop } from "../engine/stop.js";
import { createWindow, type RowWindow } from "../engine/row-window.js";
import {
  customerPages,
  directAcceptance,
  lookupCustomer,
  type CallAnswer,
  type PendingCalls,
} from "./list.js";
import type { PendingConfig } from "./options.js";
import type { PendingSnapshot } from "./progress.js";
import { selectPending } from "./select.js";
import { emptyTally, type PendingReport, type PendingTally } from "./summary.js";
import { createOrderedRows, createPendingWriter, type OrderedRows, type PendingWriter } from "./write.js";

interface PendingDeps {
  readonly config: PendingConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly tokens: () => Promise<TokenProvider>;
}

interface PendingHandle {
  /** Ctrl-C (or SIGTERM): start nothing new, let requests in flight finish, write no file. */
  interrupt(signal?: NodeJS.Signals): void;
  snapshot(): PendingSnapshot;
  readonly done: Promise<PendingReport>;
}

/** Everything a listing holds once it is wired. */
interface Listing {
  readonly config: PendingConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly stop: RunStop;
  readonly client: PartnerCenterClient;
  readonly calls: PendingCalls;
  readonly window: RowWindow;
  readonly writer: PendingWriter;
  readonly ordered: OrderedRows;
  readonly rate: RateController;
  readonly breaker: Breaker;
  readonly stats: RequestStats;
  readonly tally: PendingTally;
  readonly signedIn: SignedIn;
}

/** Why a call failed for good, in one line: what the API said and how often it was asked. */
function failureText(verdict: Verdict | undefined, attempts: number): string {
  if (!verdict || verdict.kind === "ok") return `no answer after ${attempts} attempts`;
  // An answer that is not the API's says what came back itself (status, content type, first bytes).
  if (isForeignAnswer(verdict)) return `${verdict.message} (${attempts} attempt${attempts === 1 ? "" : "s"})`;
  const status =
    verdict.httpStatus === undefined ? ("code" in verdict ? verdict.code : "") : `HTTP ${verdict.httpStatus}`;
  const code = verdict.httpStatus !== undefined && verdict.code ? ` code ${verdict.code}` : "";
  return `${status}${code}: ${verdict.message} (${attempts} attempt${attempts === 1 ? "" : "s"})`;
}

function callsOf(context: CallContext): PendingCalls {
  return {
    async call(target, send): Promise<CallAnswer> {
      const { result, attempts } = await callWithRetries(context, target, send);
      if (result.end === "ok") return { kind: "ok", body: result.verdict.body };
      if (result.end === "stopped") return { kind: "stopped" };
      return { kind: "failed", message: failureText(result.verdict, attempts) };
    },
    stopListing: (message) => context.stop.stop("outage", message),
  };
}

export function startPending(deps: PendingDeps): PendingHandle {
  const stop = createRunStop(deps.logger);
  let listing: Listing | undefined;
  const execute = async (): Promise<PendingReport> => {
    const started = deps.clock.now();
    listing = await wire(deps, stop);
    try {
      return await finish(listing, started, await list(listing));
    } catch (err) {
      listing.writer.discard();
      listing.client.close();
      throw fileProblem(err, deps.config.out) ?? err;
    }
  };
  return {
    interrupt: (signal = "SIGINT") =>
      stop.stop(
        "interrupted",
        `interrupted (${signal === "SIGINT" ? "Ctrl-C" : signal}); no file written`,
        signal,
      ),
    snapshot: () => snapshotOf(listing),
    done: execute(),
  };
}

/** A disk that cannot take the file: exit 3 with what to do; a listing has nothing to resume. */
function fileProblem(err: unknown, out: string): RunStoppedError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code || !/^E[A-Z]+$/.test(code)) return undefined;
  return new RunStoppedError(
    `cannot write ${out}: ${(err as Error).message}. Free space or fix permissions, then run pending again.`,
    "outage",
    { cause: err },
  );
}

function snapshotOf(listing: Listing | undefined): PendingSnapshot {
  const reasons = listing?.tally.byReason;
  return {
    read: listing?.tally.read ?? 0,
    checked: listing?.tally.checked ?? 0,
    needConfirmation: reasons ? reasons["no-confirmation"] + reasons.older : 0,
    pausedUntil: listing?.rate.pausedUntil ?? 0,
    breakerOpen: listing?.breaker.open ?? false,
  };
}

async function wire(deps: PendingDeps, stop: RunStop): Promise<Listing> {
  const { config, logger, clock } = deps;
  const tokens = withCheckedToken(await deps.tokens(), {
    now: () => clock.now(),
    onRefused: (message) => stop.stop("auth-failed", message),
  });
  // The token pre-flight: one Partner Center would refuse is refused here, before any request.
  await tokens.getToken();
  logger.info({
    event: "pending-start",
    options: config,
    tokenSource: tokens.description,
    partnerTenantId: tokens.tenantId,
    signedInUser: tokens.user,
  });
  const writer = createPendingWriter(config.out);
  const ordered = createOrderedRows(writer);
  const window = createWindow({ concurrency: config.concurrency, nextRow: () => ordered.next });
  const { client, rate, breaker, stats, context } = wireApi({ config, clock, logger, stop, tokens, window });
  const calls = callsOf(context);
  return {
    config,
    logger,
    clock,
    stop,
    client,
    calls,
    window,
    writer,
    ordered,
    rate,
    breaker,
    stats,
    tally: emptyTally(),
    signedIn: tokens,
  };
}

/**
 * One customer: its direct acceptance, then (unless it accepted directly) its lookup, then its
 * row (or none) in its place in the file.
 */
async function check(listing: Listing, position: number, customer: CustomerSummary) {
  const { calls, client, config, tally, ordered } = listing;
  const direct = await directAcceptance(calls, client, customer.id);
  if (direct === undefined) return ordered.put(position, undefined);
  if (direct === true) {
    tally.checked++;
    tally.acceptedDirectly++;
    return ordered.put(position, undefined);
  }
  if (direct === "unread") tally.directUnread++;
  return lookupCustomer(calls, client, customer.id, config.agreementType).then((lookup) => {
    // The listing is stopping and no file will be written; the place is still taken, so that
    // the reader waiting for room in the window moves on instead of waiting for it forever.
    if (!lookup) return ordered.put(position, undefined);
    tally.checked++;
    const pending = selectPending(customer, lookup, config.selection);
    if (pending) {
      tally.listed++;
      tally.byReason[pending.reason]++;
    }
    ordered.put(position, pending?.row);
  });
}

/**
 * Pages in, lookups out: a customer is taken only when a worker is free and the ordered span
 * has room, so neither the queue nor the held rows grow with the list. Only the ids seen so far
 * are kept, to read a customer the API lists twice only once. Returns whether the whole list was read.
 */
async function list(listing: Listing): Promise<boolean> {
  const { stop, window, tally, ordered } = listing;
  const seen = new GuidSet();
  try {
    for await (const page of customerPages(listing.calls, listing.client, listing.config.pageSize)) {
      tally.unusable += page.unusable;
      for (const customer of page.customers) {
        if (seen.addOrHas(customer.id)) {
          tally.duplicates++;
          continue;
        }
        const position = ++tally.read;
        await window.waitForWorker(position);
        if (stop.signal.aborted) break;
        window.track(check(listing, position, customer).catch((err: unknown) => window.fail(err)));
        await ordered.drained();
      }
      if (stop.signal.aborted) break;
    }
  } finally {
    await window.settled();
  }
  if (window.failure !== undefined) throw window.failure;
  await ordered.drained();
  return !stop.signal.aborted;
}

async function finish(listing: Listing, started: number, complete: boolean): Promise<PendingReport> {
  const { config, tally, stop, writer } = listing;
  listing.client.close();
  // "Nothing lost": every customer read was checked and placed, or the listing stopped.
  if (complete && (tally.checked !== tally.read || listing.ordered.next !== tally.read + 1))
    throw new Error(`internal check failed: ${tally.read} customers read, ${tally.checked} checked`);
  if (complete) await writer.commit();
  else writer.discard();
  const report: PendingReport = {
    config,
    tally,
    requests: listing.stats.requests,
    throttled: listing.rate.throttled,
    elapsedMs: listing.clock.now() - started,
    written: complete,
    signedIn: { tenantId: listing.signedIn.tenantId, user: listing.signedIn.user },
    ...(stop.reason ? { stop: { ...stop.reason } } : {}),
  };
  listing.logger.info({
    event: "pending-end",
    ...tally,
    requests: report.requests,
    responses: listing.stats.responses,
    stop: stop.reason?.kind,
  });
  return report;
}
