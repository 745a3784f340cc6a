// The simulator's command-line options, one table for `mca-confirm simulator` and
// `node dist/simulator/main.js`: their parsing, their help, and the checks that turn the words
// into SimulatorOptions. Loads nothing of the simulator itself (its help costs nothing).
import { UsageError } from "../errors.js";
import type { ApiLimit, Faults, RateLimit, SimulatorOptions } from "./index.js";

interface SimulatorOption {
  readonly type: "string" | "boolean";
  readonly arg?: string;
  readonly help: string;
  readonly def: string;
  readonly multiple?: boolean;
}

export const SIMULATOR_OPTIONS: Readonly<Record<string, SimulatorOption>> = {
  port: { type: "string", arg: "n", help: "TCP port; 0 picks a free one", def: "0" },
  host: { type: "string", arg: "host", help: "127.0.0.1, localhost or ::1", def: "127.0.0.1" },
  latency: { type: "string", arg: "ms", help: "delay before each answer", def: "0" },
  "rate-limit": { type: "string", arg: "n", help: "token bucket: n requests/s", def: "none" },
  burst: { type: "string", arg: "n", help: "the bucket's size", def: "the rate" },
  "retry-after": { type: "string", arg: "s", help: "a fixed Retry-After", def: "to next token" },
  "fixed-window": { type: "string", arg: "n/s", help: "n requests per s-second window", def: "none" },
  "sliding-window": { type: "string", arg: "n/s", help: "n requests in any s seconds", def: "none" },
  "limit-change": { type: "string", arg: "s:factor", help: "after s seconds, limit × factor", def: "none" },
  "latency-max": { type: "string", arg: "ms", help: "each delay drawn from --latency to ms", def: "none" },
  "max-open": { type: "string", arg: "n", help: "429 (Retry-After 1) over n open requests", def: "none" },
  "error-rate": { type: "string", arg: "x", help: "share (0..1) of 500/503 answers", def: "0" },
  "reset-before-rate": { type: "string", arg: "x", help: "share reset before recording", def: "0" },
  "reset-after-rate": { type: "string", arg: "x", help: "share reset after recording", def: "0" },
  "hang-rate": { type: "string", arg: "x", help: "share never answered", def: "0" },
  "timeout-rate": { type: "string", arg: "x", help: "share answered 408", def: "0" },
  seed: { type: "string", arg: "n", help: "seed of the random faults", def: "a fixed one" },
  customers: { type: "string", arg: "n", help: "customers in the customer list", def: "0" },
  "direct-share": { type: "string", arg: "x", help: "share who accepted directly", def: "0.05" },
  retired: { type: "boolean", help: "confirmation call answers 410", def: "off" },
  tls: { type: "boolean", help: "https with a throwaway certificate", def: "off" },
  "tls-name": { type: "string", arg: "name", help: "another host name for it", def: "none", multiple: true },
};

/** What node:util's parseArgs returns for the table above. */
type SimulatorValues = Record<string, string | boolean | string[] | undefined>;

export interface SimulatorLaunch {
  /** Everything but the certificate, which is made on start (only with --tls). */
  readonly options: Omit<SimulatorOptions, "tls">;
  /** With --tls: the extra host names of its certificate. */
  readonly tlsNames?: readonly string[];
}

function num(name: string, v: string | undefined, min = 0, max = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name}: expected a number from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

/** "N/S" → a window of N requests per S seconds. */
function windowOf(name: "fixed-window" | "sliding-window", v: string | undefined): RateLimit | undefined {
  if (v === undefined) return undefined;
  const [limit, seconds, ...rest] = v.split("/");
  if (rest.length > 0 || seconds === undefined)
    throw new UsageError(`--${name}: expected N/S (e.g. 100/5), got "${v}"`);
  return { kind: name, limit: num(name, limit, 1)!, windowSeconds: num(name, seconds, 0.001)! };
}

function limitOf(str: (name: string) => string | undefined): ApiLimit | undefined {
  const perSecond = num("rate-limit", str("rate-limit"), 0.001);
  const burst = num("burst", str("burst"), 1);
  const retryAfterSeconds = num("retry-after", str("retry-after"), 1);
  const shapes = [
    perSecond,
    windowOf("fixed-window", str("fixed-window")),
    windowOf("sliding-window", str("sliding-window")),
  ];
  const chosen = shapes.filter((x) => x !== undefined);
  if (chosen.length > 1) throw new UsageError("choose one of --rate-limit, --fixed-window, --sliding-window");
  const rateLimit: RateLimit | undefined =
    perSecond !== undefined
      ? { perSecond, ...(burst ? { burst } : {}), ...(retryAfterSeconds ? { retryAfterSeconds } : {}) }
      : (chosen[0] as RateLimit | undefined);
  const limit = withOpenCap(rateLimit, num("max-open", str("max-open"), 1));
  const change = str("limit-change");
  if (change === undefined) return limit;
  if (!limit) throw new UsageError("--limit-change needs a limit to change");
  const [after, factor, ...rest] = change.split(":");
  if (rest.length > 0 || factor === undefined)
    throw new UsageError(`--limit-change: expected S:FACTOR, got "${change}"`);
  return {
    ...limit,
    change: { afterSeconds: num("limit-change", after)!, factor: num("limit-change", factor, 0.001)! },
  };
}

/** --latency-max: answers take from --latency to this many ms. */
function latencyMaxOf(str: (name: string) => string | undefined): { latencyMaxMs?: number } {
  const max = num("latency-max", str("latency-max"));
  if (max === undefined) return {};
  if (max < (num("latency", str("latency")) ?? 0)) throw new UsageError("--latency-max: below --latency");
  return { latencyMaxMs: max };
}

/** --max-open: a cap on open requests, alone or in front of the rate limit. */
function withOpenCap(limit: RateLimit | undefined, maxOpen: number | undefined): ApiLimit | undefined {
  if (maxOpen === undefined) return limit;
  if (!Number.isInteger(maxOpen))
    throw new UsageError(`--max-open: expected a whole number, got "${maxOpen}"`);
  return limit ? { ...limit, maxOpen } : { kind: "max-open", maxOpen };
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

function tlsNamesOf(values: SimulatorValues): readonly string[] | undefined {
  const names = (values["tls-name"] as string[] | undefined) ?? [];
  if (!values.tls) {
    if (names.length) throw new UsageError("--tls-name needs --tls");
    return undefined;
  }
  for (const name of names)
    if (!HOST_NAME.test(name)) throw new UsageError(`--tls-name: "${name}" is not a host name`);
  return names;
}

/** The parsed words → the simulator's options; a UsageError naming the option for a bad value. */
export function simulatorLaunch(values: SimulatorValues): SimulatorLaunch {
  const str = (name: string) => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const rate = (name: string) => num(name, str(name), 0, 1) ?? 0;
  const faults: Partial<Faults> = {
    errorRate: rate("error-rate"),
    resetBeforeCommitRate: rate("reset-before-rate"),
    resetAfterCommitRate: rate("reset-after-rate"),
    hangRate: rate("hang-rate"),
    timeoutRate: rate("timeout-rate"),
  };
  const seed = num("seed", str("seed"));
  const rateLimit = limitOf(str);
  const tlsNames = tlsNamesOf(values);
  return {
    options: {
      host: str("host") ?? "127.0.0.1",
      port: num("port", str("port") ?? "0", 0, 65535),
      latencyMs: num("latency", str("latency") ?? "0"),
      ...latencyMaxOf(str),
      customers: num("customers", str("customers") ?? "0", 0, 10_000_000),
      faults,
      retired: values.retired === true,
      ...(str("direct-share") !== undefined
        ? { directShare: num("direct-share", str("direct-share"), 0, 1) }
        : {}),
      ...(rateLimit ? { rateLimit } : {}),
      ...(seed !== undefined ? { seed } : {}),
    },
    ...(tlsNames ? { tlsNames } : {}),
  };
}
