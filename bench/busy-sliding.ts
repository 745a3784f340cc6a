// A shape the run does not yet handle (docs/rate-limits.md "Not yet handled"): the simulator's
// sliding window of 1,200 per minute, `others` of it taken by another client, then a whole CLI run
// `beforeSeconds` later. Prints one JSON line: the run's elapsed seconds, its requests and 429s,
// and the ideal (what the window allows once the other client's requests leave it).
//   node .bench/build/bench/busy-sliding.js [others=700] [beforeSeconds=20] [rows=4000]
// after `npm run build && npx tsc -p tsconfig.bench.json`. RATE_RUNS_CLI=<build>/dist/cli.js runs another build.
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startSimulator } from "../src/simulator/index.js";
import { CLI, cliEnv, lastJson, runNode } from "./proc.js";

const LIMIT = 1_200;
const WINDOW_SECONDS = 60;
const [others, beforeSeconds, rows] = [
  Number(process.argv[2] ?? 700),
  Number(process.argv[3] ?? 20),
  Number(process.argv[4] ?? 4_000),
];

/**
 * Seconds from the run's start until `rows` fit: L − others at once, then each batch again as it
 * leaves the window, the other client's `others` at W − before + kW, the run's own L − others at kW.
 */
function idealSeconds(): number {
  let sent = Math.min(rows, LIMIT - others);
  let t = 0;
  for (let k = 0; sent < rows && k < 10_000; k++) {
    for (const [at, count] of [
      [WINDOW_SECONDS - beforeSeconds + k * WINDOW_SECONDS, others],
      [(k + 1) * WINDOW_SECONDS, LIMIT - others],
    ]) {
      if (sent >= rows) break;
      t = at;
      sent += count;
    }
  }
  return t;
}

const dir = await mkdtemp(path.join(os.tmpdir(), "busy-sliding-"));
const sim = await startSimulator({
  host: "127.0.0.1",
  latencyMs: 10,
  latencyMaxMs: 10,
  rateLimit: { kind: "sliding-window", limit: LIMIT, windowSeconds: WINDOW_SECONDS },
});
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
try {
  const file = path.join(dir, "in.csv");
  await writeGeneratedCsv(file, rows, { salt: 23 });
  // The other client: any call counts against the window.
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.request(
        `${sim.url}/v1/agreements?agreementType=MicrosoftCustomerAgreement`,
        { agent },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      );
      req.on("error", () => resolve());
      req.end();
    });
  const began = Date.now();
  for (let i = 0; i < others; i += 16)
    await Promise.all(Array.from({ length: Math.min(16, others - i) }, one));
  const before = { requests: sim.stats.requests, throttled: sim.stats.throttled };
  await sleep(Math.max(0, beforeSeconds * 1000 - (Date.now() - began)));
  const out = path.join(dir, "out.csv");
  const args = ["run", file, "--out", out, "--base-url", sim.url, "--concurrency", "32", "--json", "--quiet"];
  const res = await runNode(process.env.RATE_RUNS_CLI ?? CLI, args, {
    env: cliEnv(),
    timeoutMs: 30 * 60_000,
  });
  const summary = lastJson<{ elapsedSeconds: number; statuses: Record<string, number> }>(res.stdout);
  const ideal = idealSeconds();
  process.stdout.write(
    `${JSON.stringify({
      others,
      beforeSeconds,
      rows,
      elapsedSeconds: summary?.elapsedSeconds,
      idealSeconds: ideal,
      share: summary ? ideal / summary.elapsedSeconds : 0,
      requests: sim.stats.requests - before.requests,
      throttled: sim.stats.throttled - before.throttled,
      confirmed: summary?.statuses.confirmed ?? 0,
    })}\n`,
  );
} finally {
  agent.destroy();
  await sim.close();
  await rm(dir, { recursive: true, force: true });
}
