import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UsageError } from "../errors.js";
import { resolveRunConfig } from "../config.js";
import { writeGeneratedCsv } from "../demo/generate.js";
import { fillFromSample, seedSampleCustomers } from "../demo/cycle.js";
import { resolvePendingConfig } from "../pending/options.js";
import type { Simulator } from "../simulator/index.js";
import type { TokenProvider } from "../auth/types.js";
import { parseCommand } from "./args.js";
import type { Command, CommandIO } from "./io.js";
import { executePending } from "./pending.js";
import { executeRun } from "./run.js";
import { packageFile } from "./package-files.js";
import type { CommandSpec } from "./spec.js";

export const DEMO_SPEC: CommandSpec = {
  name: "demo",
  usage: "demo [--rows <n>] [--auth token|refresh-token] [--keep | --dir <folder>]",
  brief: "run the samples against the bundled Partner Center simulator",
  summary:
    "Starts the bundled Partner Center simulator on 127.0.0.1 with the customers of\n" +
    "samples/acceptances.csv, lists those that need a confirmation (pending), fills the pending file\n" +
    "in from the sample and runs it, all through the real code paths; --rows runs generated rows\n" +
    "instead. Its files are written to a new folder in the temp directory and removed at the end,\n" +
    "unless --keep or --dir.",
  options: {
    rows: {
      type: "string",
      arg: "n",
      help: "run this many generated rows instead of the pending → run cycle (1 to 1000000)",
      def: "the cycle over the sample",
    },
    auth: {
      type: "string",
      arg: "how",
      help: "token, or refresh-token: sign in through a local identity endpoint (MSAL)",
      def: "token",
    },
    keep: { type: "boolean", help: "keep the files in the temp folder and print where", def: "off" },
    dir: {
      type: "string",
      arg: "folder",
      help: "write the files into this folder and keep them",
      def: "none",
    },
  },
  examples: ["mca-confirm demo", "mca-confirm demo --rows 5000 --keep", "mca-confirm demo --dir demo-files"],
};

const SAMPLE = packageFile("samples/acceptances.csv");

/**
 * `mca-confirm demo`: the bundled simulator on 127.0.0.1 (a little latency and a few random
 * 503s, so retries show) and the samples through the same runCommand a real run uses.
 */
export const demoCommand: Command = async (args, io) => {
  const parsed = parseCommand(args, DEMO_SPEC);
  if ("help" in parsed) {
    io.stdout.write(parsed.help);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(`demo takes no file (got "${parsed.positionals[0]}"). See mca-confirm help demo`);
  const options = parsed.values as { rows?: string; auth?: string; keep?: boolean; dir?: string };
  const rows = options.rows === undefined ? undefined : Number(options.rows);
  if (rows !== undefined && (!Number.isSafeInteger(rows) || rows < 1 || rows > 1_000_000)) {
    throw new UsageError(`--rows must be a whole number from 1 to 1000000 (got "${options.rows}")`);
  }
  const auth = options.auth ?? "token";
  if (auth !== "token" && auth !== "refresh-token")
    throw new UsageError(`--auth must be "token" or "refresh-token" (got "${auth}")`);

  const dir = demoFolder(options.dir);
  const keep = options.keep === true || options.dir !== undefined;
  try {
    return await runDemo(io, dir, rows, auth, keep);
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** A new folder in the temp directory, or the one asked for (made if missing, refused if it holds a demo's files). */
function demoFolder(asked: string | undefined): string {
  if (asked === undefined) return fs.mkdtempSync(path.join(os.tmpdir(), "mca-confirm-demo-"));
  if (["pending.csv", "acceptances.results.csv"].some((file) => fs.existsSync(path.join(asked, file))))
    throw new UsageError(`--dir ${asked} already holds a demo's files; choose an empty folder`);
  try {
    fs.mkdirSync(asked, { recursive: true });
  } catch (err) {
    throw new UsageError(`--dir ${asked}: cannot create the folder (${(err as NodeJS.ErrnoException).code})`);
  }
  return asked;
}

async function runDemo(
  io: CommandIO,
  dir: string,
  rows: number | undefined,
  auth: string,
  keep: boolean,
): Promise<number> {
  const input = path.join(dir, "acceptances.csv");
  if (rows !== undefined) await writeGeneratedCsv(input, rows, { invalidEvery: 50 });

  let tokens: (() => Promise<TokenProvider>) | undefined;
  let closeIdentity = async () => {};
  let identityNote = () => "";
  let acceptToken: ((t: string) => boolean) | undefined;
  if (auth === "refresh-token") {
    // The full MSAL path: a refresh token exchanged at a local identity endpoint over HTTPS,
    // whose short-lived access tokens are the only ones the API simulator accepts.
    const { startDemoIdentity } = await import("../simulator/identity.js");
    const { resolveTokenProvider } = await import("../auth/index.js");
    const { silentLogger } = await import("../log.js");
    // Short-lived access tokens, so a longer demo (--rows) renews them during the run.
    const demo = await startDemoIdentity({ accessTokenLifetimeSeconds: 20 });
    tokens = () =>
      resolveTokenProvider({ env: demo.env, logger: silentLogger, networkClient: demo.networkClient });
    acceptToken = (t) => demo.identity.isValidAccessToken(t);
    closeIdentity = () => demo.close();
    identityNote = () =>
      ` The identity endpoint answered ${demo.identity.stats.refreshGrants} refresh-token exchanges (access tokens live 20 s).`;
  } else {
    const token: TokenProvider = {
      description: "demo token",
      getToken: async () => "demo-access-token",
      renew: async () => undefined,
    };
    tokens = async () => token;
  }
  // Loaded here, not at start-up: no other command needs the simulator.
  const { startSimulator } = await import("../simulator/index.js");
  const sim = await startSimulator({ latencyMs: 15, faults: { errorRate: 0.03 }, acceptToken });
  io.stderr.write(
    `Partner Center simulator listening on ${sim.url}; files go to ${dir}${keep ? "" : " (removed at the end; --keep keeps them)"}\n`,
  );
  try {
    if (rows === undefined) {
      const pendingCode = await pendingStep(sim, dir, input, io, tokens);
      if (pendingCode !== 0) return pendingCode;
    }
    const argv = ["run", input, "--base-url", sim.url];
    const config = resolveRunConfig("run", input, { "base-url": sim.url }, {});
    const code = await executeRun(config, io, argv, { tokens, noFollowUp: true });
    io.stdout.write(
      `\nDemo finished: the simulator received ${sim.stats.requests} requests and recorded ${sim.stats.totalRecords()} confirmations.${identityNote()}\n` +
        (code === 1
          ? "A real run would exit 1 here: the sample holds rows that are invalid or refused on purpose.\n"
          : "") +
        (keep
          ? `Files: ${dir}\n`
          : `The demo's files were removed; run it with --keep (or --dir <folder>) to look at them.\n`),
    );
    // The demo worked when its run finished; rows the sample makes fail on purpose are no failure of the demo.
    return code === 1 ? 0 : code;
  } finally {
    await sim.close();
    await closeIdentity();
  }
}

/**
 * The cycle's first two steps: `pending` over the sample's customers, then the pending file
 * filled in from the sample (as an operator would from the CRM) into `input`. Returns 0 to go on.
 */
async function pendingStep(
  sim: Simulator,
  dir: string,
  input: string,
  io: CommandIO,
  tokens: () => Promise<TokenProvider>,
): Promise<number> {
  const customers = await seedSampleCustomers(sim, SAMPLE);
  const pendingFile = path.join(dir, "pending.csv");
  io.stdout.write(`Step 1: mca-confirm pending (the simulator lists the sample's ${customers} customers)\n`);
  const config = resolvePendingConfig({ "base-url": sim.url, out: pendingFile }, {});
  const code = await executePending(config, io, { tokens, noFollowUp: true });
  // Exit 1 here means some customers' confirmations could not be read: the sample has such customers on purpose.
  if (code !== 0 && code !== 1) return code;
  const filled = await fillFromSample(pendingFile, SAMPLE, input);
  io.stdout.write(
    `\nStep 2: the ${filled} rows of pending.csv filled in from samples/acceptances.csv into acceptances.csv (by hand, in real life)\n\nStep 3: mca-confirm run acceptances.csv\n`,
  );
  return 0;
}
