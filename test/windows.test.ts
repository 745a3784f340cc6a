// What differs on Windows, tested here on any system: the token cache's place (platform and
// environment handed in), renames over a file another program holds open, and Ctrl-Break.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { moveRoamingCache } from "../src/auth/cache-file.js";
import { cacheFilePath, roamingCacheFilePath } from "../src/auth/settings.js";
import { stopSignals } from "../src/commands/signals.js";
import { FileInUseError, replaceFile } from "../src/replace-file.js";
import {
  closeSimulators,
  readCsv,
  removeTempDirs,
  ROOT,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

afterAll(() => removeTempDirs());

describe("the token cache's place", () => {
  it("is under %LOCALAPPDATA% on Windows: a refresh token does not roam with the profile", () => {
    const env = {
      LOCALAPPDATA: "C:\\Users\\Zoë Dupré\\AppData\\Local",
      APPDATA: "C:\\Users\\Zoë Dupré\\AppData\\Roaming",
    };
    expect(cacheFilePath(env, "win32")).toBe(
      "C:\\Users\\Zoë Dupré\\AppData\\Local\\mca-confirm\\token-cache.json",
    );
    expect(roamingCacheFilePath(env, "win32")).toBe(
      "C:\\Users\\Zoë Dupré\\AppData\\Roaming\\mca-confirm\\token-cache.json",
    );
  });

  it("falls back to the profile's local folder when LOCALAPPDATA is missing or not absolute", () => {
    const env = { USERPROFILE: "D:\\Profiles\\ops team", LOCALAPPDATA: "relative\\folder" };
    expect(cacheFilePath(env, "win32")).toBe(
      "D:\\Profiles\\ops team\\AppData\\Local\\mca-confirm\\token-cache.json",
    );
    expect(roamingCacheFilePath(env, "win32")).toBe(
      "D:\\Profiles\\ops team\\AppData\\Roaming\\mca-confirm\\token-cache.json",
    );
    expect(roamingCacheFilePath(env, "linux")).toBeUndefined();
  });

  it("moves an earlier version's roaming cache once, saying so once, and never over a newer one", async () => {
    const dir = tempDir("mca-cache-move-");
    const from = path.join(dir, "Roaming", "mca-confirm", "token-cache.json");
    const to = path.join(dir, "Local", "mca-confirm", "token-cache.json");
    fs.mkdirSync(path.dirname(from), { recursive: true });
    fs.writeFileSync(from, '{"old":true}');
    expect(await moveRoamingCache(from, to)).toBe(
      `moved the token cache from ${from} to ${to} (it no longer roams with the profile)`,
    );
    expect(fs.readFileSync(to, "utf8")).toBe('{"old":true}');
    expect(fs.existsSync(from)).toBe(false);
    expect(await moveRoamingCache(from, to)).toBeUndefined();
    fs.writeFileSync(from, '{"stale":true}');
    expect(await moveRoamingCache(from, to)).toBeUndefined();
    expect(fs.readFileSync(to, "utf8")).toBe('{"old":true}');
  });

  it("ignores APPDATA elsewhere and keeps the XDG place", () => {
    const env = { APPDATA: "C:\\x", HOME: "/home/ops", XDG_CONFIG_HOME: "/srv/config" };
    expect(cacheFilePath(env, "linux")).toBe("/srv/config/mca-confirm/token-cache.json");
    expect(cacheFilePath({ HOME: "/home/ops" }, "darwin")).toBe(
      "/home/ops/.config/mca-confirm/token-cache.json",
    );
  });
});

function failing(code: string, times: number) {
  let calls = 0;
  return {
    rename: async (from: string, to: string) => {
      calls++;
      if (calls <= times) throw Object.assign(new Error(`${code}: operation not permitted`), { code });
      await fs.promises.rename(from, to);
    },
    calls: () => calls,
  };
}

describe("the signals that stop run and pending", () => {
  it("include Ctrl-Break (SIGBREAK) on Windows, beside Ctrl-C and a service stop", () => {
    expect(stopSignals("win32")).toEqual(["SIGINT", "SIGTERM", "SIGBREAK"]);
  });

  it("leave SIGBREAK out elsewhere, where nothing sends it", () => {
    expect(stopSignals("linux")).toEqual(["SIGINT", "SIGTERM"]);
    expect(stopSignals("darwin")).toEqual(["SIGINT", "SIGTERM"]);
  });
});

describe("replacing a results file", () => {
  const pauses: number[] = [];
  const pause = async (ms: number) => void pauses.push(ms);

  it("retries briefly while a scanner or indexer holds the file, then replaces it", async () => {
    const dir = tempDir("mca-confirm résultats ");
    const target = path.join(dir, "acceptances.results.csv");
    fs.writeFileSync(target, "old");
    fs.writeFileSync(`${target}.tmp`, "new");
    const rename = failing("EPERM", 2);
    pauses.length = 0;
    await replaceFile(`${target}.tmp`, target, { rename: rename.rename, pause, platform: "win32" });
    expect(fs.readFileSync(target, "utf8")).toBe("new");
    expect(rename.calls()).toBe(3);
    expect(pauses).toEqual([300, 300]);
  });

  it("says plainly that another program such as Excel may have it open when it stays locked", async () => {
    const rename = failing("EBUSY", 100);
    pauses.length = 0;
    const err = await replaceFile("C:\\ops\\a.results.csv.tmp", "C:\\ops\\a.results.csv", {
      rename: rename.rename,
      pause,
      platform: "win32",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileInUseError);
    expect((err as Error).message).toBe(
      "C:\\ops\\a.results.csv could not be replaced (EBUSY): another program, such as Excel, may have it open. Close it there, then run the same command with --resume (the journal keeps what was done).",
    );
    expect(rename.calls()).toBe(5);
    expect(pauses).toHaveLength(4);
  });

  it("does not wait on a permission error outside Windows", async () => {
    const rename = failing("EACCES", 100);
    const err = await replaceFile("/a.tmp", "/a", { rename: rename.rename, pause, platform: "linux" }).catch(
      (e: unknown) => e,
    );
    expect((err as NodeJS.ErrnoException).code).toBe("EACCES");
    expect(err).not.toBeInstanceOf(FileInUseError);
    expect(rename.calls()).toBe(1);
  });
});

describe("paths with spaces, quotes and non-ASCII folders, through the CLI", () => {
  afterAll(() => closeSimulators());

  it("reads, writes and names them, and the failed file re-runs from there", async () => {
    const sim = await trackedSimulator();
    const root = tempDir();
    const inputDir = path.join(root, "Partner Ops", "Année 2026 – Übersicht");
    const outDir = path.join(root, "résultats finaux");
    fs.mkdirSync(inputDir, { recursive: true });
    fs.mkdirSync(outDir);
    const input = path.join(inputDir, "acceptances list.csv");
    fs.copyFileSync(path.join(ROOT, "samples", "acceptances.csv"), input);
    const out = path.join(outDir, "O'Brien results.csv");
    const env = { PARTNER_CENTER_ACCESS_TOKEN: "t" };
    const r = await runCli(["run", input, "--out", out, "--base-url", sim.url, "--quiet"], { env });
    expect(r.code, r.stderr).toBe(1);
    const rows = readCsv(out);
    expect(rows).toHaveLength(51);
    const failedFile = path.join(outDir, "O'Brien results.failed.csv");
    expect(fs.existsSync(`${out}.log`)).toBe(true);
    const failedRows = readCsv(failedFile);
    expect(failedRows.length).toBe(
      rows.filter((row) => row.status !== "confirmed" && row.status !== "skipped").length,
    );
    // The printed command quotes the path so a shell hands it over as one word.
    expect(r.stdout).toContain(`'${failedFile.replace(/'/g, `'\\''`)}'`);

    const again = await runCli(["run", failedFile, "--base-url", sim.url, "--quiet"], { env });
    expect(again.code, again.stderr).toBe(1);
    expect(readCsv(path.join(outDir, "O'Brien results.failed.results.csv"))).toHaveLength(failedRows.length);
  });
});
