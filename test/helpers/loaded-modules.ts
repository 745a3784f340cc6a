// The modules a CLI process loaded, from the file test/helpers/record-loads.mjs wrote: dist/ is
// bundled (scripts/build.mjs), so each chunk it loaded stands for the modules its source map
// lists (.build/… and node_modules/…). A chunk that only re-exports another has no map.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./cli.js";

export const DIST = path.join(ROOT, "dist") + path.sep;

/**
 * The files the process read (chunks of dist/ among them), the modules they stand for, and
 * whether any of those modules' paths contains `part`.
 */
export function loadedModules(record: string): {
  files: Set<string>;
  modules: string[];
  loaded: (part: string) => boolean;
} {
  const files = new Set(
    fs
      .readFileSync(record, "utf8")
      .split("\n")
      .filter((url) => url.startsWith("file:"))
      .map((url) => fileURLToPath(url)),
  );
  const modules = [...files].flatMap((file) => {
    const map = `${file}.map`;
    if (!file.startsWith(DIST) || !fs.existsSync(map)) return [file];
    const { sources } = JSON.parse(fs.readFileSync(map, "utf8")) as { sources: string[] };
    return sources.map((source) => path.resolve(path.dirname(file), source));
  });
  return { files, modules, loaded: (part) => modules.some((module) => module.includes(part)) };
}
