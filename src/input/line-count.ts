// Line arithmetic on csv-parse's counts: a record's start line told from the line it ends on,
// and csv-parse's double count of a CRLF inside a quoted cell taken back.

/** Line breaks inside a record's quoted fields, so a record's start line can be told from its end. */
export function lineBreaks(record: readonly string[]): number {
  let n = 0;
  for (const cell of record) {
    if (cell.indexOf("\n") < 0 && cell.indexOf("\r") < 0) continue;
    n += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return n;
}

/** CRLFs inside the record's cells, each of which csv-parse's line count takes for two lines. */
export function crlfInside(record: readonly string[]): number {
  let n = 0;
  for (const cell of record) if (cell.includes("\r\n")) n += cell.split("\r\n").length - 1;
  return n;
}

/** Blank lines csv-parse skipped since `before` (its count when the last record ended). */
export function emptyLinesSince(err: unknown, before: number): number {
  const now = (err as { empty_lines?: unknown }).empty_lines;
  return typeof now === "number" && now > before ? now - before : 0;
}
