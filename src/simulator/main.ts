// Standalone launcher: runs the simulator as its own process, so tests can kill -9 the CLI
// while the simulator (and what it recorded) lives on. Prints the URL as the first stdout line.
//   node dist/simulator/main.js [--port N] [--host H] [--latency MS] [--rate-limit N] [--burst N]
//     [--error-rate X] [--reset-before-rate X] [--reset-after-rate X] [--hang-rate X]
//     [--timeout-rate X] [--seed N]

import { parseArgs } from "node:util";
import { startSimulator, type Faults } from "./index.js";

const USAGE = `Usage: node dist/simulator/main.js [options]   (prints its URL, runs until Ctrl-C)
  --port N  --host 127.0.0.1|localhost|::1  --latency MS  --rate-limit N (requests/s)  --burst N
  --error-rate X  --reset-before-rate X  --reset-after-rate X  --hang-rate X  --timeout-rate X  (shares 0..1)
  --seed N
`;

function fail(message: string): never {
  process.stderr.write(`simulator: ${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      latency: { type: "string", default: "0" },
      "rate-limit": { type: "string" },
      burst: { type: "string" },
      "error-rate": { type: "string", default: "0" },
      "reset-before-rate": { type: "string", default: "0" },
      "reset-after-rate": { type: "string", default: "0" },
      "hang-rate": { type: "string", default: "0" },
      "timeout-rate": { type: "string", default: "0" },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
} catch (err) {
  fail((err as Error).message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function num(name: string, v: string | undefined, min = 0, max = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    fail(`--${name}: expected a number from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

const rate = (name: keyof typeof values) => num(name, values[name] as string, 0, 1) ?? 0;
const faults: Partial<Faults> = {
  errorRate: rate("error-rate"),
  resetBeforeCommitRate: rate("reset-before-rate"),
  resetAfterCommitRate: rate("reset-after-rate"),
  hangRate: rate("hang-rate"),
  timeoutRate: rate("timeout-rate"),
};
const perSecond = num("rate-limit", values["rate-limit"], 1);
const burst = num("burst", values.burst, 1);
const seed = num("seed", values.seed);

const sim = await startSimulator({
  host: values.host,
  port: num("port", values.port, 0, 65535),
  latencyMs: num("latency", values.latency),
  faults,
  ...(perSecond ? { rateLimit: { perSecond, ...(burst ? { burst } : {}) } } : {}),
  ...(seed !== undefined ? { seed } : {}),
}).catch((err: Error) => fail(err.message));
process.stdout.write(`${sim.url}\n`);

// `on`, not `once`: with no listener left a second signal would kill us with the default action.
let stopping = false;
const stop = () => {
  if (stopping) process.exit(0);
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
