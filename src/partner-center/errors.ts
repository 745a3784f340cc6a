// Partner Center answers errors in two JSON shapes (and sometimes plain text):
//   older: {"code":60003,"description":"…","data":[],"source":"PartnerFD"}
//   newer: adds message, errorName, isRetryable, parameters, errorMessageExtended
//   429:   {"statusCode":429,"message":"Rate limit is exceeded. Try again in 57 seconds."}
// parseErrorBody turns any of them into a code and one line of text for the results file; the
// text is the server's, so it goes through the sanitiser (sanitize.ts) before anyone sees it.
import { sanitizeServerText } from "./sanitize.js";

export interface ApiErrorInfo {
  /** The API's numeric code as text, when the body has one. */
  readonly code?: string;
  readonly errorName?: string;
  /** One sanitised line (MAX_SERVER_TEXT characters at most). */
  readonly message: string;
}

function asText(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

/** `contact`: the values the request carried, masked wherever the server echoes them. */
export function parseErrorBody(status: number, body: string, contact?: readonly string[]): ApiErrorInfo {
  const clean = (text: string) => sanitizeServerText(text, { contact });
  let parsed: unknown;
  try {
    parsed = body.trim() === "" ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    const code = asText(o.code);
    const errorName = asText(o.errorName);
    const text =
      asText(o.description) ?? asText(o.message) ?? asText(o.errorMessageExtended) ?? `HTTP ${status}`;
    return {
      // A code or name is an identifier: anything longer or stranger than one is server text.
      code: code !== undefined && /^[\w.-]{1,40}$/.test(code) ? code : undefined,
      errorName: errorName !== undefined && /^\w{1,80}$/.test(errorName) ? errorName : undefined,
      message: clean(text),
    };
  }
  return {
    message: body.trim() === "" ? `HTTP ${status} with an empty body` : clean(`HTTP ${status}: ${body}`),
  };
}
