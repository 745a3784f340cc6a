// Which proxy, if any, a request to a given host goes through, the way curl and most Node tools
// read the environment: `--proxy` first, else https_proxy/HTTPS_PROXY, else http_proxy/HTTP_PROXY
// (lower case wins, as in curl), minus the hosts NO_PROXY names. Loopback always goes direct, so
// the bundled simulator works on a laptop whose shell has a company proxy set.
import http from "node:http";
import https from "node:https";
import { HttpsProxyAgent } from "hpagent";
import { UsageError } from "../errors.js";

/** How one host is reached, and why: the network error messages repeat this. */
export type Route =
  | { readonly kind: "direct"; readonly reason: "loopback" | "no-proxy" | "none" }
  | {
      readonly kind: "proxy";
      readonly proxy: URL;
      /** Where the proxy came from: `--proxy` or the variable's name as set. */
      readonly source: string;
    };

/** The variables read, in the order they are looked at for an https target. */
const PROXY_VARIABLES = ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"] as const;
const NO_PROXY_VARIABLES = ["no_proxy", "NO_PROXY"] as const;

/** The proxy as it may be printed: scheme, host and port; credentials never. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

function parseProxy(raw: string, source: string): URL {
  // `proxy.corp:8080` without a scheme is common in these variables; curl reads it as http.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${source} is not a proxy address: use http://host:port`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(
      `${source} uses ${url.protocol.slice(0, -1)}; only http:// and https:// proxies work`,
    );
  if (!url.hostname) throw new UsageError(`${source} names no host: use http://host:port`);
  return url;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** One NO_PROXY entry: `*`, `host`, `.domain` / `*.domain` (the domain and below), each with an optional `:port`. */
function entryMatches(entry: string, host: string, port: number): boolean {
  if (entry === "*") return true;
  let name = entry;
  let entryPort: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    name = bracketed[1];
    entryPort = bracketed[2] ? Number(bracketed[2]) : undefined;
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    const [h, p] = entry.split(":");
    name = h;
    entryPort = /^\d+$/.test(p) ? Number(p) : undefined;
  }
  if (entryPort !== undefined && entryPort !== port) return false;
  name = name.replace(/^\*?\./, "");
  return name !== "" && (host === name || host.endsWith(`.${name}`));
}

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return [name, value];
  }
  return undefined;
}

/**
 * The proxy settings of one run, read once from `--proxy` and the environment and checked then,
 * so a malformed variable is a usage error before anything is sent.
 */
export class ProxySettings {
  private constructor(
    private readonly proxy: { readonly url: URL; readonly source: string } | undefined,
    private readonly noProxy: readonly string[],
  ) {}

  static from(env: NodeJS.ProcessEnv, override?: string): ProxySettings {
    const chosen = override?.trim()
      ? (["--proxy", override.trim()] as const)
      : firstSet(env, PROXY_VARIABLES);
    const proxy = chosen ? { url: parseProxy(chosen[1], chosen[0]), source: chosen[0] } : undefined;
    const noProxy = (firstSet(env, NO_PROXY_VARIABLES)?.[1] ?? "")
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    return new ProxySettings(proxy, noProxy);
  }

  static none(): ProxySettings {
    return new ProxySettings(undefined, []);
  }

  route(target: URL): Route {
    const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (isLoopbackHost(host)) return { kind: "direct", reason: "loopback" };
    if (!this.proxy) return { kind: "direct", reason: "none" };
    const port = Number(target.port) || (target.protocol === "https:" ? 443 : 80);
    if (this.noProxy.some((entry) => entryMatches(entry, host, port)))
      return { kind: "direct", reason: "no-proxy" };
    return { kind: "proxy", proxy: this.proxy.url, source: this.proxy.source };
  }

  /** Logged with the run's options: the proxy without its credentials. */
  toJSON(): { proxy?: string; source?: string; noProxy?: string } {
    return {
      ...(this.proxy ? { proxy: proxyLabel(this.proxy.url), source: this.proxy.source } : {}),
      ...(this.noProxy.length ? { noProxy: this.noProxy.join(",") } : {}),
    };
  }
}

/**
 * The https agent for a route: hpagent's tunnelling agent when a proxy is used (the proxy
 * resolves the host name; this machine never looks it up), else a plain keep-alive agent.
 * Extra CAs from NODE_EXTRA_CA_CERTS apply to both, as Node adds them to every TLS connection.
 */
export function httpsAgentFor(route: Route, options: https.AgentOptions): https.Agent {
  if (route.kind === "direct") return new https.Agent(options);
  const { protocol, hostname, port, username, password } = route.proxy;
  // hpagent connects to `proxy.hostname` as it is; a URL keeps an IPv6 address in brackets,
  // which no resolver accepts, so it gets the fields it reads with the address bare.
  const proxy = { protocol, hostname: hostname.replace(/^\[|\]$/g, ""), port, username, password };
  return new HttpsProxyAgent({ ...options, proxy: proxy as URL });
}

/** Plain http is allowed to loopback hosts only (see checkBaseUrl), which never use a proxy. */
export function httpAgentFor(options: http.AgentOptions): http.Agent {
  return new http.Agent(options);
}
