// A shape the run does not yet handle (docs/rate-limits.md "Not yet handled"): the simulator's
// sliding window of 1,200 per minute, `others` of it taken by another client, then a whole CLI run
// `beforeSeconds` later. Prints one JSON line: the run's elapsed seconds, its requests and 429s,
// and the ideal (what the window allows once the other client's requests leave it).
//   node .bench/build/bench/busy-sliding.js [others=700] [beforeSeconds=20] [rows=4000]
// after `npm run build && npx tsc -p tsconfig.bench.json`. RATE_RUNS_CLI=<build>/dist/cli.js
// runs another build.
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Simulator } from "../src/simulator/index.js";
import { getAgreements } from "./agreements.js";
import { measure } from "./rate-runs.js";

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

/** The simulator's counts once the other client is done: the run's are the rest. */
const theirs = { requests: 0, throttled: 0 };

/** The other client: `others` calls (any call counts against the window), then the wait until the run. */
async function otherClient(sim: Simulator): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const one = () => getAgreements(sim.url, agent);
  const began = Date.now();
  try {
    for (let i = 0; i < others; i += 16)
      await Promise.all(Array.from({ length: Math.min(16, others - i) }, one));
  } finally {
    agent.destroy();
  }
  theirs.requests = sim.stats.requests;
  theirs.throttled = sim.stats.throttled;
  await sleep(Math.max(0, beforeSeconds * 1000 - (Date.now() - began)));
}

const dir = await mkdtemp(path.join(os.tmpdir(), "busy-sliding-"));
try {
  const m = await measure(
    {
      name: "busy sliding window",
      limit: { kind: "sliding-window", limit: LIMIT, windowSeconds: WINDOW_SECONDS },
      latency: [10, 10],
      prepare: otherClient,
    },
    rows,
    dir,
  );
  const ideal = idealSeconds();
  process.stdout.write(
    `${JSON.stringify({
      others,
      beforeSeconds,
      rows,
      elapsedSeconds: m.summary.elapsedSeconds,
      idealSeconds: ideal,
      share: ideal / m.summary.elapsedSeconds,
      requests: m.requests - theirs.requests,
      throttled: m.throttled - theirs.throttled,
      confirmed: m.summary.statuses.confirmed ?? 0,
    })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
