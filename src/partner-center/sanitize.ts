// Every text that comes from a server (an error description, a plain-text body, the first bytes
// of an unexpected answer) passes through sanitizeServerText before it reaches the results,
// the failed file, the log, the summary or --json. Partner Center's error texts are free-form
// and may echo the request (docs/partner-center-api.md "Errors"): the Authorization header, the
// contact sent, a proxy's own page with terminal escapes in it. So, in this order:
//   1. terminal escapes, control characters and bidirectional overrides are removed, so
//      nothing a server says can move the cursor, recolour or rewrite the operator's terminal;
//   2. secrets are masked: bearer/basic credentials, JWT-shaped strings, OAuth values
//      (refresh_token, client_secret, …), passwords inside URLs;
//   3. personal data is masked: e-mail addresses, phone-number-shaped digit runs and the row's
//      own contact values (a name is not recognisable by shape);
//   4. whitespace is folded to single spaces and the length is capped.

/** Longest text kept: enough for any real Partner Center description, one line in a spreadsheet. */
export const MAX_SERVER_TEXT = 300;

import { maskUrlPasswords } from "../errors.js";

export { maskUrlPasswords };

/* eslint-disable no-control-regex -- finding control characters is what these patterns are for */
// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), other two-byte ESC sequences, then C1 controls
// (which some terminals treat as CSI on their own), C0 controls and DEL.
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]?/g;
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;
const ESCAPE = /\x1b[@-_]?/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// Line breaks and tabs become spaces (the text must stay one line); bidi overrides and isolates
// (U+202A–202E, U+2066–2069) would let a server reorder what the operator reads.
const LINE_BREAK = /[\t\n\u2028\u2029]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

const AUTHORIZATION = /\b(authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic)\s+)?[^\s"',;}]+/gi;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g;
// OAuth and credential fields as JSON, a form body or a query string spells them.
const SECRET_FIELD =
  /\b((?:refresh_token|access_token|id_token|client_secret|client_assertion|password|passwd|pwd|secret|api[_-]?key)["']?\s*[:=]\s*["']?)[^\s"'&,;}<]+/gi;
const EMAIL = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[^\s@<>()[\]"',;:]+/g;
// A phone number: optional +, digits with spaces, dots, dashes and brackets between them, not
// glued to a word or a GUID. Seven digits or more (shorter runs are counts, codes, seconds).
const PHONE = /(?<![\w-])\+?\(?\d[\d\s().-]{5,}\d(?![\w-])/g;
const GUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

function maskPhones(text: string): string {
  return text.replace(PHONE, (match) => {
    const digits = match.replace(/\D/g, "").length;
    if (digits < 7 || digits > 15 || GUID_LIKE.test(match) || DATE_LIKE.test(match)) return match;
    return "[phone]";
  });
}

/** `text` as a pattern that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// A letter or digit beside a find: the find is part of a longer word, not the value.
const WORD_BEFORE = /[\p{L}\p{N}]$/u;
const WORD_AFTER = /^[\p{L}\p{N}]/u;

/**
 * The row's own contact values, wherever the server echoed them, as whole words. Each value is
 * found by a plain case-insensitive pattern and its neighbours checked with the two above: one
 * pattern of the value with the \p{…} classes inside took 1.7 ms to compile, for every value
 * of every error answer (a 429's body included), and a run's values are never the same twice.
 * The pattern keeps the u flag: without it, case is compared one UTF-16 unit at a time by
 * upper-casing, and "STRAUẞ" would keep a value of "Strauß", a Kelvin sign a "Kim".
 */
function maskValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) {
    const v = value.trim();
    // One letter would mask half the text; such a value cannot identify anyone anyway.
    if (v.length < 2) continue;
    const find = new RegExp(escapeRegExp(v), "giu");
    let masked = "";
    let from = 0;
    for (let m = find.exec(out); m !== null; m = find.exec(out)) {
      const start = m.index;
      const end = start + m[0].length;
      // Two code units: a letter beyond the basic plane is a surrogate pair.
      if (
        WORD_BEFORE.test(out.slice(Math.max(0, start - 2), start)) ||
        WORD_AFTER.test(out.slice(end, end + 2))
      ) {
        // Inside a longer word: a find that overlaps this one may still stand alone. The next
        // try starts one character on, a whole surrogate pair (a u pattern set inside a pair
        // steps back to its start, and would find the same place again and again).
        find.lastIndex = start + ((out.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
        continue;
      }
      masked += `${out.slice(from, start)}[contact]`;
      from = end;
    }
    out = masked + out.slice(from);
  }
  return out;
}

/** Removes terminal escapes and control characters; line breaks and tabs become spaces. */
export function stripControls(text: string): string {
  return text
    .replace(OSC, "")
    .replace(CSI, "")
    .replace(ESCAPE, "")
    .replace(LINE_BREAK, " ")
    .replace(CONTROL, "")
    .replace(BIDI, "");
}

/** Masks credentials in a text: Authorization values, bearer/basic tokens, JWTs, OAuth fields, URL passwords. */
function maskSecrets(text: string): string {
  return maskUrlPasswords(
    text
      .replace(AUTHORIZATION, "$1[redacted]")
      .replace(BEARER, "$1 [redacted]")
      .replace(JWT, "[redacted]")
      .replace(SECRET_FIELD, "$1[redacted]"),
  );
}

interface SanitizeOptions {
  /** The contact values sent with the request (names, e-mail, phone): masked where echoed. */
  readonly contact?: readonly string[];
  readonly maxLength?: number;
}

/** One line of server text that is safe to write anywhere: see the top of this file. */
export function sanitizeServerText(text: string, options: SanitizeOptions = {}): string {
  const max = options.maxLength ?? MAX_SERVER_TEXT;
  // Work on a bounded slice: a 1 MiB body must not cost a regex pass over all of it.
  const slice = text.length > max * 8 ? text.slice(0, max * 8) : text;
  // E-mails before the contact values, so a first name is not cut out of its own address.
  let out = maskSecrets(stripControls(slice)).replace(EMAIL, "[email]");
  out = maskPhones(maskValues(out, options.contact ?? []));
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
