// The simulator as a process of its own, for `mca-confirm simulator` and
// `node dist/simulator/main.js`: starts it, prints its URL (the first line on stdout) and, with
// --tls, where its CA file is. The certificate code (and `selfsigned`) loads only for --tls.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startSimulator, type Simulator } from "./index.js";
import type { SimulatorLaunch } from "./options.js";

interface LaunchedSimulator {
  readonly simulator: Simulator;
  /** Stops it and removes the CA file's folder (with --tls). */
  close(): Promise<void>;
}

/** The certificate, and its CA file in a new private folder. */
async function tlsSetUp(names: readonly string[]) {
  const { throwawayCertificate } = await import("./certificate.js");
  const certificate = await throwawayCertificate(names);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "mca-confirm-simulator-"));
  const caFile = path.join(folder, "simulator-ca.pem");
  fs.writeFileSync(caFile, certificate.cert, { mode: 0o644 });
  return { certificate, caFile, folder };
}

export async function launchSimulator(
  launch: SimulatorLaunch,
  out: NodeJS.WritableStream,
): Promise<LaunchedSimulator> {
  const tls = launch.tlsNames ? await tlsSetUp(launch.tlsNames) : undefined;
  const removeCa = () => {
    if (tls) fs.rmSync(tls.folder, { recursive: true, force: true });
  };
  // A CA file left behind by a process that ends some other way is removed on exit too.
  process.once("exit", removeCa);
  let simulator: Simulator;
  try {
    simulator = await startSimulator({ ...launch.options, ...(tls ? { tls: tls.certificate } : {}) });
  } catch (err) {
    removeCa();
    throw err;
  }
  out.write(`${simulator.url}\n`);
  if (tls) {
    out.write(
      `CA certificate: ${tls.caFile}\n` +
        `Trust it in the shell that runs mca-confirm (removed when the simulator stops):\n` +
        `  export NODE_EXTRA_CA_CERTS="${tls.caFile}"          (POSIX shells)\n` +
        `  $env:NODE_EXTRA_CA_CERTS = "${tls.caFile}"          (PowerShell)\n`,
    );
  }
  return {
    simulator,
    close: async () => {
      await simulator.close();
      removeCa();
    },
  };
}
