// Nothing is written through a symbolic link (docs/cli.md "Runs"). Someone who
// can write to a shared output folder plants a link at every name a run writes, each pointing at
// a file outside the folder; the run (the built CLI, as root and as an ordinary user) must leave
// every target byte-identical with its mode unchanged, refuse with exit 2 without --overwrite,
// and with --overwrite replace the links themselves. The names come from the code's own table
// (writtenNames), plus the fixed temporary names earlier versions used.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveRunConfig, type RunFlags } from "../src/config.js";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { writtenNames } from "../src/run/outputs.js";
import {
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "test-token" };
const NOBODY = { uid: 65534, gid: 65534 };
const ROOT_USER = undefined;
type User = typeof NOBODY | undefined;

/** The fixed temporary names of earlier versions: guessable, so planted links waited there. */
const OLD_TEMP_NAMES = [
  "in.results.csv.tmp",
  "in.failed.csv.tmp",
  "in.report.html.tmp",
  "in.results.csv.journal.tmp",
  "in.validation.csv.tmp",
];

interface Planted {
  readonly link: string;
  readonly target: string;
  readonly bytes: Buffer;
  readonly mode: number;
}

/** A shared folder (anyone may write) with the input, and a folder of targets outside it. */
async function setup(user: User): Promise<{ dir: string; csv: string; targets: string }> {
  const dir = tempDir("mca-links-");
  const targets = tempDir("mca-link-targets-");
  const csv = path.join(dir, "in.csv");
  await writeGeneratedCsv(csv, 12);
  fs.chmodSync(dir, 0o777);
  fs.chmodSync(csv, 0o644);
  // The targets belong to the user the run runs as: following a link would succeed.
  if (user) fs.chownSync(targets, user.uid, user.gid);
  return { dir, csv, targets };
}

/** Every name `command` writes for this input and these flags, as the code lists them. */
function namesWritten(command: "run" | "validate", csv: string, flags: RunFlags): string[] {
  const config = resolveRunConfig(command, csv, flags, {});
  return writtenNames(config).map(({ file }) => path.basename(file));
}

/** A link at each name, to a distinct file outside; `dangling` links point at files that do not exist. */
function plant(
  dir: string,
  targets: string,
  names: readonly string[],
  user: User,
  dangling = false,
): Planted[] {
  return names.map((name, i) => {
    const target = path.join(targets, `target-${i}-${name}`);
    const bytes = Buffer.from(`precious ${i} ${name}\n`);
    if (!dangling) {
      fs.writeFileSync(target, bytes, { mode: 0o644 });
      fs.chmodSync(target, 0o644);
      if (user) fs.chownSync(target, user.uid, user.gid);
    }
    fs.symlinkSync(target, path.join(dir, name));
    if (user) fs.lchownSync(path.join(dir, name), user.uid, user.gid);
    return { link: path.join(dir, name), target, bytes, mode: 0o644 };
  });
}

function expectUntouched(planted: readonly Planted[], dangling = false): void {
  for (const p of planted) {
    if (dangling) {
      expect(fs.existsSync(p.target), `${p.target} created through ${p.link}`).toBe(false);
      continue;
    }
    expect(fs.readFileSync(p.target), p.target).toEqual(p.bytes);
    expect(fs.statSync(p.target).mode & 0o777, p.target).toBe(p.mode);
  }
}

describe.each([
  ["root", ROOT_USER],
  ["an ordinary user", NOBODY],
] as const)("links planted at every name a run writes, run as %s", (_who, user) => {
  it("the code's table lists results, failed file, log, report, journal and every lock", async () => {
    const { csv } = await setup(user);
    expect(namesWritten("run", csv, {}).sort()).toEqual(
      [
        "in.results.csv",
        "in.failed.csv",
        "in.results.csv.log",
        "in.report.html",
        "in.results.csv.journal",
        "in.results.csv.lock",
        "in.failed.csv.lock",
        "in.results.csv.log.lock",
        "in.report.html.lock",
      ].sort(),
    );
  });

  it("without --overwrite: refused with exit 2 naming a link, nothing sent, every target intact", async () => {
    const sim = await trackedSimulator();
    const { dir, csv, targets } = await setup(user);
    const planted = plant(dir, targets, [...namesWritten("run", csv, {}), ...OLD_TEMP_NAMES], user);
    const r = await runCli(["run", csv, "--base-url", sim.url, "--quiet"], { env: ENV, user });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/in\.\S+ is a symbolic link; mca-confirm never writes through one/);
    expect(sim.stats.requests).toBe(0);
    expectUntouched(planted);
  });

  it("with --overwrite: the links themselves are replaced, the run completes, every target intact", async () => {
    const sim = await trackedSimulator();
    const { dir, csv, targets } = await setup(user);
    const names = namesWritten("run", csv, {});
    const planted = plant(dir, targets, [...names, ...OLD_TEMP_NAMES], user);
    const r = await runCli(["run", csv, "--base-url", sim.url, "--quiet", "--overwrite"], { env: ENV, user });
    expect(r.code, r.stderr).toBe(0);
    expectUntouched(planted);
    expect(readCsv(path.join(dir, "in.results.csv")).map((row) => row.status)).toEqual(
      Array<string>(12).fill("confirmed"),
    );
    // Results and log hold contact data or customer ids: regular files of mode 0600 now.
    for (const name of ["in.results.csv", "in.results.csv.log", "in.report.html"]) {
      const stat = fs.lstatSync(path.join(dir, name));
      expect(stat.isFile(), name).toBe(true);
      expect(stat.mode & 0o777, name).toBe(0o600);
      if (user) expect(stat.uid, name).toBe(user.uid);
    }
    // The old fixed temporary names are no longer used: their links are left as they were.
    for (const name of OLD_TEMP_NAMES) expect(fs.lstatSync(path.join(dir, name)).isSymbolicLink()).toBe(true);
  });

  it("dangling links (to files that do not exist) create nothing outside the folder", async () => {
    const sim = await trackedSimulator();
    const { dir, csv, targets } = await setup(user);
    const names = [...namesWritten("run", csv, {}), ...OLD_TEMP_NAMES];
    const planted = plant(dir, targets, names, user, true);
    const refused = await runCli(["run", csv, "--base-url", sim.url, "--quiet"], { env: ENV, user });
    expect(refused.code, refused.stderr).toBe(2);
    expectUntouched(planted, true);
    const r = await runCli(["run", csv, "--base-url", sim.url, "--quiet", "--overwrite"], { env: ENV, user });
    expect(r.code, r.stderr).toBe(0);
    expectUntouched(planted, true);
    expect(fs.readdirSync(targets)).toEqual([]);
  });

  it("validate: a link at the validation file is refused, or replaced with --overwrite", async () => {
    const { dir, csv, targets } = await setup(user);
    const names = namesWritten("validate", csv, {});
    expect(names).toEqual(["in.validation.csv"]);
    const planted = plant(dir, targets, [...names, "in.validation.csv.tmp"], user);
    const refused = await runCli(["validate", csv, "--quiet"], { user });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain("in.validation.csv is a symbolic link");
    expectUntouched(planted);
    const r = await runCli(["validate", csv, "--quiet", "--overwrite"], { user });
    expect(r.code, r.stderr).toBe(0);
    expectUntouched(planted);
    expect(fs.lstatSync(path.join(dir, "in.validation.csv")).isFile()).toBe(true);
  });
});

describe("links at names other commands write", () => {
  it("--resume never reads or appends to a journal through a link, even with the link's target a real journal", async () => {
    const sim = await trackedSimulator();
    const { dir, csv, targets } = await setup(undefined);
    // An interrupted run's real journal, moved outside and linked back.
    const journal = path.join(dir, "in.results.csv.journal");
    fs.writeFileSync(
      journal,
      `${JSON.stringify({ v: 1, fingerprint: "sha256:x", input: csv, startedAt: "" })}\n`,
    );
    const outside = path.join(targets, "journal");
    fs.renameSync(journal, outside);
    fs.symlinkSync(outside, journal);
    const before = fs.readFileSync(outside);
    const r = await runCli(["run", csv, "--base-url", sim.url, "--quiet", "--resume"], { env: ENV });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("in.results.csv.journal is a symbolic link");
    expect(fs.readFileSync(outside)).toEqual(before);
    expect(sim.stats.requests).toBe(0);
  });

  it("a temporary file a killed run left is removed by the next run; a link of that shape is not followed", async () => {
    const sim = await trackedSimulator();
    const { dir, csv, targets } = await setup(undefined);
    const stale = path.join(dir, "in.results.csv.0123456789abcdef.tmp");
    fs.writeFileSync(stale, "half a results file");
    const planted = plant(dir, targets, ["in.failed.csv.fedcba9876543210.tmp"], undefined);
    const r = await runCli(["run", csv, "--base-url", sim.url, "--quiet"], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(stale)).toBe(false);
    expectUntouched(planted);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([
      "in.failed.csv.fedcba9876543210.tmp",
    ]);
  });

  it("report: a link at the final file or the report is refused (exit 2), its target intact", async () => {
    const sim = await trackedSimulator();
    const { dir, csv, targets } = await setup(undefined);
    const first = await runCli(["run", csv, "--base-url", sim.url, "--quiet"], { env: ENV });
    expect(first.code, first.stderr).toBe(0);
    const planted = plant(dir, targets, ["in.final.csv"], undefined);
    const r = await runCli(["report", path.join(dir, "in.results.csv")]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("in.final.csv is a symbolic link");
    expectUntouched(planted);
  });
});
