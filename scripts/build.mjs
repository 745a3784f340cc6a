// npm run build: TypeScript compiled into .build/ (one file per module), then bundled into dist/
// with its dependencies. Node 20 has no compile cache for ES modules: a `run` that loads 264
// files spends most of its start-up finding, reading and linking them, and the same code in a
// few dozen chunks starts in about two thirds of the CPU (docs/performance.md, "Start-up").
// Each command's chunks still load only when the command runs (the dynamic imports of
// commands/main.ts become chunk boundaries). .build/ stays for the tests that start a module
// of their own (the heap cap, the writing thread); the package ships dist/ alone.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BUILD = path.join(ROOT, ".build");
const DIST = path.join(ROOT, "dist");
const NOTICES = "THIRD-PARTY-LICENSES.txt";

for (const dir of [BUILD, DIST]) fs.rmSync(dir, { recursive: true, force: true });

const tsc = spawnSync(
  process.execPath,
  [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
  {
    cwd: ROOT,
    stdio: "inherit",
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// Three entries, each run by `node <file>`: the command, the simulator on its own (as the docs
// start it) and the CSV writing thread, which threaded-csv.ts finds beside itself: every chunk
// is written into dist/ itself, never a subfolder.
const bundle = await build({
  cwd: ROOT,
  input: {
    cli: "./.build/cli.js",
    "simulator/main": "./.build/simulator/main.js",
    "csv-writer-thread": "./.build/output/csv-writer-thread.js",
  },
  platform: "node",
  logLevel: "warn",
  output: {
    dir: DIST,
    format: "esm",
    sourcemap: true,
    chunkFileNames: "[name]-[hash].js",
  },
});
fs.chmodSync(path.join(DIST, "cli.js"), 0o755);

/** The folder of the package a bundled file belongs to: the deepest node_modules/<name>. */
function packageDir(file) {
  const parts = path.relative(ROOT, file).split(path.sep);
  const at = parts.lastIndexOf("node_modules");
  if (at === -1) return undefined;
  const length = parts[at + 1].startsWith("@") ? 3 : 2;
  return path.join(ROOT, ...parts.slice(0, at + length));
}

// The licences of what the bundle copied out of node_modules, as their MIT, ISC, BSD and
// Apache terms ask of a copy: one section per package, its licence file as it ships.
const packages = new Set();
for (const chunk of bundle.output) {
  if (chunk.type !== "chunk") continue;
  for (const id of chunk.moduleIds) {
    const dir = packageDir(id);
    if (dir) packages.add(dir);
  }
}
const sections = [...packages].sort().map((dir) => {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const licenceFile = fs.readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
  const text = licenceFile
    ? fs.readFileSync(path.join(dir, licenceFile), "utf8").trim()
    : `License: ${manifest.license}`;
  return `${manifest.name} ${manifest.version} (${manifest.license})\n\n${text}\n`;
});
fs.writeFileSync(
  path.join(DIST, NOTICES),
  `mca-confirm's dist/ bundles the code of these packages; their licences follow.\n\n${sections.join(`\n${"-".repeat(72)}\n\n`)}`,
);
