import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Paths pino blanks out whatever is logged. What is logged is chosen field by field
 * (an allow-list at each call site); this is the second line of defence.
 */
export const REDACT_PATHS = [
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
    // Synchronous: each line reaches the OS as it is logged, so a kill -9 loses none of them
    // (asynchronous writing lost the last hundred attempt lines of a killed run). A line is a
    // few hundred bytes and one write(2) per request costs microseconds.
    dest = pino.destination({ dest: file, sync: true, mode: 0o600 });
    // A log that cannot be written (disk full, folder gone) must not end the run: say so once.
    dest.once("error", (err: Error) =>
      process.stderr.write(`mca-confirm: cannot write the log file ${file}: ${err.message}\n`),
    );
    dest.on("error", () => {});
    return dest;
  };
  const lazy = {
    write: (line: string) => open().write(line),
    flush: (cb?: (err?: Error) => void) => (dest ? dest.flush(cb) : cb?.()),
    flushSync: () => dest?.flushSync(),
  };
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
