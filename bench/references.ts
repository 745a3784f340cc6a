// The references the bench sets mca-confirm's figures beside, each run as its own process on
// the same file or the same simulator, in the same bench run:
//   node references.js parse <file.csv>                   csv-parse alone: counts the records
//   node references.js got <baseUrl> <file.csv> <rows> <concurrency>
//                                                         got alone: one POST per row, at most
//                                                         <concurrency> in flight, nothing else
// Each prints one JSON line with what it did.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import { Agent } from "node:http";
import { parse } from "csv-parse";
import { got } from "got";
import { CURRENT_MCA_TEMPLATE_ID } from "../src/simulator/templates.js";

/** csv-parse with the options mca-confirm reads its input with (src/input/read.ts). */
async function parseOnly(file: string): Promise<void> {
  const parser = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(
    parse({
      delimiter: ",",
      bom: true,
      skip_empty_lines: true,
      relax_column_count_less: true,
      max_record_size: 1_000_000,
    }),
  );
  let records = 0;
  for await (const _record of parser) records++;
  process.stdout.write(`${JSON.stringify({ records })}\n`);
}

/** The first `limit` rows of a generated CSV (plain, unquoted fields), as request bodies. */
async function bodiesOf(file: string, limit: number, templateId: string) {
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let header: string[] | undefined;
  const bodies: { customerId: string; body: object }[] = [];
  for await (const line of lines) {
    const cells = line.replace(/^\uFEFF/, "").split(",");
    if (!header) {
      header = cells;
      continue;
    }
    const row = Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ""]));
    bodies.push({
      customerId: row.customerTenantId,
      body: {
        primaryContact: {
          firstName: row.firstName,
          lastName: row.lastName,
          email: row.email,
          phoneNumber: row.phoneNumber,
        },
        templateId,
        dateAgreed: `${row.dateAgreed}T00:00:00.000Z`,
        type: "MicrosoftCustomerAgreement",
      },
    });
    if (bodies.length >= limit) break;
  }
  lines.close();
  return bodies;
}

/** got alone: the same requests as a run (headers, JSON body, keep-alive), bounded concurrency, no journal, no log, no results. */
async function gotOnly(baseUrl: string, file: string, limit: number, concurrency: number): Promise<void> {
  const api = got.extend({
    prefixUrl: baseUrl,
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    timeout: { request: 30_000 },
    agent: { http: new Agent({ keepAlive: true, maxSockets: concurrency }) },
    headers: {
      accept: "application/json",
      "content-type": "application/json",
      "ms-contract-version": "v1",
      authorization: "Bearer bench-token",
    },
  });
  const bodies = await bodiesOf(file, limit, CURRENT_MCA_TEMPLATE_ID);
  const statuses: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const { customerId, body } = bodies[next++];
      const response = await api.post(`v1/customers/${customerId}/agreements`, {
        json: body,
        headers: { "ms-requestid": randomUUID(), "ms-correlationid": randomUUID() },
      });
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ requests: bodies.length, seconds, statuses })}\n`);
}

const [what, ...args] = process.argv.slice(2);
const done =
  what === "parse"
    ? parseOnly(args[0])
    : what === "got"
      ? gotOnly(args[0], args[1], Number(args[2]), Number(args[3]))
      : Promise.reject(new Error(`references: unknown reference "${what}"`));
done.catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
