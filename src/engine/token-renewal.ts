import type { TokenProvider } from "../auth/types.js";
import type { RunStop } from "./stop.js";

/** Answers arriving this long after a renewal were sent with the old token: they reuse it. */
const REUSE_MS = 5_000;

/**
 * Token renewal after a 401, shared by every row: the provider shares one renewal in flight,
 * and rows whose 401 arrives just after it (requests that left with the old token) reuse its
 * result instead of renewing again. A renewal that fails stops the run (auth-failed).
 */
export function shareRenewal(tokens: TokenProvider, stop: RunStop): () => Promise<boolean> {
  let renewal: Promise<boolean> | undefined;
  return () =>
    (renewal ??= tokens.renew().then(
      (token) => {
        setTimeout(() => (renewal = undefined), REUSE_MS).unref();
        return token !== undefined;
      },
      (err: unknown) => {
        stop.stop("auth-failed", err instanceof Error ? err.message : String(err));
        return false;
      },
    ));
}
