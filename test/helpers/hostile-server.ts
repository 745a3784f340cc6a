// A loopback server that answers every request with a handler the test writes: the hostile
// servers, proxies and retired APIs the tests put the client against (not the simulator).
import http from "node:http";
import { listenOnLoopback } from "./cli.js";

/** What the server saw of one request. */
export interface Seen {
  method: string;
  url: string;
  authorization: string;
  requestId: string;
  correlationId: string;
  body: string;
}
export type Handler = (req: Seen, res: http.ServerResponse) => void;

/** Starts the server (closed by closeServers()); returns its URL and every request it saw. */
export async function hostile(handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const s: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: String(req.headers.authorization ?? ""),
        requestId: String(req.headers["ms-requestid"] ?? ""),
        correlationId: String(req.headers["ms-correlationid"] ?? ""),
        body,
      };
      seen.push(s);
      handler(s, res);
    });
  });
  return { url: await listenOnLoopback(server), seen };
}
