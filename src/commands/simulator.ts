// `mca-confirm simulator`: the bundled Partner Center simulator as a server of its own, for trying
// the commands against it (docs/cli.md). The same launcher as `node dist/simulator/main.js`;
// the simulator's code loads only when this command runs, not for its help.
import { UsageError } from "../errors.js";
import { SIMULATOR_OPTIONS, simulatorLaunch } from "../simulator/options.js";
import { parseCommand } from "./args.js";
import type { Command, CommandIO } from "./io.js";
import { stopSignals } from "./signals.js";
import type { CommandSpec } from "./spec.js";

export const SIMULATOR_SPEC: CommandSpec = {
  name: "simulator",
  usage: "simulator [--port <n>] [options]",
  brief: "start the bundled Partner Center simulator until Ctrl-C",
  summary:
    "Starts the bundled Partner Center simulator on loopback and prints its URL as\n" +
    "the first line on stdout (with --tls, also where its CA file is). Every command\n" +
    "works against it with --base-url <that URL> and any PARTNER_CENTER_ACCESS_TOKEN.\n" +
    "Runs until Ctrl-C or SIGTERM, then closes and exits 0.",
  options: SIMULATOR_OPTIONS,
  examples: [
    "mca-confirm simulator --port 8080 --rate-limit 40 --error-rate 0.05",
    "mca-confirm simulator --tls",
  ],
};

/** The first stop signal; a second one, while the simulator closes, ends the process at once. */
function stopSignal(io: CommandIO): { received: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal = (_signal: NodeJS.Signals): void => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    let seen = false;
    onSignal = (signal) => {
      if (seen) io.exit(0);
      seen = true;
      resolve(signal);
    };
  });
  // `on`, not `once`: with no listener a second signal would end the process with its default action.
  for (const signal of stopSignals()) process.on(signal, onSignal);
  return { received, dispose: () => stopSignals().forEach((signal) => process.off(signal, onSignal)) };
}

export const simulatorCommand: Command = async (args, io) => {
  const parsed = parseCommand(args, SIMULATOR_SPEC);
  if ("help" in parsed) {
    io.stdout.write(parsed.help);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(
      `simulator takes no file (got "${parsed.positionals[0]}"). See mca-confirm help simulator`,
    );
  const launch = simulatorLaunch(parsed.values);
  const stop = stopSignal(io);
  try {
    const { launchSimulator } = await import("../simulator/launch.js");
    const launched = await launchSimulator(launch, io.stdout).catch((err: Error) => {
      throw new UsageError(`the simulator cannot start: ${err.message}`);
    });
    const url = launched.simulator.url;
    io.stderr.write(
      `Partner Center simulator listening on ${url}; Ctrl-C stops it.\n` +
        `Use it with --base-url ${url} and any PARTNER_CENTER_ACCESS_TOKEN.\n`,
    );
    const signal = await stop.received;
    await launched.close();
    const requests = launched.simulator.stats.requests;
    io.stderr.write(`${signal}: simulator stopped after ${requests} request${requests === 1 ? "" : "s"}.\n`);
    return 0;
  } finally {
    stop.dispose();
  }
};
