import fs from "node:fs";
import { once } from "node:events";
import { O_NOFOLLOW } from "../replace-file.js";

/** A deterministic tenant id for generated row i (version-4 shaped, never a simulator trigger prefix). */
export function generatedTenantId(i: number, salt = 0): string {
  const hex = (n: number, len: number) => (n >>> 0).toString(16).padStart(len, "0").slice(-len);
  const a = Math.imul(i + 1, 2654435761) ^ salt;
  return `${hex(a | 0x10000000, 8)}-${hex(i >>> 16, 4)}-4${hex(i, 3)}-8${hex(a >>> 4, 3)}-${hex(salt, 4)}${hex(i, 8)}`;
}

const FIRST = ["Tania", "Omar", "Mei", "Lars", "Aisha", "Diego", "Sofia", "Kenji", "Priya", "Jonas"];
const LAST = ["Carr", "Haddad", "Chen", "Nilsson", "Okafor", "Ramos", "Rossi", "Sato", "Iyer", "Berg"];

/**
 * Writes `rows` generated acceptance rows (all valid unless `invalidEvery` is set, then every
 * n-th row has an invalid email) with the contract's headers. Streams: fine for 500k rows.
 */
export async function writeGeneratedCsv(
  file: string,
  rows: number,
  options: { invalidEvery?: number; salt?: number } = {},
): Promise<void> {
  // Never through a symbolic link planted at the name (docs/cli.md "Runs").
  const { O_WRONLY, O_CREAT, O_TRUNC } = fs.constants;
  const out = fs.createWriteStream(file, {
    fd: fs.openSync(file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644),
  });
  out.write("customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed,crmAccount\n");
  for (let i = 0; i < rows; i++) {
    const f = FIRST[i % FIRST.length];
    const l = LAST[Math.floor(i / FIRST.length) % LAST.length];
    const bad = options.invalidEvery !== undefined && i % options.invalidEvery === options.invalidEvery - 1;
    const email = bad
      ? `${f.toLowerCase()}.at.example.com`
      : `${f.toLowerCase()}.${l.toLowerCase()}${i}@contoso.example`;
    const day = String((i % 28) + 1).padStart(2, "0");
    const line = `${generatedTenantId(i, options.salt)},${f},${l},${email},+1 425 555 ${String(i % 10000).padStart(4, "0")},2025-0${(i % 9) + 1}-${day},ACC-${i}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
}
