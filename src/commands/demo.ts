import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.js";
import { resolveRunConfig } from "../config.js";
import { writeGeneratedCsv } from "../demo/generate.js";
import { startSimulator } from "../simulator/index.js";
import type { TokenProvider } from "../auth/types.js";
import { parseCommand } from "./args.js";
import type { Command } from "./io.js";
import { executeRun } from "./run.js";
import type { CommandSpec } from "./spec.js";

export const DEMO_SPEC: CommandSpec = {
  name: "demo",
  usage: "demo [--rows <n>] [--auth token|refresh-token] [--keep | --dir <folder>]",
  brief: "run the samples against the bundled Partner Center simulator",
  summary:
    "Starts the bundled Partner Center simulator on 127.0.0.1 and runs samples/acceptances.csv (or\n" +
    "generated rows) through the real run code path, then prints the summary. Its files are written\n" +
    "to a new folder in the temp directory and removed at the end, unless --keep or --dir.",
  options: {
    rows: {
      type: "string",
      arg: "n",
      help: "generated rows instead of the sample (1 to 1000000)",
      def: "the sample",
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

const SAMPLE = fileURLToPath(new URL("../../samples/acceptances.csv", import.meta.url));

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
  if (fs.existsSync(path.join(asked, "acceptances.results.csv")))
    throw new UsageError(`--dir ${asked} already holds a demo's results; choose an empty folder`);
  try {
    fs.mkdirSync(asked, { recursive: true });
  } catch (err) {
    throw new UsageError(`--dir ${asked}: cannot create the folder (${(err as NodeJS.ErrnoException).code})`);
  }
  return asked;
}

async function runDemo(
  io: Parameters<Command>[1],
  dir: string,
  rows: number | undefined,
  auth: string,
  keep: boolean,
): Promise<number> {
  const input = path.join(dir, "acceptances.csv");
  if (rows === undefined) fs.copyFileSync(SAMPLE, input);
  else await writeGeneratedCsv(input, rows, { invalidEvery: 50 });

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
  const sim = await startSimulator({ latencyMs: 15, faults: { errorRate: 0.03 }, acceptToken });
  io.stderr.write(
    `Partner Center simulator listening on ${sim.url}; files go to ${dir}${keep ? "" : " (removed at the end; --keep keeps them)"}\n`,
  );
  try {
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
