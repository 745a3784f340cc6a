// A client that knew a bucket of one token's spacing: it sends `count` requests exactly `factor`
// spacings apart (a timer, then a spin for the last millisecond), each on a kept-alive socket,
// and prints how many were refused. bench/rate-runs.ts runs it against the simulator to show what
// this machine lets any client reach against such a bucket: arrival jitter, not the pace, decides.
//   node fixed-spacing.js <base url> <requests per second> <factor> <count>
import http from "node:http";
import { systemClock } from "../src/engine/clock.js";

const [url, perSecond, factor, count] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
];
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const gapMs = (1000 / perSecond) * factor;
let refused = 0;

function send(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}/v1/agreements?agreementType=MicrosoftCustomerAgreement`,
      { agent },
      (res) => {
        if (res.statusCode === 429) refused++;
        res.resume();
        res.on("end", resolve);
      },
    );
    req.on("error", () => resolve());
    req.end();
  });
}

// The run's own fine clock (src/engine/clock.ts): the same spin its pacing uses.
const fine = systemClock.fine!;
const sent: Promise<void>[] = [];
const t0 = fine.now();
for (let i = 0; i < count && Number.isFinite(gapMs); i++) {
  const due = t0 + i * gapMs;
  const left = due - fine.now();
  if (left > 2) await systemClock.sleep(Math.floor(left - 1));
  fine.spinUntil(due); // at most about a millisecond
  sent.push(send());
}
await Promise.all(sent);
agent.destroy();
process.stdout.write(`${JSON.stringify({ refused, count })}\n`);
