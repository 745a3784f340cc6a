// What `run` and `pending` do alike while their work goes on: sign in lazily, show progress, and
// stop on Ctrl-C, the first one gently (no new requests, those in flight finish and the files are
// written), the second at once.
import type { TokenProvider } from "../auth/types.js";
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
export interface StoppableWork<T> {
  readonly done: Promise<T>;
  interrupt(signal: NodeJS.Signals): void;
}

export interface StopWording {
  /** What the first signal's line says is happening, after "SIGINT: ". */
  readonly gently: string;
  /** Before the process ends on a second signal: save what can be saved, say what is left. */
  readonly atOnce: () => void;
}

/**
 * Waits for `work`, with its progress display shown until it ends. The first signal stops
 * the display and interrupts the work, saying so; the second runs `atOnce` and ends the process
 * with 130. The listeners and the display are gone when this returns.
 */
export async function untilDoneOrStopped<T>(
  work: StoppableWork<T>,
  io: CommandIO,
  stopProgress: () => void,
  wording: StopWording,
): Promise<T> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    stopProgress();
    if (signals === 1) {
      work.interrupt(signal);
      io.stderr.write(`\n${signal}: ${wording.gently} Press Ctrl-C again to quit at once.\n`);
      return;
    }
    wording.atOnce();
    io.exit(130);
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
