// The bounds an input file is read within: each stops a wrong or hostile file before it costs
// memory or time, with a message that names the line (messages.ts).

/** Enough to hold any sane header line; the delimiter is taken from the first line in it. */
export const SNIFF_BYTES = 64 * 1024;

/** No acceptance row comes near this; a larger record is an unclosed quote eating the file. */
export const MAX_RECORD_CHARS = 1_000_000;

/**
 * No line of acceptance data comes near this either (lineLengthCheck, line-length.ts): 1,000
 * columns of 256 characters. It bounds what one row costs to parse (a row of 250,000 empty
 * cells is an array of that many strings).
 */
export const MAX_LINE_BYTES = 256 * 1024;

/**
 * Columns a file may have: an acceptance file has about seven, an export from a CRM some dozens.
 * Every row is as wide as its header, so this and MAX_LINE_BYTES bound the memory a row takes
 * (a 15 MB file of 100,006 columns took 1.5 GB before).
 */
export const MAX_COLUMNS = 1_000;
