// Partner Center answers errors in two JSON shapes (and sometimes plain text):
//   older: {"code":60003,"description":"…","data":[],"source":"PartnerFD"}
//   newer: adds message, errorName, isRetryable, parameters, errorMessageExtended
//   429:   {"statusCode":429,"message":"Rate limit is exceeded. Try again in 57 seconds."}
// parseErrorBody turns any of them into a code and one line of text for the results file.

export interface ApiErrorInfo {
  /** The API's numeric code as text, when the body has one. */
  readonly code?: string;
  readonly errorName?: string;
  /** One line, at most MAX_MESSAGE characters. */
  readonly message: string;
}

const MAX_MESSAGE = 300;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE - 1)}…` : flat;
}

function asText(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

export function parseErrorBody(status: number, body: string): ApiErrorInfo {
  let parsed: unknown;
  try {
    parsed = body.trim() === "" ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    const code = asText(o.code);
    const text =
      asText(o.description) ?? asText(o.message) ?? asText(o.errorMessageExtended) ?? `HTTP ${status}`;
    return { code, errorName: asText(o.errorName), message: oneLine(text) };
  }
  return {
    message: body.trim() === "" ? `HTTP ${status} with an empty body` : oneLine(`HTTP ${status}: ${body}`),
  };
}
