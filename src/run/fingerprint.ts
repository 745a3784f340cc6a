import crypto from "node:crypto";
import fs from "node:fs";

/** sha256 of the file's bytes: --resume refuses an input that changed since the run began. */
export async function fingerprintFile(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}
