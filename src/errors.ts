// Few error types, each handled differently by the one error boundary in cli.ts:
// - UsageError: bad options, configuration, existing files, missing credentials → exit 2, nothing sent.
// - InputFileError: the input file cannot be read as CSV → exit 2, nothing sent; names file and line.
// - RunStoppedError: the run cannot go on (auth refused, templateId unresolvable, outage) → exit 3.
// Row-level problems are never thrown: they become Outcome records.

export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class InputFileError extends Error {
  override readonly name = "InputFileError";
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly line?: number,
    readonly column?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${file}${line !== undefined ? `:${line}` : ""}: ${problem}${column ? ` (column "${column}")` : ""}`,
      options,
    );
  }
}

/** Why a run stopped early; `code` is what rows that did not finish record as errorCode. */
export class RunStoppedError extends Error {
  override readonly name = "RunStoppedError";
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly code: "auth-failed" | "template-unresolved" | "outage" | "input-changed" | "api-retired",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Up to the last @ before the path: a password may itself contain an unencoded @.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):[^\s/]*@/gi;

/**
 * `https://user:secret@host` → `https://user:***@host`, anywhere in a text: a URL in a message
 * or a log line never shows a password (an option value, a proxy, an error of Node's).
 */
export function maskUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, "$1$2:***@");
}

// Control characters other than line feed and tab: C0, DEL, C1 (0x9b is CSI, 0x9d OSC), and the
// bidirectional overrides that reorder what a terminal shows.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_OR_LF = /[\u0000-\u0008\n\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeOne = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
};

/**
 * Text for a terminal, with every control character shown as an escape (ESC → `\x1b`, BEL →
 * `\x07`, CR → `\x0d`): a file name or a value from a file or a server cannot move the cursor,
 * set the window title (OSC), clear the screen or overwrite a line of the summary. Line feeds
 * (the lines of a message) and tabs are kept; `oneLine` escapes line feeds too.
 */
export function printable(text: string, oneLine = false): string {
  return text.replace(oneLine ? CONTROL_OR_LF : CONTROL, escapeOne);
}
