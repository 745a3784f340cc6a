// Standalone launcher: runs the simulator as its own process, so tests can kill -9 the CLI
// while the simulator (and what it recorded) lives on. Prints the URL as the first stdout line.
//   node dist/simulator/main.js [--port N] [--host H] [--latency MS] [--rate-limit N] [--burst N]
//     [--error-rate X] [--reset-before-rate X] [--reset-after-rate X] [--hang-rate X]
//     [--timeout-rate X] [--seed N] [--tls [--tls-name NAME]]

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { throwawayCertificate } from "./certificate.js";
import { startSimulator, type Faults } from "./index.js";

const USAGE = `Usage: node dist/simulator/main.js [options]   (prints its URL, runs until Ctrl-C)
  --port N  --host 127.0.0.1|localhost|::1  --latency MS  --rate-limit N (requests/s)  --burst N
  --error-rate X  --reset-before-rate X  --reset-after-rate X  --hang-rate X  --timeout-rate X  (shares 0..1)
  --seed N
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
      "error-rate": { type: "string", default: "0" },
      "reset-before-rate": { type: "string", default: "0" },
      "reset-after-rate": { type: "string", default: "0" },
      "hang-rate": { type: "string", default: "0" },
      "timeout-rate": { type: "string", default: "0" },
      seed: { type: "string" },
      tls: { type: "boolean" },
      "tls-name": { type: "string", multiple: true },
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
  faults,
  ...(perSecond ? { rateLimit: { perSecond, ...(burst ? { burst } : {}) } } : {}),
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
