// The start of a CSV file, read before it is parsed: refuses what is no CSV text (a workbook,
// UTF-16, binary), and finds the byte order mark and the delimiter of its header line.
import { open } from "node:fs/promises";
import { MAX_COLUMNS, SNIFF_BYTES } from "./limits.js";
import {
  emptyFile,
  headerTooLong,
  notText,
  tooManyColumns,
  unreadable,
  utf16,
  workbook,
} from "./messages.js";

export type Delimiter = "," | ";" | "\t";

export interface CsvFormat {
  readonly delimiter: Delimiter;
  /** The file starts with a UTF-8 byte order mark (Excel's "CSV UTF-8"): results keep it. */
  readonly bom: boolean;
}

/**
 * The delimiter and byte order mark of a CSV file. `limits`: refuse a header line longer than
 * SNIFF_BYTES or of more than MAX_COLUMNS columns (an input); a file this tool wrote (results)
 * is not limited here.
 */
export async function sniffCsvFormat(file: string, limits = false): Promise<CsvFormat> {
  const start = await readStart(file);
  const bom = start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf;
  return { delimiter: detectDelimiter(file, start, limits), bom };
}

/** Reads the first bytes: refuses unreadable, binary and UTF-16 files. */
async function readStart(file: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    const handle = await open(file, "r");
    try {
      buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
      buf = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw unreadable(file, err);
  }
  const kind = workbookKind(buf);
  if (kind) throw workbook(file, kind);
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) throw utf16(file);
  if (buf.includes(0)) throw notText(file);
  // Whether it is UTF-8 is checked on every byte as it streams (utf8.ts), with the line.
  return buf;
}

/**
 * A workbook saved by Excel instead of a CSV: .xlsx is a zip (local file header "PK\x03\x04"),
 * the older .xls a compound document (D0 CF 11 E0 A1 B1 1A E1).
 */
function workbookKind(start: Buffer): string | undefined {
  if (start.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return ".xlsx";
  if (start.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])))
    return ".xls";
  return undefined;
}

const DELIMITERS = [",", ";", "\t"] as const;

/** The delimiter occurring most often outside quotes in the first non-blank line (ties: , ; tab). */
function detectDelimiter(file: string, start: Buffer, limits: boolean): Delimiter {
  const text = start.toString("utf8").replace(/^\uFEFF/, "");
  const begin = text.search(/[^\r\n]/);
  if (begin < 0) throw emptyFile(file);
  const headerLine = (text.slice(0, begin).match(/\n/g)?.length ?? 0) + 1;
  const counts = [0, 0, 0];
  let quoted = false;
  let ended = false;
  for (let i = begin; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || c === "\r")) {
      ended = true;
      break;
    } else if (!quoted) {
      const d = DELIMITERS.indexOf(c as (typeof DELIMITERS)[number]);
      if (d >= 0) counts[d]++;
    }
  }
  // Refused at the header, before a row is parsed: a row is as wide as the header.
  if (limits && !ended && start.length >= SNIFF_BYTES) throw headerTooLong(file, headerLine);
  let best = 0;
  for (let d = 1; d < DELIMITERS.length; d++) if (counts[d] > counts[best]) best = d;
  if (limits && counts[best] + 1 > MAX_COLUMNS) throw tooManyColumns(file, headerLine, counts[best] + 1);
  return DELIMITERS[best];
}
