import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { ICachePlugin, TokenCacheContext } from "@azure/msal-node";
import { UsageError } from "../errors.js";
import { replaceFile } from "../replace-file.js";

/**
 * MSAL token cache persisted to one JSON file, readable by its owner only (file 0600, directory 0700):
 * it holds a refresh token. Written atomically (temp file + rename) so a crash or a second process
 * never leaves half a cache behind.
 */
export function fileCachePlugin(file: string): ICachePlugin {
  return {
    async beforeCacheAccess(ctx: TokenCacheContext) {
      let data: string;
      try {
        data = await readFile(file, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
        throw new UsageError(
          `The token cache ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}): fix its permissions or run \`mca-confirm login\` again.`,
        );
      }
      try {
        ctx.tokenCache.deserialize(data);
      } catch {
        throw new UsageError(
          `The token cache ${file} is damaged: delete it and run \`mca-confirm login\` again.`,
        );
      }
    },
    async afterCacheAccess(ctx: TokenCacheContext) {
      if (ctx.cacheHasChanged) await writePrivateFile(file, ctx.tokenCache.serialize());
    },
  };
}

async function writePrivateFile(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, 0o600);
    await replaceFile(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Moves a token cache that an earlier version kept in the roaming profile (`from`) to its place
 * now (`to`), once: only when `to` does not exist yet. Returns the sentence to say, or undefined
 * when there was nothing to move. A move across volumes is a copy and a removal.
 */
export async function moveRoamingCache(from: string | undefined, to: string): Promise<string | undefined> {
  if (from === undefined || from === to || !(await exists(from)) || (await exists(to))) return undefined;
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
  return `moved the token cache from ${from} to ${to} (it no longer roams with the profile)`;
}
