import { MAX_BODY_BYTES, type Attempt, type CallKind } from "./client.js";
import { agreementMismatch, isUserId } from "./answers.js";
import { parseErrorBody, type ApiErrorInfo } from "./errors.js";
import { sanitizeServerText } from "./sanitize.js";

/** What one attempt means for its row and for the run. */
export type Verdict =
  | {
      readonly kind: "ok";
      readonly httpStatus: number;
      readonly body: string;
      /** A confirmation's Agreement: its userId, read while the answer was checked. */
      readonly userId?: string;
      readonly code?: string;
      readonly message?: string;
    }
  | {
      readonly kind: "rejected";
      readonly httpStatus: number;
      readonly code?: string;
      readonly message: string;
      /** A confirmation answered as a call Partner Center no longer serves (isRetiredCall). */
      readonly retired?: true;
    }
  | {
      /**
       * A passing problem (408, 429, 5xx, a timeout, a reset, an answer that is not the API's):
       * the row ends `failed`, to re-run later, unless another attempt gets through.
       */
      readonly kind: "transient";
      readonly httpStatus?: number;
      readonly code?: string;
      readonly message: string;
      readonly retryAfterMs?: number;
      /** 429: a signal for the whole run. */
      readonly throttled: boolean;
      /**
       * false: this run does not try again, the same address would answer the same way (a refused
       * connection, unknown host, TLS error, an unexpected answer, a redirect): the row fails now.
       */
      readonly retry?: false;
    }
  | {
      readonly kind: "auth";
      readonly httpStatus: number;
      readonly code?: string;
      readonly message: string;
      /** A plain 401 may be an expired token: renew once and try again. MFA and permission answers are final. */
      readonly renewable: boolean;
    };

/** HTTP statuses worth another attempt (docs/partner-center-api.md "Errors"); everything else is final. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Connection failures worth another attempt: resets (the API may or may not have processed the
 * request; re-sending the same MS-RequestId makes that safe) and timeouts. Anything else, such as
 * a refused connection, an unknown host or a TLS error, fails the same way on every attempt.
 */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
]);

export function isRetryableNoResponse(reason: "timeout" | "network", code: string | undefined): boolean {
  return reason === "timeout" || (code !== undefined && RETRYABLE_NETWORK_CODES.has(code));
}

/**
 * The longest Retry-After taken literally. Node's timers overflow past 2^31-1 ms (24.8 days) and
 * then fire at once; a week is far past any --outage-timeout (at most a day), so a longer wait
 * still stops the run as an outage, and no timer ever overflows.
 */
export const MAX_RETRY_AFTER_MS = 7 * 24 * 3600 * 1000;

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3) → milliseconds from now, at most MAX_RETRY_AFTER_MS. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Number(text) * 1000);
  // An HTTP date names a day and month ("Sun, 01 Mar 2026 12:00:30 GMT"); Date.parse would
  // also take "-5" or "2026" as dates.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

/** Already on record with the same contact: the confirmation exists, so the row is confirmed. */
export const ALREADY_EXISTS = "600061";
/** Answers that would fail every row (docs/partner-center-api.md "Errors"): stop the run. */
const MFA_REQUIRED = "900421";
const FORBIDDEN_FOR_RUN = new Set(["900308", "900309"]);
/** Local code of a 2xx that is not the answer the call expects (docs/cli.md "The results file"). */
const UNEXPECTED_RESPONSE = "unexpected-response";
/** Local code of a 3xx: never followed, never a refusal (docs/cli.md "The results file"). */
const REDIRECT = "redirect";
/** How much of an unexpected body the message quotes: enough to recognise a login page. */
const FIRST_BYTES = 80;
const MAX_BODY_MIB = MAX_BODY_BYTES / (1024 * 1024);

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The parsed body of a 2xx that is the answer this call promises (docs/partner-center-api.md
 * "Confirm acceptance"), or why it is not: JSON, and for a confirmation an Agreement with its
 * `userId` that matches the request it answers (agreementMismatch), for a listing or the
 * metadata a collection with `items`. A proxy's login page, a captive portal, a 204 or a wrong
 * base URL all answer 200 too, and none of them is evidence.
 */
function expectedAnswer(
  a: Extract<Attempt, { kind: "response" }>,
): { body: Record<string, unknown> } | { mismatch?: string } {
  if (a.oversized) return {};
  if (a.contentType !== undefined && !/\bjson\b/i.test(a.contentType)) return {};
  const body = parseObject(a.body);
  if (!body) return {};
  if (a.call === "list" || a.call === "metadata" || a.call === "customers")
    return Array.isArray(body.items) ? { body } : {};
  if (a.call === "direct") return typeof body.isSigned === "boolean" ? { body } : {};
  // A call that does not say what it was (a caller outside this client) needs a JSON object.
  if (a.call !== "confirm") return { body };
  if (!isUserId(body.userId)) return {};
  const mismatch = a.sent ? agreementMismatch(body, a.sent) : undefined;
  return mismatch ? { mismatch } : { body };
}

/** Names what came back: status, content type and the first bytes, sanitised. */
function bodySummary(a: Extract<Attempt, { kind: "response" }>): string {
  const type = a.contentType
    ? sanitizeServerText(a.contentType, { contact: a.sentContact, maxLength: 60 })
    : "no content type";
  const what = a.oversized
    ? `a body larger than ${MAX_BODY_MIB} MiB`
    : a.body.trim() === ""
      ? "an empty body"
      : `"${sanitizeServerText(a.body, { contact: a.sentContact, maxLength: FIRST_BYTES })}"`;
  return `HTTP ${a.status} (${type}) with ${what}`;
}

function describeUnexpected(a: Extract<Attempt, { kind: "response" }>, mismatch?: string): string {
  if (mismatch)
    return `HTTP ${a.status}: an Agreement that is not the one sent: ${mismatch}; nothing is taken as confirmed`;
  const expected =
    a.call === "confirm"
      ? "a JSON Agreement with a userId"
      : a.call === "list" || a.call === "metadata" || a.call === "customers"
        ? "a JSON collection"
        : a.call === "direct"
          ? 'a JSON {"isSigned": true|false}'
          : "a JSON object";
  return `${bodySummary(a)}, not ${expected}; check --base-url and any proxy in between`;
}

/** A confirmation the API answers as gone: 404 without an API code, 405, 410. */
const RETIRED_STATUSES: ReadonlySet<number> = new Set([404, 405, 410]);
const RETIRED_WORDS = /\b(deprecated|retired|decommissioned|no longer (supported|available|accepted))\b/i;

/**
 * A refused confirmation that says the call itself is gone, not the row's data
 * (docs/partner-center-api.md "A retired call"): 405 or 410, a 404 without one of the API's
 * own codes (60003 "tenant not found" is about the customer), or an error text saying the API
 * is deprecated, retired or no longer supported. "Template … no longer supported" is an old
 * --template-id, a problem of the request, not of the call.
 */
export function isRetiredCall(status: number, call: CallKind | undefined, info: ApiErrorInfo): boolean {
  if (call !== "confirm") return false;
  if (RETIRED_STATUSES.has(status) && !(status === 404 && info.code !== undefined)) return true;
  return RETIRED_WORDS.test(info.message) && !/template/i.test(info.message);
}

/**
 * A 3xx is no answer of this API but a proxy's login page or a wrong base URL (docs/
 * partner-center-api.md "Errors"). got never follows it (the token would travel with it), and it
 * is no refusal either: final like any unexpected answer, and counted for the early stop.
 */
function redirectVerdict(a: Extract<Attempt, { kind: "response" }>): Verdict {
  const to = a.location
    ? ` to ${sanitizeServerText(a.location, { contact: a.sentContact, maxLength: 120 })}`
    : "";
  return {
    kind: "transient",
    httpStatus: a.status,
    code: REDIRECT,
    message: `HTTP ${a.status} redirect${to}, not followed; check --base-url and any proxy in between`,
    throttled: false,
    retry: false,
  };
}

/** Answers that are not the API's (a 2xx that is no such answer, a redirect): they stop a run that meets only them. */
export function isForeignAnswer(verdict: Verdict): boolean {
  return verdict.kind === "transient" && (verdict.code === UNEXPECTED_RESPONSE || verdict.code === REDIRECT);
}

/** What `attempt` means; `now` dates a Retry-After given as an HTTP date. */
export function verdictOf(attempt: Attempt, now: number): Verdict {
  if (attempt.kind === "no-response") {
    return {
      kind: "transient",
      code: attempt.reason === "timeout" ? "timeout" : "network-error",
      message: attempt.message,
      throttled: false,
      ...(isRetryableNoResponse(attempt.reason, attempt.code) ? {} : { retry: false }),
    };
  }
  const status = attempt.status;
  if (status >= 200 && status < 300) {
    // The body is parsed once, here: the outcome takes the userId from the verdict.
    const expected = expectedAnswer(attempt);
    if ("body" in expected) {
      const userId = isUserId(expected.body.userId) ? expected.body.userId : undefined;
      return { kind: "ok", httpStatus: status, body: attempt.body, ...(userId ? { userId } : {}) };
    }
    // Final, not retried: the same address answers the same way again. The row is failed, so
    // it is in the failed file, and a re-run meets 600061 if it was recorded after all.
    return {
      kind: "transient",
      httpStatus: status,
      code: UNEXPECTED_RESPONSE,
      message: describeUnexpected(attempt, expected.mismatch),
      throttled: false,
      retry: false,
    };
  }
  if (status >= 300 && status < 400) return redirectVerdict(attempt);
  const info = attempt.oversized
    ? { message: bodySummary(attempt), code: undefined, errorName: undefined }
    : parseErrorBody(status, attempt.body, attempt.sentContact);
  if (status === 400 && info.code === ALREADY_EXISTS) {
    return { kind: "ok", httpStatus: status, body: "", code: info.code, message: info.message };
  }
  if (status === 401) {
    return {
      kind: "auth",
      httpStatus: status,
      code: info.code,
      message: info.message,
      renewable: info.code !== MFA_REQUIRED,
    };
  }
  if (status === 403 && info.code !== undefined && FORBIDDEN_FOR_RUN.has(info.code)) {
    return { kind: "auth", httpStatus: status, code: info.code, message: info.message, renewable: false };
  }
  if (RETRYABLE_STATUSES.has(status)) {
    return {
      kind: "transient",
      httpStatus: status,
      code: info.code,
      message: info.message,
      retryAfterMs: parseRetryAfter(attempt.retryAfter, now),
      throttled: status === 429,
    };
  }
  const retired = isRetiredCall(status, attempt.call, info) ? { retired: true as const } : {};
  return { kind: "rejected", httpStatus: status, code: info.code, message: info.message, ...retired };
}
