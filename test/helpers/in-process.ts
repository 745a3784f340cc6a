// A command run in the test's own process through src/commands/main.ts, the same dispatch and
// error handling the built CLI runs: for what a child process adds nothing to (help texts,
// refusals, messages). The exit codes and output wiring of the real process keep their own tests
// through runCli (test/helpers/cli.ts).
import { Writable } from "node:stream";
import { main } from "../../src/commands/main.js";
import { baseEnv, ROOT, type CliOptions, type CliResult } from "./cli.js";

/** Collects what is written to it as one string. */
class Collected extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void) {
    this.text += chunk.toString();
    done();
  }
}

/**
 * `mca-confirm ...args` in this process, in `cwd` (default the repository), with the same clean
 * environment runCli gives the child. The test file's tests run one at a time, so the working
 * folder is this command's until it settles.
 */
export async function runInProcess(
  args: readonly string[],
  options: Pick<CliOptions, "cwd" | "env"> = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = baseEnv();
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const stdout = new Collected();
  const stderr = new Collected();
  const exit = (code: number): never => {
    throw new Error(`the command asked to exit the process (${code})`);
  };
  const before = process.cwd();
  process.chdir(options.cwd ?? ROOT);
  try {
    const code = await main([...args], { stdout, stderr, env, exit });
    return { code, stdout: stdout.text, stderr: stderr.text, timedOut: false };
  } finally {
    process.chdir(before);
  }
}
