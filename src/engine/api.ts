// The client, and every request through one gate: breaker → worker slot (--concurrency) → rate.
// `run` and `pending` wire the API the same way, so both share this.
import pLimit from "p-limit";
import type { TokenProvider } from "../auth/types.js";
import type { RunConfig } from "../config.js";
import type { Logger } from "../log.js";
import { createClient } from "../partner-center/client.js";
import { createBreaker } from "./breaker.js";
import type { CallContext } from "./call.js";
import { createRetryWaits } from "./retry-waits.js";
import type { Clock } from "./clock.js";
import { createGate, type RequestStats } from "./gate.js";
import { createRateController } from "./rate/controller.js";
import { DEFAULT_RETRY } from "./retry.js";
import type { RunStop } from "./stop.js";
import { shareRenewal } from "./token-renewal.js";
import type { RowWindow } from "./row-window.js";

/** The options that shape how the API is reached. */
type ApiSettings = Pick<
  RunConfig,
  "baseUrl" | "timeoutMs" | "concurrency" | "proxy" | "maxRpm" | "outageTimeoutMs" | "maxAttempts"
>;

interface ApiWiring {
  readonly config: ApiSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stop: RunStop;
  readonly tokens: TokenProvider;
  readonly window: RowWindow;
  /** `run` records each confirmation's ids before they are sent; `pending` has nothing to record. */
  readonly beforeSend?: CallContext["beforeSend"];
}

/**
 * The gate every request passes, breaker → worker slot (--concurrency) → pace, and what it
 * counts. The rate tests build their runs on it too (test/helpers/rate-run.ts), so they drive
 * the wiring that runs.
 */
export function wireGate(options: {
  readonly config: Pick<ApiSettings, "concurrency" | "maxRpm" | "outageTimeoutMs">;
  readonly clock: Clock;
  readonly stop: RunStop;
  readonly window: RowWindow;
  /** The rate controller's endgame rule; on unless a test turns it off. */
  readonly endgame?: boolean;
}) {
  const { config, clock, stop, window } = options;
  const rate = createRateController({
    clock,
    maxRpm: config.maxRpm,
    ...(options.endgame !== undefined ? { endgame: options.endgame } : {}),
  });
  const breaker = createBreaker({ clock, outageTimeoutMs: config.outageTimeoutMs, stop });
  const stats: RequestStats = { requests: 0, responses: {} };
  const limit = pLimit(config.concurrency);
  const gate = createGate({
    breaker,
    rate,
    stop,
    clock,
    stats,
    demand: (delta) => window.demand(delta),
    slot: (task) => limit(task),
  });
  // The span of rows held for ordered writing follows the pace and Retry-After (row-window.ts).
  window.follow(rate);
  return { rate, breaker, stats, gate };
}

/**
 * MCA_CONFIRM_ENDGAME=off turns the rate controller's endgame rule off: a measuring knob for the
 * bench's tails with and without it (docs/performance.md "d: rate limits"), not a user option.
 */
export function endgameSwitch(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  return env.MCA_CONFIRM_ENDGAME === "off" ? false : undefined;
}

export function wireApi({ config, clock, logger, stop, tokens, window, beforeSend }: ApiWiring) {
  const { rate, breaker, stats, gate } = wireGate({ config, clock, stop, window, endgame: endgameSwitch() });
  const client = createClient({
    baseUrl: config.baseUrl,
    tokens,
    timeoutMs: config.timeoutMs,
    maxSockets: config.concurrency,
    proxy: config.proxy,
    onWritten: () => rate.written(),
  });
  const context: CallContext = {
    gate,
    policy: { ...DEFAULT_RETRY, maxAttempts: config.maxAttempts },
    clock,
    logger,
    stop,
    beforeSend,
    renewToken: shareRenewal(tokens, stop),
    waits: createRetryWaits(),
  };
  return { client, rate, breaker, stats, context };
}
