import { randomUUID } from "node:crypto";
import type { Attempt, RequestIds } from "../partner-center/client.js";
import type { Verdict } from "../partner-center/verdict.js";
import { sanitizeServerText } from "../partner-center/sanitize.js";
import { withoutRedaction, type Logger } from "../log.js";
import type { Clock } from "./clock.js";
import type { Gate } from "./gate.js";
import { retryDelay, type RetryPolicy } from "./retry.js";
import type { RetryWaits } from "./retry-waits.js";
import type { RunStop } from "./stop.js";

/** How a call with its retries ended; `stopped` when the run stopped first. */
export type CallEnd =
  | { readonly end: "ok"; readonly verdict: Extract<Verdict, { kind: "ok" }> }
  | { readonly end: "rejected"; readonly verdict: Extract<Verdict, { kind: "rejected" }> }
  | { readonly end: "failed"; readonly verdict: Extract<Verdict, { kind: "transient" }> }
  | { readonly end: "stopped"; readonly verdict?: Verdict };

export interface CallResult {
  readonly result: CallEnd;
  readonly attempts: number;
  /** The ids the last attempt carried: the ones recorded, never an answer's echo (below). */
  readonly ids: RequestIds;
}

/** What every API call of a run shares. */
export interface CallContext {
  readonly gate: Gate;
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stop: RunStop;
  /** Renews the token after a 401 (one renewal shared by all workers); false when it cannot. */
  readonly renewToken: () => Promise<boolean>;
  /**
   * The use case's step before a request id first goes out, awaited when it returns a promise:
   * `run` records a confirmation's ids in its journal there (absent: nothing to record).
   */
  readonly beforeSend?: (target: CallTarget, ids: RequestIds) => Promise<void> | undefined;
  /** Rows asleep before a retry, for the progress line (absent: not counted). */
  readonly waits?: RetryWaits;
  /** The backoff's jitter, in [0, 1) (absent: Math.random); a seeded one replays a run exactly. */
  readonly random?: () => number;
}

export interface CallTarget {
  readonly what: "confirm" | "list" | "metadata" | "customers" | "direct";
  readonly rowNumber?: number;
  readonly customerId?: string;
}

/** Sleeps before the next attempt, counted among the rows waiting to retry while it does. */
async function sleepBeforeRetry(context: CallContext, delayMs: number): Promise<void> {
  const end = context.waits?.begin(context.clock.now() + delayMs);
  try {
    await context.clock.sleep(delayMs, context.stop.signal);
  } finally {
    end?.();
  }
}

/** The advice for an answer that would fail every row (docs/cli.md "Runs"). */
export function fatalMessage(verdict: Extract<Verdict, { kind: "auth" }>, renewed: boolean): string {
  const what = `HTTP ${verdict.httpStatus}${verdict.code ? ` code ${verdict.code}` : ""}: ${verdict.message}`;
  if (verdict.code === "900421") {
    return `The API requires multi-factor authentication (${what}). Sign in again with MFA (mca-confirm login, or a new consent for the refresh token).`;
  }
  if (verdict.code === "900308") {
    return `The signed-in user lacks the Partner Center permissions for this call (${what}). Use an account with the Admin agent role.`;
  }
  if (verdict.code === "900309") {
    return `A Conditional Access policy blocked the call (${what}). Ask the partner tenant's admins to allow this sign-in.`;
  }
  return `The API refused the access token${renewed ? " even after renewing it" : ""} (${what}). Check the credentials (PARTNER_CENTER_* variables) or run mca-confirm login.`;
}

function logAttempt(
  context: CallContext,
  target: CallTarget,
  attemptNumber: number,
  answer: { attempt: Attempt; verdict: Verdict },
  ids: RequestIds,
  delayMs: number | undefined,
): void {
  const { attempt, verdict } = answer;
  // Retries and failures at warn, so --log-level warn keeps exactly those on the largest runs.
  const logger = withoutRedaction(context.logger);
  (verdict.kind === "ok" ? logger.info : logger.warn).call(logger, {
    event: "attempt",
    call: target.what,
    rowNumber: target.rowNumber,
    customerId: target.customerId,
    attempt: attemptNumber,
    httpStatus: attempt.kind === "response" ? attempt.status : undefined,
    noResponse: attempt.kind === "no-response" ? attempt.reason : undefined,
    errorCode: "code" in verdict ? verdict.code : undefined,
    outcome: verdict.kind,
    durationMs: Math.round(attempt.durationMs),
    delayMs,
    requestId: ids.requestId,
    correlationId: ids.correlationId,
  });
}

/**
 * The ids recorded are the ones this client sent (docs/cli.md "The results file"); an answer's
 * MS-RequestId/MS-CorrelationId echo is server text, only compared: a mismatch is a warning in
 * the log, its values sanitised and capped like any other server text.
 */
function checkEcho(context: CallContext, target: CallTarget, attempt: Attempt, ids: RequestIds): void {
  if (attempt.kind !== "response") return;
  const differs = (echoed: string | undefined, sent: string) =>
    echoed !== undefined && echoed.trim().toLowerCase() !== sent.toLowerCase();
  if (!differs(attempt.requestId, ids.requestId) && !differs(attempt.correlationId, ids.correlationId))
    return;
  const shown = (echoed: string | undefined) =>
    echoed === undefined
      ? undefined
      : sanitizeServerText(echoed, { contact: attempt.sentContact, maxLength: 60 });
  context.logger.warn({
    event: "echoed-ids-differ",
    call: target.what,
    rowNumber: target.rowNumber,
    requestId: ids.requestId,
    correlationId: ids.correlationId,
    echoedRequestId: shown(attempt.requestId),
    echoedCorrelationId: shown(attempt.correlationId),
  });
}

/**
 * One API call with its retries. The only retry loop of the program: got's own retry is off.
 * MS-RequestId: a new one after an answer, except that once an attempt got no answer (the API
 * may have committed it), every later attempt re-sends that id until an answer that ends the
 * call. A 500, 503, 408 or 429 in between says nothing about the committed request: with a new
 * id the API would answer 600061 instead of replaying its 201 and its userId. MS-CorrelationId
 * stays for all attempts.
 */
export async function callWithRetries(
  context: CallContext,
  target: CallTarget,
  send: (ids: RequestIds) => Promise<Attempt>,
  /** Ids an interrupted run recorded for this row: it may have been committed unanswered. */
  resumed?: RequestIds,
): Promise<CallResult> {
  let ids = resumed ?? { requestId: randomUUID(), correlationId: randomUUID() };
  let attempts = 0;
  let renewed = false;
  let last: Verdict | undefined;
  let announced: string | undefined;
  /** The last attempt got an answer: the next one needs a new MS-RequestId. */
  let needsNewRequestId = false;
  /** An attempt went unanswered: its id is kept until an answer ends the call. */
  let unanswered = resumed !== undefined;
  const done = (result: CallEnd): CallResult => ({ result, attempts, ids });

  // Called only once the gate lets the attempt out, so a row stopped while it waits never
  // shows an id that was not sent.
  const sendNext = async (): Promise<Attempt> => {
    if (needsNewRequestId) ids = { ...ids, requestId: randomUUID() };
    needsNewRequestId = false;
    attempts++;
    if (context.beforeSend && announced !== ids.requestId) {
      announced = ids.requestId;
      // The request goes out only once the use case has done with it (a run: its intent is with the OS).
      const before = context.beforeSend(target, ids);
      if (before) await before;
    }
    return send(ids);
  };

  for (;;) {
    if (context.stop.signal.aborted) return done({ end: "stopped", verdict: last });
    const answer = await context.gate.attempt(sendNext);
    if (!answer) return done({ end: "stopped", verdict: last });
    const { attempt, verdict } = answer;
    last = verdict;
    checkEcho(context, target, attempt, ids);
    const delayMs =
      verdict.kind === "transient" && verdict.retry !== false
        ? retryDelay(attempts, verdict.retryAfterMs, context.policy, context.random)
        : undefined;
    logAttempt(context, target, attempts, answer, ids, delayMs);

    switch (verdict.kind) {
      case "ok":
        return done({ end: "ok", verdict });
      case "rejected":
        // The call itself is gone (gate.ts): the row was never recorded, a resume sends it again.
        if (verdict.retired && context.stop.reason?.kind === "api-retired")
          return done({ end: "stopped", verdict });
        return done({ end: "rejected", verdict });
      case "auth":
        if (verdict.renewable && !renewed && (await context.renewToken())) {
          renewed = true;
          needsNewRequestId = !unanswered;
          continue;
        }
        context.stop.stop("auth-failed", fatalMessage(verdict, renewed));
        return done({ end: "stopped", verdict });
      case "transient":
        if (delayMs === undefined) return done({ end: "failed", verdict });
        if (attempt.kind === "no-response") unanswered = true;
        else needsNewRequestId = !unanswered;
        await sleepBeforeRetry(context, delayMs);
    }
  }
}
