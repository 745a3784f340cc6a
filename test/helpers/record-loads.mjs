// Records every module the process loads, for the start-up test: run a command as
//   RECORD_LOADS_FILE=<new file> node --import ./test/helpers/record-loads.mjs dist/cli.js …
// and <file> gets one URL per line: every ES module as the loader hook resolves it (written
// at once, by the hooks' thread), then at exit the CommonJS modules in require's cache (those
// that ESM code loads through require() never pass the resolve hook). Worker threads inherit
// the --import and append their own: the file is never truncated here.
import fs from "node:fs";
import Module, { register } from "node:module";
import process from "node:process";
import { pathToFileURL } from "node:url";

const file = process.env.RECORD_LOADS_FILE;
if (file) {
  register("./record-loads-hooks.mjs", { parentURL: import.meta.url, data: { file } });
  process.on("exit", () => {
    const required = Object.keys(Module._cache).map((name) => pathToFileURL(name).href);
    fs.appendFileSync(file, required.map((url) => `${url}\n`).join(""));
  });
}
