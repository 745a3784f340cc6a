// `npm test` type-checks the tests (tsconfig.test.json) while they run, instead of before: the
// check is CPU, the tests mostly wait. A type error fails the run once the tests are done. Only
// under `npm test` (npm names the script it runs): a single file run with `npx vitest run` skips it.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default function setup(): (() => Promise<void>) | undefined {
  if (process.env.npm_lifecycle_event !== "test") return undefined;
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const child = spawn(process.execPath, [tsc, "-p", "tsconfig.test.json"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.on("error", (err) => {
      output += String(err);
      resolve(null);
    });
    child.on("close", resolve);
  });
  return async () => {
    const code = await exited;
    if (code === 0) return;
    // vitest reports an error thrown here but keeps its exit code: set it as well.
    process.exitCode = 1;
    throw new Error(`tsc -p tsconfig.test.json failed (exit ${code}):\n${output}`);
  };
}
