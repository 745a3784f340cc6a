// A client that knew a bucket of one token's spacing: it sends requests exactly `factor` spacings
// apart (a timer, then a spin for the last millisecond), each on a kept-alive socket, and prints
// how many were refused. bench/rate-runs.ts runs it against the simulator to show what this
// machine lets any client reach against such a bucket: arrival jitter, not the pace, decides.
//   node fixed-spacing.js <base url> <requests per second> <factor> <count>
// sends `count` requests and ignores the 429s (a Retry-After of a second costs a run next to
// nothing). With a Retry-After and an end factor,
//   node fixed-spacing.js <base url> <requests per second> <factor> <rows> <retry-after s> <end factor>
// it confirms `rows` rows as a run must: a refused row is sent again once its Retry-After is over,
// and once the rows not yet sent would take less than one Retry-After at `factor`, the spacing
// widens to `end factor` (a 429 there makes its row the last by a whole Retry-After).
import http from "node:http";
import { systemClock } from "../src/engine/clock.js";
import { getAgreements } from "./agreements.js";

const [url, perSecond, factor, count, retryAfterSeconds, endFactor] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
  Number(process.argv[6] ?? Number.NaN),
  Number(process.argv[7] ?? Number.NaN),
];
const honours = Number.isFinite(retryAfterSeconds) && Number.isFinite(endFactor);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const intervalMs = 1000 / perSecond;
let refused = 0;

/** Sends one request; true when it was refused. */
async function send(): Promise<boolean> {
  const throttled = await getAgreements(url, agent);
  if (throttled) refused++;
  return throttled;
}

// The run's own fine clock (src/engine/clock.ts): the same spin its pacing uses.
const fine = systemClock.fine!;

async function at(due: number): Promise<void> {
  const left = due - fine.now();
  if (left > 2) await systemClock.sleep(Math.floor(left - 1));
  fine.spinUntil(due); // at most about a millisecond
}

/** `count` requests `factor` spacings apart, 429s or not. */
async function spaced(): Promise<void> {
  const sent: Promise<boolean>[] = [];
  const t0 = fine.now();
  for (let i = 0; i < count && Number.isFinite(intervalMs * factor); i++) {
    await at(t0 + i * intervalMs * factor);
    sent.push(send());
  }
  await Promise.all(sent);
}

/** `count` rows, each until accepted, honouring the Retry-After; the last Retry-After wider apart. */
async function rows(): Promise<void> {
  const retryAfterMs = retryAfterSeconds * 1000;
  let fresh = count;
  let done = 0;
  /** When each refused row may be sent again (fine clock ms), earliest first. */
  const waiting: number[] = [];
  let due = fine.now();
  // Every loop sends a row or waits for one; each row is sent until accepted, and a refused one
  // waits its Retry-After, so the loop is bounded by the rows and the 429s they draw.
  while (done < count) {
    const ready = fresh > 0 || (waiting.length > 0 && waiting[0] <= Math.max(due, fine.now()));
    if (!ready) {
      if (waiting.length === 0) {
        await systemClock.sleep(5); // the last answers are on their way
        continue;
      }
      due = Math.max(due, waiting[0]);
    }
    await at(due);
    if (waiting.length > 0 && waiting[0] <= fine.now()) waiting.shift();
    else if (fresh > 0) fresh--;
    else continue;
    void send().then((throttled) => {
      if (throttled) waiting.push(fine.now() + retryAfterMs);
      else done++;
    });
    const endgame = (fresh + waiting.length) * intervalMs * factor < retryAfterMs;
    due += intervalMs * (endgame ? endFactor : factor);
  }
}

await (honours ? rows() : spaced());
agent.destroy();
process.stdout.write(`${JSON.stringify({ refused, count })}\n`);
