// Standalone launcher: runs the simulator as its own process, so tests can kill -9 the CLI
// while the simulator (and what it recorded) lives on. Prints the URL as the first stdout line.
//   node dist/simulator/main.js [--port N] [--host H] [--latency MS]
//     [--rate-limit N [--burst N] [--retry-after S] | --fixed-window N/S | --sliding-window N/S]
//     [--limit-change S:FACTOR] [--error-rate X] [--reset-before-rate X] [--reset-after-rate X] [--hang-rate X]
//     [--timeout-rate X] [--seed N] [--tls [--tls-name NAME]] [--customers N] [--direct-share X] [--retired]

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { throwawayCertificate } from "./certificate.js";
import { startSimulator, type Faults, type RateLimit } from "./index.js";

const USAGE = `Usage: node dist/simulator/main.js [options]   (prints its URL, runs until Ctrl-C)
  --port N  --host 127.0.0.1|localhost|::1  --latency MS
  --rate-limit N (token bucket, requests/s)  --burst N  --retry-after S (constant; default: time to the next token)
  --fixed-window N/S  --sliding-window N/S  (N requests per S seconds; Retry-After: time until one is allowed)
  --limit-change S:FACTOR  (after S seconds the limit is multiplied by FACTOR, e.g. 30:0.5)
  --error-rate X  --reset-before-rate X  --reset-after-rate X  --hang-rate X  --timeout-rate X  (shares 0..1)
  --seed N  --customers N (customers in GET /v1/customers, with a seeded mix of confirmations)
  --direct-share X   share (0..1) of the generated customers who accepted the MCA directly (default 0.05)
  --retired          the confirmation call answers 410 "deprecated", as a retired legacy attestation API may
  --tls              serve https with a throwaway self-signed certificate; prints where its CA file is,
                     for NODE_EXTRA_CA_CERTS
  --tls-name NAME    another host name for that certificate (e.g. one your proxy maps to this machine)
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
      "retry-after": { type: "string" },
      "fixed-window": { type: "string" },
      "sliding-window": { type: "string" },
      "limit-change": { type: "string" },
      "error-rate": { type: "string", default: "0" },
      "reset-before-rate": { type: "string", default: "0" },
      "reset-after-rate": { type: "string", default: "0" },
      "hang-rate": { type: "string", default: "0" },
      "timeout-rate": { type: "string", default: "0" },
      seed: { type: "string" },
      tls: { type: "boolean" },
      "tls-name": { type: "string", multiple: true },
      customers: { type: "string", default: "0" },
      retired: { type: "boolean" },
      "direct-share": { type: "string" },
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
const seed = num("seed", values.seed);

/** "N/S" → a window of N requests per S seconds. */
function windowOf(name: "fixed-window" | "sliding-window"): RateLimit | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const [limit, seconds, ...rest] = v.split("/");
  if (rest.length > 0 || seconds === undefined) fail(`--${name}: expected N/S (e.g. 100/5), got "${v}"`);
  return { kind: name, limit: num(name, limit, 1)!, windowSeconds: num(name, seconds, 0.001)! };
}

function limitOf(): RateLimit | undefined {
  const perSecond = num("rate-limit", values["rate-limit"], 0.001);
  const burst = num("burst", values.burst, 1);
  const retryAfterSeconds = num("retry-after", values["retry-after"], 1);
  const shapes = [perSecond, windowOf("fixed-window"), windowOf("sliding-window")];
  const chosen = shapes.filter((x) => x !== undefined);
  if (chosen.length > 1) fail("choose one of --rate-limit, --fixed-window, --sliding-window");
  const limit: RateLimit | undefined =
    perSecond !== undefined
      ? { perSecond, ...(burst ? { burst } : {}), ...(retryAfterSeconds ? { retryAfterSeconds } : {}) }
      : (chosen[0] as RateLimit | undefined);
  const change = values["limit-change"];
  if (change === undefined) return limit;
  if (!limit) fail("--limit-change needs a limit to change");
  const [after, factor, ...rest] = change.split(":");
  if (rest.length > 0 || factor === undefined) fail(`--limit-change: expected S:FACTOR, got "${change}"`);
  return {
    ...limit,
    change: { afterSeconds: num("limit-change", after)!, factor: num("limit-change", factor, 0.001)! },
  };
}
const rateLimit = limitOf();

/** The certificate, and its CA file in a new private folder that is removed again on exit. */
async function tlsSetUp() {
  const names = values["tls-name"] ?? [];
  if (!values.tls) {
    if (names.length) fail("--tls-name needs --tls");
    return undefined;
  }
  for (const name of names)
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(name))
      fail(`--tls-name: "${name}" is not a host name`);
  const certificate = await throwawayCertificate(names);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "mca-confirm-simulator-"));
  const caFile = path.join(folder, "simulator-ca.pem");
  fs.writeFileSync(caFile, certificate.cert, { mode: 0o644 });
  process.on("exit", () => fs.rmSync(folder, { recursive: true, force: true }));
  return { certificate, caFile };
}
const tls = await tlsSetUp();

const sim = await startSimulator({
  host: values.host,
  port: num("port", values.port, 0, 65535),
  latencyMs: num("latency", values.latency),
  customers: num("customers", values.customers, 0, 10_000_000),
  retired: values.retired ?? false,
  ...(values["direct-share"] !== undefined
    ? { directShare: num("direct-share", values["direct-share"], 0, 1) }
    : {}),
  faults,
  ...(rateLimit ? { rateLimit } : {}),
  ...(seed !== undefined ? { seed } : {}),
  ...(tls ? { tls: tls.certificate } : {}),
}).catch((err: Error) => fail(err.message));
process.stdout.write(`${sim.url}\n`);
if (tls) {
  process.stdout.write(
    `CA certificate: ${tls.caFile}\n` +
      `Trust it in the shell that runs mca-confirm (removed when the simulator stops):\n` +
      `  export NODE_EXTRA_CA_CERTS="${tls.caFile}"          (POSIX shells)\n` +
      `  $env:NODE_EXTRA_CA_CERTS = "${tls.caFile}"          (PowerShell)\n`,
  );
}

// `on`, not `once`: with no listener left a second signal would kill us with the default action.
let stopping = false;
const stop = () => {
  if (stopping) process.exit(0);
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
