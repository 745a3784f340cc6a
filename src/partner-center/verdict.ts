import type { Attempt } from "./client.js";
import { parseErrorBody } from "./errors.js";

/** What one attempt means for its row and for the run. */
export type Verdict =
  | {
      readonly kind: "ok";
      readonly httpStatus: number;
      readonly body: string;
      readonly code?: string;
      readonly message?: string;
    }
  | {
      readonly kind: "rejected";
      readonly httpStatus: number;
      readonly code?: string;
      readonly message: string;
    }
  | {
      readonly kind: "retryable";
      readonly httpStatus?: number;
      readonly code?: string;
      readonly message: string;
      readonly retryAfterMs?: number;
      /** 429: a signal for the whole run. */
      readonly throttled: boolean;
      /** A transport failure another attempt would meet again (refused connection, unknown host, TLS): fail now. */
      readonly final?: boolean;
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
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Connection failures worth another attempt: resets (the API may or may not have processed the
 * request; re-sending the same MS-RequestId makes that safe) and timeouts. Anything else, such as
 * a refused connection, an unknown host or a TLS error, fails the same way on every attempt.
 */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
]);

export function isRetryableNoResponse(reason: "timeout" | "network", code: string | undefined): boolean {
  return reason === "timeout" || (code !== undefined && RETRYABLE_NETWORK_CODES.has(code));
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3) → milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names a day and month ("Sun, 01 Mar 2026 12:00:30 GMT"); Date.parse would
  // also take "-5" or "2026" as dates.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Already on record with the same contact: the confirmation exists, so the row is confirmed. */
export const ALREADY_EXISTS = "600061";
/** Answers that would fail every row (docs/partner-center-api.md "Errors"): stop the run. */
const MFA_REQUIRED = "900421";
const FORBIDDEN_FOR_RUN = new Set(["900308", "900309"]);

/** What `attempt` means; `now` dates a Retry-After given as an HTTP date. */
export function verdictOf(attempt: Attempt, now: number): Verdict {
  if (attempt.kind === "no-response") {
    return {
      kind: "retryable",
      code: attempt.reason === "timeout" ? "timeout" : "network-error",
      message: attempt.message,
      throttled: false,
      ...(isRetryableNoResponse(attempt.reason, attempt.code) ? {} : { final: true }),
    };
  }
  const status = attempt.status;
  if (status >= 200 && status < 300) return { kind: "ok", httpStatus: status, body: attempt.body };
  const info = parseErrorBody(status, attempt.body);
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
      kind: "retryable",
      httpStatus: status,
      code: info.code,
      message: info.message,
      retryAfterMs: parseRetryAfter(attempt.retryAfter, now),
      throttled: status === 429,
    };
  }
  return { kind: "rejected", httpStatus: status, code: info.code, message: info.message };
}
