// Spreadsheet formula injection (docs/cli.md "The results file"): cells starting with one of these
// characters are run as formulas by Excel/LibreOffice, so they are written behind a `'`
// (OWASP "CSV Injection"), and the `'` is removed again when such a file is read back.
// escapeFormula leaves an already escaped cell (`'=1`) alone, so pass-through cells of a
// results file re-run into the next results file unchanged instead of growing quotes.
// Spreadsheets also skip leading blanks before a formula, the no-break and full-width spaces
// included (\s covers U+00A0, U+2000–200A, U+3000, U+FEFF), and take the full-width forms
// ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20) for their ASCII twins.
const FORMULA_START = /^(?:[\t\r]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20])/;
// Quotes then a formula start; exactly one quote is removed (`''=1` → `'=1`).
const ESCAPED = /^'+(?:[\t\r]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20])/;

/** `=1` → `'=1`; anything not starting with a formula character is returned as is. */
export function escapeFormula(cell: string): string {
  // Most cells start with a printable ASCII character other than = + - @, which no formula
  // start matches (every \s character is below "!" or above DEL): no regex for them.
  const first = cell.charCodeAt(0);
  if (first > 32 && first < 127 && first !== 61 && first !== 43 && first !== 45 && first !== 64) return cell;
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** Undoes escapeFormula: `'=1` → `=1`, `''=1` → `'=1`, `'abc` unchanged. */
export function unescapeFormula(cell: string): string {
  return cell.charCodeAt(0) === 39 /* ' */ && ESCAPED.test(cell) ? cell.slice(1) : cell;
}
