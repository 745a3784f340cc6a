// Files of the installed package (its package.json, the samples) found from the running code.
// The code runs from dist/ as bundled chunks and, in the tests, as one file per module in
// .build/: at different depths, so the package's root is the nearest folder up whose
// package.json names this package.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const NAME = "mca-confirm";
/** Folders between a module and the package's root: dist/simulator/ is the deepest, at two. */
const MAX_DEPTH = 4;

let root: { dir: string; version: string } | undefined;

function packageRoot(): { dir: string; version: string } {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (manifest.name === NAME && manifest.version) return (root = { dir, version: manifest.version });
    }
    dir = path.dirname(dir);
  }
  throw new Error(`the package.json of ${NAME} was not found above ${fileURLToPath(import.meta.url)}`);
}

/** The version in the package's package.json. */
export function packageVersion(): string {
  return packageRoot().version;
}

/** A file of the package, by its path from the package's root. */
export function packageFile(relative: string): string {
  return path.join(packageRoot().dir, relative);
}
