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
];

/** A logger writing JSON lines to `file` (created with mode 0600), or nowhere. */
export function createLogger(file: string | undefined, level: string): Logger {
  if (!file) return pino({ level: "silent" });
  const dest = pino.destination({ dest: file, mkdir: true, sync: false, mode: 0o600 } as never);
  return pino({ level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { app: "mca-confirm" } }, dest);
}

/** A logger that drops everything, for library use and tests. */
export const silentLogger: Logger = pino({ level: "silent" });
