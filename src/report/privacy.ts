// The report may travel by email and sit in a document store: it names customers by tenant id
// only. Server messages can echo what was sent (docs/partner-center-api.md "Errors": "Error texts are free-form
// and may echo parts of the request"), so a message shown in it loses the row's own contact
// values and anything shaped like an email address first.
import { escapeRegExp } from "../partner-center/sanitize.js";

const EMAIL = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g;
const SURROGATE = /[\ud800-\udfff]/;
/** Longer than any error text needs; a capped text stays readable in a table cell. */
const MAX_MESSAGE = 300;

/** `message` without the row's contact values, email addresses and control characters. */
export function maskContacts(message: string, contactValues: readonly string[]): string {
  let text = message.replace(EMAIL, "[email]");
  // A pattern is built only for a value the text may hold: upper-cased, every text a pattern
  // with the i flag matches holds the value too (that flag compares UTF-16 units upper-cased).
  // A value with half a surrogate pair in it could match inside a pair: it is always tried.
  let upper = text.toUpperCase();
  for (const value of contactValues) {
    const v = value.trim();
    // Two letters ("Li") would also blank words of the message itself; a name that short
    // identifies no one on its own.
    if (v.length < 3 || (!SURROGATE.test(v) && !upper.includes(v.toUpperCase()))) continue;
    text = text.replace(new RegExp(escapeRegExp(v), "gi"), "[contact]");
    upper = text.toUpperCase();
  }
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
