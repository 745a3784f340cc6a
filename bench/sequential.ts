// The baseline of scenario (c): what a PowerShell loop over Import-Csv does. One POST per row,
// each awaited before the next, with the same headers as mca-confirm. No retries, no parallelism.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import { got } from "got";

export interface SequentialResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  statuses: Record<number, number>;
}

/** Reads the first `limit` data rows of a generated CSV (plain, unquoted fields). */
async function readRows(file: string, limit: number): Promise<Record<string, string>[]> {
  const rl = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let header: string[] | undefined;
  const rows: Record<string, string>[] = [];
  for await (const line of rl) {
    if (!header) {
      header = line.replace(/^\uFEFF/, "").split(",");
      continue;
    }
    if (line === "") continue;
    const cells = line.split(",");
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""])));
    if (rows.length >= limit) break;
  }
  rl.close();
  return rows;
}

export async function runSequential(
  baseUrl: string,
  token: string,
  file: string,
  limit: number,
  timeoutMs = 30_000,
): Promise<SequentialResult> {
  const rows = await readRows(file, limit);
  const api = got.extend({
    prefixUrl: baseUrl,
    retry: { limit: 0 },
    throwHttpErrors: false,
    timeout: { request: timeoutMs },
    headers: { accept: "application/json", "ms-contract-version": "v1", authorization: `Bearer ${token}` },
  });
  const started = performance.now();
  const meta = await api("v1/agreements?agreementType=MicrosoftCustomerAgreement", {
    headers: { "ms-requestid": randomUUID(), "ms-correlationid": randomUUID() },
  }).json<{ items: { templateId: string; agreementType?: string; type?: string; versionRank?: number }[] }>();
  const templateId = [...meta.items].sort((a, b) => (a.versionRank ?? 0) - (b.versionRank ?? 0))[0]
    ?.templateId;
  if (!templateId) throw new Error("baseline: no templateId in the metadata answer");
  const statuses: Record<number, number> = {};
  for (const r of rows) {
    const date =
      r.dateAgreed.length === 10 ? `${r.dateAgreed}T00:00:00.000Z` : new Date(r.dateAgreed).toISOString();
    const res = await api(`v1/customers/${encodeURIComponent(r.customerTenantId)}/agreements`, {
      method: "POST",
      headers: { "ms-requestid": randomUUID(), "ms-correlationid": randomUUID() },
      json: {
        primaryContact: {
          firstName: r.firstName,
          lastName: r.lastName,
          email: r.email,
          ...(r.phoneNumber ? { phoneNumber: r.phoneNumber } : {}),
        },
        templateId,
        dateAgreed: date,
        type: "MicrosoftCustomerAgreement",
      },
    });
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows: rows.length, seconds, rowsPerSecond: rows.length / seconds, statuses };
}
