// Standalone launcher: runs the simulator as its own process, so tests can kill -9 the CLI
// while the simulator (and what it recorded) lives on. Prints the URL as the first stdout line.
// The same as `mca-confirm simulator` (docs/cli.md), for the clone, the tests and the bench:
//   node dist/simulator/main.js [--port N] [--host H] [--latency MS] [the options of options.ts]
import { parseArgs, type ParseArgsConfig } from "node:util";
import { launchSimulator } from "./launch.js";
import { SIMULATOR_OPTIONS, simulatorLaunch, type SimulatorLaunch } from "./options.js";

const USAGE = `Usage: node dist/simulator/main.js [options]   (prints its URL, runs until Ctrl-C)
${Object.entries(SIMULATOR_OPTIONS)
  .map(
    ([name, o]) => `  --${name}${o.arg ? ` <${o.arg}>` : ""}`.padEnd(26) + ` ${o.help} (default: ${o.def})`,
  )
  .join("\n")}
`;

function fail(message: string): never {
  process.stderr.write(`simulator: ${message}\n${USAGE}`);
  process.exit(2);
}

const config = Object.fromEntries(
  Object.entries(SIMULATOR_OPTIONS).map(([name, o]) => [
    name,
    { type: o.type, ...(o.multiple ? { multiple: true } : {}) },
  ]),
) as ParseArgsConfig["options"];
let launch: SimulatorLaunch;
try {
  const { values } = parseArgs({
    options: { ...config, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  launch = simulatorLaunch(values);
} catch (err) {
  fail((err as Error).message);
}
const sim = await launchSimulator(launch, process.stdout).catch((err: Error) => fail(err.message));

// `on`, not `once`: with no listener left a second signal would kill us with the default action.
let stopping = false;
const stop = () => {
  if (stopping) process.exit(0);
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
