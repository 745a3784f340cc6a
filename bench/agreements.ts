// One call the simulator's limiter counts, as light as any: the current agreement's metadata, on a
// kept-alive agent. The bench's own clients (bench/fixed-spacing.ts, bench/busy-sliding.ts) use it.
import http from "node:http";

/** Resolves true when the call was answered 429, false otherwise (an error included). */
export function getAgreements(baseUrl: string, agent: http.Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const url = `${baseUrl}/v1/agreements?agreementType=MicrosoftCustomerAgreement`;
    const req = http.request(url, { agent }, (res) => {
      const throttled = res.statusCode === 429;
      res.resume();
      res.on("end", () => resolve(throttled));
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}
