import { describe, expect, it } from "vitest";
import { signIn } from "../src/auth/login.js";
import { UsageError } from "../src/errors.js";
import { describeNetworkFailure } from "../src/network/describe.js";
import { ProxySettings, type Route } from "../src/network/proxy.js";

const API = new URL("https://api.partnercenter.microsoft.com");

function routeOf(env: NodeJS.ProcessEnv, target: URL | string = API, override?: string): Route {
  return ProxySettings.from(env, override).route(typeof target === "string" ? new URL(target) : target);
}

function proxyOf(route: Route): string | undefined {
  return route.kind === "proxy" ? `${route.source} ${route.proxy.href}` : undefined;
}

describe("choosing the proxy for a host", () => {
  it("reads https_proxy before HTTPS_PROXY, and falls back to HTTP_PROXY", () => {
    expect(proxyOf(routeOf({ HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:2" }))).toBe(
      "https_proxy http://lower:2/",
    );
    expect(proxyOf(routeOf({ HTTPS_PROXY: "http://upper:1" }))).toBe("HTTPS_PROXY http://upper:1/");
    expect(proxyOf(routeOf({ HTTP_PROXY: "proxy.corp:3128" }))).toBe("HTTP_PROXY http://proxy.corp:3128/");
    expect(routeOf({})).toEqual({ kind: "direct", reason: "none" });
  });

  it("lets --proxy override the environment, with NO_PROXY still applying", () => {
    const env = { HTTPS_PROXY: "http://env:1", NO_PROXY: "login.example.com" };
    expect(proxyOf(routeOf(env, API, "http://flag:2"))).toBe("--proxy http://flag:2/");
    expect(routeOf(env, "https://login.example.com", "http://flag:2")).toEqual({
      kind: "direct",
      reason: "no-proxy",
    });
  });

  it("keeps loopback direct whatever is set", () => {
    const env = { HTTPS_PROXY: "http://proxy:8080" };
    for (const target of [
      "https://127.0.0.1:4000",
      "https://localhost",
      "https://[::1]:443",
      "http://127.8.9.1",
    ])
      expect(routeOf(env, target), target).toEqual({ kind: "direct", reason: "loopback" });
  });

  it("matches NO_PROXY hosts, domain suffixes, * and ports", () => {
    const bypassed = (noProxy: string, target: string) =>
      routeOf({ HTTPS_PROXY: "http://proxy:8080", NO_PROXY: noProxy }, target).kind === "direct";
    expect(bypassed("api.partnercenter.microsoft.com", API.href)).toBe(true);
    expect(bypassed("microsoft.com", API.href)).toBe(true);
    expect(bypassed(".microsoft.com", API.href)).toBe(true);
    expect(bypassed("*.microsoft.com", API.href)).toBe(true);
    expect(bypassed("*", API.href)).toBe(true);
    expect(bypassed("soft.com", API.href)).toBe(false);
    expect(bypassed("microsoft.com:443", API.href)).toBe(true);
    expect(bypassed("microsoft.com:8443", API.href)).toBe(false);
    expect(bypassed("intranet, microsoft.com:8443 ,login.example", "https://login.example:8443")).toBe(true);
    expect(bypassed("10.1.2.3", "https://10.1.2.3")).toBe(true);
    expect(bypassed("[2001:db8::1]:443", "https://[2001:db8::1]")).toBe(true);
    expect(bypassed("2001:db8::1", "https://[2001:db8::1]:9443")).toBe(true);
    expect(bypassed("MICROSOFT.COM", API.href)).toBe(true);
  });

  it("refuses a proxy address it cannot use, naming where it came from and hiding its password", () => {
    const err = (() => {
      try {
        ProxySettings.from({ HTTPS_PROXY: "socks5://user:hunter2@proxy:1080" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe("HTTPS_PROXY uses socks5; only http:// and https:// proxies work");
    expect(() => ProxySettings.from({}, "http://:8080")).toThrow(/^--proxy/);
  });

  it("logs the proxy without its credentials", () => {
    const settings = ProxySettings.from({
      https_proxy: "http://me:hunter2@proxy.corp:8080",
      no_proxy: ".corp",
    });
    expect(JSON.stringify({ options: { proxy: settings } })).toBe(
      '{"options":{"proxy":{"proxy":"http://proxy.corp:8080","source":"https_proxy","noProxy":".corp"}}}',
    );
  });
});

describe("describing a connection that got no answer", () => {
  const viaProxy = routeOf({ HTTPS_PROXY: "http://me:hunter2@proxy.corp:8080" });
  const ctx = (route: Route) => ({ target: API, route, hostSetting: "--base-url" });

  it("names the proxy, never its password, for a 407 and for a refused tunnel", () => {
    const line = describeNetworkFailure({ message: "Bad response: 407" }, ctx(viaProxy));
    expect(line).toBe(
      "The proxy http://proxy.corp:8080 refused the user name and password in HTTPS_PROXY (HTTP 407): check them (special characters must be percent-encoded).",
    );
    expect(describeNetworkFailure({ message: "Bad response: 403" }, ctx(viaProxy))).toBe(
      "The proxy http://proxy.corp:8080 (from HTTPS_PROXY) would not open a tunnel to api.partnercenter.microsoft.com:443 (HTTP 403): ask for that host to be allowed, or check HTTPS_PROXY and NO_PROXY.",
    );
  });

  it("tells a proxy that cannot be found from an API host that cannot be found", () => {
    const dns = { code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND proxy.corp" };
    expect(describeNetworkFailure(dns, ctx(viaProxy))).toBe(
      "The proxy host proxy.corp could not be found (ENOTFOUND): check HTTPS_PROXY.",
    );
    expect(describeNetworkFailure(dns, ctx({ kind: "direct", reason: "none" }))).toBe(
      "The host name api.partnercenter.microsoft.com could not be resolved (ENOTFOUND), reached directly (no proxy is set): check --base-url; if this network reaches the internet only through a proxy, set HTTPS_PROXY or --proxy.",
    );
  });

  it("points a certificate error at NODE_EXTRA_CA_CERTS and never says to try again later", () => {
    for (const code of [
      "SELF_SIGNED_CERT_IN_CHAIN",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "ERR_TLS_CERT_ALTNAME_INVALID",
    ]) {
      const line = describeNetworkFailure({ code, message: "x" }, ctx(viaProxy));
      expect(line).toContain("NODE_EXTRA_CA_CERTS");
      expect(line).toContain(code);
      expect(line).not.toMatch(/try again|hunter2/i);
    }
    expect(
      describeNetworkFailure({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, ctx(viaProxy)),
    ).toBe(
      "The proxy http://proxy.corp:8080 refused the connection (ECONNREFUSED): check the host and port in HTTPS_PROXY.",
    );
  });
});

describe("login through a proxy", () => {
  it("sends the sign-in through --proxy and names it when it refuses", async () => {
    let stderr = "";
    const sink = (write: (s: string) => void) =>
      ({ write: (chunk: string) => (write(chunk), true) }) as unknown as NodeJS.WritableStream;
    const code = await signIn(
      { tenant: "contoso.example", clientId: "app-1", proxy: "http://me:hunter2@127.0.0.1:9" },
      {
        stdout: sink(() => {}),
        stderr: sink((s) => (stderr += s)),
        env: {
          PARTNER_CENTER_AUTHORITY_HOST: "https://login.partner-proxy.test",
          XDG_CONFIG_HOME: "/nonexistent",
        },
      },
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      "mca-confirm: Could not reach the sign-in service: the proxy http://127.0.0.1:9 refused the connection (ECONNREFUSED): check the host and port in --proxy.\n",
    );
  });
});
