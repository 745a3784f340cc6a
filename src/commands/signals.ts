// What `run` and `pending` do alike while their work goes on: sign in lazily, show progress, and
// stop on Ctrl-C or SIGTERM (Ctrl-Break on Windows), the first one gently (no new requests, those
// in flight finish and the files are written), a second one at once. One handler for both commands.
import type { TokenProvider } from "../auth/types.js";
import { signalExitCode } from "../exit-codes.js";
import { removeTempFiles } from "../temp-files.js";
import type { Logger } from "../log.js";
import type { ProxySettings } from "../network/proxy.js";
import type { CommandIO } from "./io.js";

/** The signals that stop a command. Windows consoles send Ctrl-Break as SIGBREAK; Ctrl-C arrives as SIGINT there too. */
export function stopSignals(platform: NodeJS.Platform = process.platform): NodeJS.Signals[] {
  return platform === "win32" ? ["SIGINT", "SIGTERM", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
}

/** The token source a command signs in with: the one handed in (the demo's), else MSAL, loaded only when needed. */
export function tokenSource(
  handedIn: (() => Promise<TokenProvider>) | undefined,
  io: CommandIO,
  logger: Logger,
  proxy: ProxySettings,
): () => Promise<TokenProvider> {
  return (
    handedIn ??
    (async () => {
      const { resolveTokenProvider } = await import("../auth/index.js");
      return resolveTokenProvider({ env: io.env, logger, proxy });
    })
  );
}

/** Work under way that a signal can stop. */
interface StoppableWork<T> {
  readonly done: Promise<T>;
  interrupt(signal: NodeJS.Signals): void;
}

interface StopWording {
  /** What the first signal's line says is happening, after "SIGINT: ". */
  readonly gently: string;
  /** Before the process ends on a second signal: save what can be saved, say what is left. */
  readonly atOnce: () => void;
}

/**
 * A terminal's Ctrl-C, `timeout -s INT` and `kill -INT -<group>` signal the whole process group:
 * the process may get the same signal twice within milliseconds (its own and its parent's). Two
 * signals closer than this are one request to stop; a person pressing Ctrl-C again takes longer.
 */
export const SAME_STOP_MS = 1000;

/**
 * Waits for `work`, with its progress display shown until it ends. The first signal stops
 * the display and interrupts the work, saying so; a repeat within SAME_STOP_MS is the same
 * request; a later one runs `atOnce`, removes the temporary files and ends the process with the
 * signal's code (130, or 143 for SIGTERM). The listeners and the display are gone when this returns.
 */
export async function untilDoneOrStopped<T>(
  work: StoppableWork<T>,
  io: CommandIO,
  stopProgress: () => void,
  wording: StopWording,
  now: () => number = Date.now,
): Promise<T> {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const at = now();
    if (firstAt === undefined) {
      firstAt = at;
      stopProgress();
      work.interrupt(signal);
      io.stderr.write(`\n${signal}: ${wording.gently} Press Ctrl-C again to quit at once.\n`);
      return;
    }
    if (at - firstAt < SAME_STOP_MS) return;
    stopProgress();
    wording.atOnce();
    removeTempFiles();
    io.exit(signalExitCode(signal));
  };
  const signalsToStop = stopSignals();
  for (const signal of signalsToStop) process.on(signal, onSignal);
  try {
    return await work.done;
  } finally {
    stopProgress();
    for (const signal of signalsToStop) process.off(signal, onSignal);
  }
}
