// What each command loads at start-up, recorded by a loader hook (test/helpers/record-loads.mjs)
// in the built CLI as a child process: `run`, `validate` and `--version` never load the
// simulator nor `selfsigned`; validate loads no HTTP client either. docs/cli.md, "Install and start".
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { closeSimulators, removeTempDirs, ROOT, runCli, tempDir, trackedSimulator } from "./helpers/cli.js";
import { DIST, loadedModules } from "./helpers/loaded-modules.js";

const HOOK = pathToFileURL(path.join(ROOT, "test", "helpers", "record-loads.mjs")).href;
const HEADER = "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed";
const ROW = (index: number) =>
  `3f2504e0-4f89-11d3-9a0c-${String(index).padStart(12, "0")},Ada,Lovelace,ada${index}@contoso.example,,2026-01-05`;

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

/** The CLI run with the hook: its exit code and every module URL it loaded. */
async function loadsOf(args: string[], cwd: string, env: Record<string, string> = {}) {
  const record = path.join(cwd, `loads-${Math.random().toString(36).slice(2)}.txt`);
  const result = await runCli(args, {
    cwd,
    env: { ...env, NODE_OPTIONS: `--import=${HOOK}`, RECORD_LOADS_FILE: record },
  });
  return { result, ...loadedModules(record) };
}

function tenRows(dir: string): string {
  const file = path.join(dir, "ten.csv");
  fs.writeFileSync(file, [HEADER, ...Array.from({ length: 10 }, (_, i) => ROW(i + 1)), ""].join("\n"));
  return file;
}

describe("start-up loads only what the command needs", () => {
  it("--version loads the entry and the help module, no other command, no dependency but hpagent", async () => {
    const dir = tempDir();
    const { result, modules, loaded } = await loadsOf(["--version"], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(loaded("/.build/cli.js")).toBe(true);
    expect(loaded("/.build/commands/help.js")).toBe(true);
    for (const part of [
      "/.build/commands/run.js",
      "/.build/commands/demo.js",
      "/.build/simulator/",
      "selfsigned",
    ])
      expect(loaded(part), part).toBe(false);
    const dependencies = modules.filter((module) => module.includes("/node_modules/"));
    expect(
      dependencies.every((module) => module.includes("/node_modules/hpagent/")),
      dependencies.join("\n"),
    ).toBe(true);
  });

  it("validate of a 10-row file loads neither the simulator, selfsigned nor the HTTP client", async () => {
    const dir = tempDir();
    const { result, loaded } = await loadsOf(["validate", tenRows(dir)], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, "ten.validation.csv"))).toBe(true);
    // The hook saw the command's own modules and the CSV parser: it records what loads.
    expect(loaded("/.build/run/validate-file.js")).toBe(true);
    expect(loaded("/node_modules/csv-parse/")).toBe(true);
    for (const part of ["/.build/simulator/", "/.build/commands/demo.js", "selfsigned", "/node_modules/got/"])
      expect(loaded(part), part).toBe(false);
  });

  it("run loads the HTTP client, and neither the simulator nor selfsigned", async () => {
    const dir = tempDir();
    const sim = await trackedSimulator();
    const { result, files, loaded } = await loadsOf(["run", tenRows(dir), "--base-url", sim.url], dir, {
      PARTNER_CENTER_ACCESS_TOKEN: "test-token",
    });
    expect(result.code, result.stderr).toBe(0);
    expect(sim.stats.totalRecords()).toBe(10);
    expect(loaded("/.build/run/pipeline.js")).toBe(true);
    expect(loaded("/node_modules/got/")).toBe(true);
    for (const part of ["/.build/simulator/", "/.build/commands/demo.js", "selfsigned"])
      expect(loaded(part), part).toBe(false);
    // Every file it reads is a chunk of dist/, a few dozen at most: nothing from node_modules or
    // .build/ (the bundle is whole), where unbundled the same run loaded 264 files.
    const outside = [...files].filter((file) => !file.startsWith(DIST));
    expect(outside, outside.join("\n")).toEqual([]);
    expect(files.size).toBeLessThanOrEqual(40);
  });
});
