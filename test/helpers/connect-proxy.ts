// A company proxy in miniature: answers HTTP CONNECT only, tunnels to 127.0.0.1 for the host
// names it is told about (names no DNS server knows, so a client that reached the host
// resolved nothing itself) and refuses every other destination, as a locked-down gateway does.
import { createServer, type IncomingMessage } from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface ConnectProxyOptions {
  /** Host names this proxy maps to 127.0.0.1 (the port is the one the client asked for). */
  readonly hosts: readonly string[];
  /** "user:password" that Proxy-Authorization must carry (Basic); default: none needed. */
  readonly credentials?: string;
  /** Listening address; default 127.0.0.1. */
  readonly listenOn?: "127.0.0.1" | "::1";
}

export interface ConnectProxy {
  /** http://127.0.0.1:<port> (or [::1]), without credentials. */
  readonly url: string;
  readonly port: number;
  /** Tunnels opened, by host name as the client asked for it. */
  tunnels(host: string): number;
  /** CONNECT requests answered 407. */
  readonly refusedForCredentials: number;
  close(): Promise<void>;
}

function authorised(req: IncomingMessage, credentials: string | undefined): boolean {
  if (credentials === undefined) return true;
  const expected = `Basic ${Buffer.from(credentials).toString("base64")}`;
  return req.headers["proxy-authorization"] === expected;
}

export async function startConnectProxy(options: ConnectProxyOptions): Promise<ConnectProxy> {
  const opened = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  let refusedForCredentials = 0;
  const server = createServer((_req, res) => {
    res.writeHead(405, { "content-type": "text/plain" }).end("this proxy only tunnels (CONNECT)\n");
  });
  server.on("connect", (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (!authorised(req, options.credentials)) {
      refusedForCredentials++;
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    const match = /^([^:]+):(\d+)$/.exec(req.url ?? "");
    const host = match?.[1].toLowerCase() ?? "";
    if (!match || !options.hosts.includes(host)) {
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const upstream = net.connect(Number(match[2]), "127.0.0.1", () => {
      opened.set(host, (opened.get(host) ?? 0) + 1);
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
  });
  const address = options.listenOn ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    port,
    tunnels: (host) => opened.get(host.toLowerCase()) ?? 0,
    get refusedForCredentials() {
      return refusedForCredentials;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
