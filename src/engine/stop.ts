import { setMaxListeners } from "node:events";
import type { Logger } from "../log.js";
import type { RunStoppedError } from "../errors.js";

/** Why a run stopped early: Ctrl-C, or one of the reasons a run cannot go on. */
export type StopKind = "interrupted" | RunStoppedError["code"];

/**
 * The one way a run stops: Ctrl-C, an answer that would fail every row, an outage that lasts
 * too long, a file that changed or cannot be written. The first reason wins; its abort signal
 * tells every waiting row and request not to start anything new.
 */
export interface RunStop {
  readonly signal: AbortSignal;
  /** Why the run stopped, once it has. */
  readonly reason:
    { readonly kind: StopKind; readonly message: string; readonly signal?: NodeJS.Signals } | undefined;
  /** `signal`: the one that interrupted the run, which decides its exit code (130 or 143). */
  stop(kind: StopKind, message: string, signal?: NodeJS.Signals): void;
}

export function createRunStop(logger: Logger): RunStop {
  const controller = new AbortController();
  // Every row sleeping before a retry listens for the stop: as many as the window holds.
  setMaxListeners(0, controller.signal);
  let reason: RunStop["reason"];
  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    stop(kind, message, signal) {
      if (reason) return;
      reason = signal ? { kind, message, signal } : { kind, message };
      logger.warn({ event: "run-stopping", reason: kind, message });
      controller.abort();
    },
  };
}
