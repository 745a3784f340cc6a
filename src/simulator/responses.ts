// Answer bodies, in the shapes Partner Center uses. Both error shapes appear on purpose (older:
// code/description/data/source; newer adds message/errorName/isRetryable), and 5xx are sometimes
// plain text, so the client's error parser meets all of them.

import type { ServerResponse } from "node:http";

const JSON_TYPE = "application/json; charset=utf-8";
const TEXT_TYPE = "text/plain; charset=utf-8";

/** Response headers every answer carries: the echoed tracing ids. */
export interface Trace {
  requestId: string;
  correlationId: string;
}

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  trace: Trace,
  extra?: Record<string, string>,
  text = false,
): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, {
    "content-type": text ? TEXT_TYPE : JSON_TYPE,
    "content-length": Buffer.byteLength(body),
    "ms-requestid": trace.requestId,
    "ms-correlationid": trace.correlationId,
    ...extra,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  trace: Trace,
  extra?: Record<string, string>,
): void {
  send(res, status, JSON.stringify(value), trace, extra);
}

export function oldError(code: number, description: string): string {
  return JSON.stringify({ code, description, data: [], source: "PartnerFD" });
}

export function newError(code: number, description: string, errorName: string, isRetryable = false): string {
  return JSON.stringify({
    code,
    description,
    message: description,
    errorName,
    isRetryable,
    data: [],
    source: "PartnerFD",
  });
}

/** The gateway's 429: a different body shape from every other error. */
export function throttledBody(seconds: number): string {
  return JSON.stringify({
    statusCode: 429,
    message: `Rate limit is exceeded. Try again in ${seconds} seconds.`,
  });
}

export const MISSING_TOKEN = oldError(800001, "Authorization token is missing or invalid");
export const MISSING_CONTRACT_VERSION = newError(
  800002,
  "MS-Contract-Version header is missing or invalid",
  "InvalidInput",
);

const AUTH_MESSAGES: Record<number, string> = {
  900421: "Multi-factor authentication is required for this request",
  900308: "The user does not have sufficient privileges to perform this action",
  900309: "The request was blocked by a Conditional Access policy",
  800001: "Authorization token is missing or invalid",
  1002: "The access token has expired or is invalid",
};

export function authErrorBody(code: number, message?: string): string {
  return newError(code, message ?? AUTH_MESSAGES[code] ?? "Access denied", "Unauthorized");
}

/** A 500/503 answer; `plain` picks the non-JSON form some gateways return. */
export function serverError(
  status: 500 | 503,
  plain: boolean,
): { status: number; body: string; text: boolean } {
  if (plain)
    return { status, body: status === 503 ? "Service Unavailable" : "Internal Server Error", text: true };
  return status === 503
    ? {
        status,
        body: newError(503, "The service is temporarily unavailable", "ServiceUnavailable", true),
        text: false,
      }
    : { status, body: oldError(500, "An internal error occurred"), text: false };
}
