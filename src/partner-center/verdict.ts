import type { Attempt } from "./client.js";
import { parseErrorBody } from "./errors.js";
import { isRetryableNoResponse, parseRetryAfter, RETRYABLE_STATUSES } from "../run/retry.js";

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

/** Already on record with the same contact: the confirmation exists, so the row is confirmed. */
export const ALREADY_EXISTS = "600061";
/** Answers that would fail every row (PARTNER-CENTER.md "Errors"): stop the run. */
const MFA_REQUIRED = "900421";
const FORBIDDEN_FOR_RUN = new Set(["900308", "900309"]);

export function verdictOf(a: Attempt, now: number = Date.now()): Verdict {
  if (a.kind === "no-response") {
    return {
      kind: "retryable",
      code: a.reason === "timeout" ? "timeout" : "network-error",
      message: a.message,
      throttled: false,
      ...(isRetryableNoResponse(a.reason, a.code) ? {} : { final: true }),
    };
  }
  const s = a.status;
  if (s >= 200 && s < 300) return { kind: "ok", httpStatus: s, body: a.body };
  const info = parseErrorBody(s, a.body);
  if (s === 400 && info.code === ALREADY_EXISTS) {
    return { kind: "ok", httpStatus: s, body: "", code: info.code, message: info.message };
  }
  if (s === 401) {
    return {
      kind: "auth",
      httpStatus: s,
      code: info.code,
      message: info.message,
      renewable: info.code !== MFA_REQUIRED,
    };
  }
  if (s === 403 && info.code !== undefined && FORBIDDEN_FOR_RUN.has(info.code)) {
    return { kind: "auth", httpStatus: s, code: info.code, message: info.message, renewable: false };
  }
  if (RETRYABLE_STATUSES.has(s)) {
    return {
      kind: "retryable",
      httpStatus: s,
      code: info.code,
      message: info.message,
      retryAfterMs: parseRetryAfter(a.retryAfter, now),
      throttled: s === 429,
    };
  }
  return { kind: "rejected", httpStatus: s, code: info.code, message: info.message };
}
