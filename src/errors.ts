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
