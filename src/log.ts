import os from "node:os";
import { pino, type Logger } from "pino";
import { printable } from "./errors.js";
import { openForAppend } from "./replace-file.js";

export type { Logger };

/**
 * Paths pino blanks out whatever is logged. What is logged is chosen field by field
 * (an allow-list at each call site); this is the second line of defence.
 */
const REDACT_PATHS = [
  "token",
  "accessToken",
  "refreshToken",
  "clientSecret",
  "authorization",
  "headers.authorization",
  "headers.Authorization",
  "*.authorization",
  "*.Authorization",
  "primaryContact",
  "*.primaryContact",
  "firstName",
  "lastName",
  "email",
  "phoneNumber",
  "*.firstName",
  "*.lastName",
  "*.email",
  "*.phoneNumber",
  // OAuth field names as MSAL and identity answers spell them, and one level deeper for contacts.
  "access_token",
  "refresh_token",
  "client_secret",
  "*.access_token",
  "*.refresh_token",
  "*.client_secret",
  "*.*.primaryContact",
  "*.*.email",
];

/** Every log's way to write the lines still waiting for the end of their turn. */
const waitingLines = new Set<() => void>();

/**
 * Writes the lines every log holds for the end of this turn of the event loop. The journal
 * calls it before the intents that let new requests out, and the process when it exits (a
 * second Ctrl-C), so a kill -9 never loses the line of a request that is no longer in flight.
 */
export function writeWaitingLogLines(): void {
  for (const write of waitingLines) write();
}
process.once("exit", writeWaitingLogLines);

/**
 * A logger writing JSON lines to `file` (created with mode 0600), or nowhere. The file is
 * opened at the first line, so a run refused before it starts (bad input, no credentials)
 * leaves no empty log behind.
 */
export function createLogger(
  file: string | undefined,
  level: string,
  base: Record<string, string> = {},
): Logger {
  if (!file) return pino({ level: "silent" });
  let dest: ReturnType<typeof pino.destination> | undefined;
  // 0600: the log names customers (tenant ids) and request ids, nothing for other users of the machine.
  const open = () => {
    if (dest) return dest;
    // Synchronous: what is written reaches the OS at once, so a kill -9 loses none of it
    // (asynchronous writing lost the last hundred attempt lines of a killed run). Never through
    // a symbolic link (docs/cli.md "Runs"); the run checked for one before it
    // began, so this refuses only one planted since, and the log says so instead of failing it.
    let fd: number;
    try {
      fd = openForAppend(file);
    } catch (err) {
      process.stderr.write(
        printable(`mca-confirm: cannot write the log file ${file}: ${(err as Error).message}\n`),
      );
      fd = -1;
    }
    dest = pino.destination({ dest: fd < 0 ? os.devNull : fd, sync: true });
    // A log that cannot be written (disk full, folder gone) must not end the run: say so once.
    dest.once("error", (err: Error) =>
      process.stderr.write(printable(`mca-confirm: cannot write the log file ${file}: ${err.message}\n`)),
    );
    dest.on("error", () => {});
    return dest;
  };
  // The lines of one turn of the event loop go out in one write, at its end or before the
  // journal lets new requests out (writeWaitingLogLines), whichever comes first: a kill -9
  // still loses only the lines of requests in flight, at one write(2) per turn, not per line.
  let pending: string[] = [];
  let scheduled = false;
  const writePending = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    open().write(text);
  };
  const lazy = {
    write: (line: string) => {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(writePending);
      }
    },
    flush: (cb?: (err?: Error) => void) => {
      writePending();
      return dest ? dest.flush(cb) : cb?.();
    },
    flushSync: () => {
      writePending();
      dest?.flushSync();
    },
  };
  waitingLines.add(writePending);
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { app: "mca-confirm", ...base } },
    lazy,
  );
}

const unredacted = new WeakMap<Logger, Logger>();

/**
 * The same log without pino's redaction, for the lines logged once per request whose fields are
 * chosen one by one from values that are never secrets or contact data (ids, codes, counts):
 * there the second line of defence only walks its paths, on every line, for nothing.
 */
export function withoutRedaction(logger: Logger): Logger {
  let plain = unredacted.get(logger);
  if (!plain) {
    plain = logger.child({}, { redact: [] });
    unredacted.set(logger, plain);
  }
  return plain;
}

/** A logger that drops everything, for library use and tests. */
export const silentLogger: Logger = pino({ level: "silent" });
