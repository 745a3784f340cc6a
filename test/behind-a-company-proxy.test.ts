// Behind a company proxy with TLS inspection, end to end: the built CLI reaches an HTTPS API
// simulator and an HTTPS identity endpoint under host names only the test's CONNECT proxy knows
// (no DNS server resolves *.test), trusting their throwaway certificate via NODE_EXTRA_CA_CERTS.
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { throwawayCertificate } from "../src/simulator/certificate.js";
import { startDemoIdentity, type DemoIdentity } from "../src/simulator/identity.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { startConnectProxy, type ConnectProxy } from "./helpers/connect-proxy.js";
import { readCsv, removeTempDirs, runCli, tempDir } from "./helpers/cli.js";

const API_HOST = "api.partner-proxy.test";
const LOGIN_HOST = "login.partner-proxy.test";
const PROXY_PASSWORD = "s3cret:p@ss";
const PROXY_CREDENTIALS = `ops-user:${PROXY_PASSWORD}`;

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});
afterAll(() => removeTempDirs());

interface Setting {
  sim: Simulator;
  demo: DemoIdentity;
  proxy: ConnectProxy;
  dir: string;
  input: string;
  baseUrl: string;
  /** Sign-in through the identity endpoint, the CA file trusted, the proxy with its credentials. */
  env: Record<string, string | undefined>;
  /** The proxy URL with credentials, percent-encoded as a user would write it. */
  proxyUrl: string;
}

async function setUp(
  rows = 12,
  proxyOptions: { credentials?: string } = {},
  invalidEvery?: number,
): Promise<Setting> {
  const certificate = await throwawayCertificate([API_HOST]);
  const sim = await startSimulator({ tls: certificate });
  running.push(sim);
  const demo = await startDemoIdentity({ hostName: LOGIN_HOST });
  running.push(demo);
  const proxy = await startConnectProxy({ hosts: [API_HOST, LOGIN_HOST], ...proxyOptions });
  running.push(proxy);
  const dir = tempDir();
  const ca = path.join(dir, "company-root.pem");
  // One file holding both roots, as a company bundle would.
  fs.writeFileSync(ca, `${certificate.cert}\n${demo.identity.caCert}\n`);
  const input = path.join(dir, "acceptances.csv");
  await writeGeneratedCsv(input, rows, invalidEvery ? { invalidEvery } : {});
  const port = new URL(sim.url).port;
  const proxyUrl = `http://ops-user:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${proxy.port}`;
  const env = {
    ...(demo.env as Record<string, string>),
    NODE_EXTRA_CA_CERTS: ca,
    HTTPS_PROXY: proxyUrl,
    // Whatever this machine's shell has set must not take part (lower case wins over upper case).
    https_proxy: undefined,
    http_proxy: undefined,
    HTTP_PROXY: undefined,
    no_proxy: undefined,
    NO_PROXY: undefined,
  };
  return { sim, demo, proxy, dir, input, baseUrl: `https://${API_HOST}:${port}`, env, proxyUrl };
}

const output = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

describe("a run behind a CONNECT proxy with a TLS-inspecting root certificate", () => {
  it("sends every sign-in and API call through the proxy, and never prints the proxy password", async () => {
    const s = await setUp(12, { credentials: PROXY_CREDENTIALS });
    const r = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], {
      env: s.env,
      timeoutMs: 30_000,
    });
    expect(r.code, output(r)).toBe(0);
    const rows = readCsv(path.join(s.dir, "acceptances.results.csv"));
    expect(rows.map((row) => row.status)).toEqual(Array(12).fill("confirmed"));
    // The API host is a name only the proxy maps: reaching it proves this machine never resolved it.
    expect(s.proxy.tunnels(API_HOST)).toBeGreaterThan(0);
    expect(s.proxy.tunnels(LOGIN_HOST)).toBeGreaterThan(0);
    expect(s.demo.identity.stats.refreshGrants).toBe(1);
    expect(s.sim.stats.confirmRequests).toBe(12);
    const log = fs.readFileSync(path.join(s.dir, "acceptances.results.csv.log"), "utf8");
    expect(log).toContain(`"proxy":"http://127.0.0.1:${s.proxy.port}"`);
    for (const text of [output(r), log]) {
      expect(text).not.toContain(PROXY_PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PROXY_PASSWORD));
    }
  });

  it("takes --proxy over the environment's proxy, and prints it in follow-up commands without the password", async () => {
    const s = await setUp(4, { credentials: PROXY_CREDENTIALS }, 2);
    const env = { ...s.env, HTTPS_PROXY: "http://127.0.0.1:9" };
    const r = await runCli(["run", s.input, "--base-url", s.baseUrl, "--proxy", s.proxyUrl, "--quiet"], {
      env,
      timeoutMs: 30_000,
    });
    expect(r.code, output(r)).toBe(1);
    expect(s.proxy.tunnels(API_HOST)).toBeGreaterThan(0);
    expect(r.stdout).toContain(`--proxy 'http://ops-user:<password>@127.0.0.1:${s.proxy.port}'`);
    expect(output(r)).not.toContain(encodeURIComponent(PROXY_PASSWORD));
  });

  it("reaches a proxy given by an IPv6 address", async () => {
    const s = await setUp(2);
    const proxy6 = await startConnectProxy({ hosts: [API_HOST], listenOn: "::1" });
    running.push(proxy6);
    const env = { ...s.env, PARTNER_CENTER_ACCESS_TOKEN: "t", HTTPS_PROXY: proxy6.url };
    const r = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], { env, timeoutMs: 30_000 });
    expect(r.code, output(r)).toBe(0);
    expect(proxy6.tunnels(API_HOST)).toBeGreaterThan(0);
  });

  it("goes direct to the hosts NO_PROXY names (with a port), and says so when the name does not resolve", async () => {
    const s = await setUp(3);
    const port = new URL(s.baseUrl).port;
    const env = { ...s.env, NO_PROXY: `localhost, ${API_HOST}:${port}` };
    const r = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], { env, timeoutMs: 30_000 });
    expect(r.code, output(r)).toBe(3);
    // Sign-in still went through the proxy; the API host did not, and this machine cannot resolve it.
    expect(s.proxy.tunnels(LOGIN_HOST)).toBeGreaterThan(0);
    expect(s.proxy.tunnels(API_HOST)).toBe(0);
    expect(output(r)).toContain(
      `The host name ${API_HOST} could not be resolved (ENOTFOUND), reached directly, since NO_PROXY matches it`,
    );
    expect(output(r)).toContain("nothing was sent");
    expect(output(r)).not.toMatch(/try again later|--resume/i);

    // Nothing went out, so nothing is left to resume: no journal, and the same command runs again.
    const results = path.join(s.dir, "acceptances.results.csv");
    expect(fs.existsSync(`${results}.journal`)).toBe(false);
    expect(readCsv(results).map((row) => row.status)).toEqual(["not-run", "not-run", "not-run"]);
    expect(r.stdout).toMatch(
      /Nothing was sent\. Once that is fixed, run the same command again: node \S*dist\/cli\.js run \S+acceptances\.csv --base-url/,
    );
    const again = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], {
      env: s.env,
      timeoutMs: 30_000,
    });
    expect(again.code, output(again)).toBe(0);
    expect(readCsv(results).map((row) => row.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
  });

  it("a proxy that wants credentials gives one plain line for the sign-in and for the API", async () => {
    const s = await setUp(3, { credentials: PROXY_CREDENTIALS });
    const bare = `http://127.0.0.1:${s.proxy.port}`;
    const signIn = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], {
      env: { ...s.env, HTTPS_PROXY: bare },
      timeoutMs: 30_000,
    });
    expect(signIn.code, output(signIn)).toBe(2);
    expect(signIn.stderr).toContain(
      `mca-confirm: Could not reach the sign-in service: the proxy ${bare} asks for a user name and password (HTTP 407): set HTTPS_PROXY to http://user:password@127.0.0.1:${s.proxy.port}.`,
    );
    const wrong = `http://ops-user:wrong-one@127.0.0.1:${s.proxy.port}`;
    const api = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], {
      env: { ...s.env, PARTNER_CENTER_ACCESS_TOKEN: "t", HTTPS_PROXY: wrong },
      timeoutMs: 30_000,
    });
    expect(api.code, output(api)).toBe(3);
    expect(output(api)).toContain(
      `The proxy ${bare} refused the user name and password in HTTPS_PROXY (HTTP 407)`,
    );
    expect(output(api)).not.toContain("wrong-one");
    expect(s.proxy.refusedForCredentials).toBeGreaterThanOrEqual(2);
    expect(s.sim.stats.requests).toBe(0);
  });

  it("a certificate this machine does not trust names NODE_EXTRA_CA_CERTS, for the sign-in and for the API", async () => {
    const s = await setUp(3);
    const untrusting = { ...s.env, NODE_EXTRA_CA_CERTS: undefined };
    const signIn = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], {
      env: untrusting,
      timeoutMs: 30_000,
    });
    expect(signIn.code, output(signIn)).toBe(2);
    expect(signIn.stderr).toMatch(
      new RegExp(
        `Could not reach the sign-in service: the certificate presented for ${LOGIN_HOST} is not trusted \\([A-Z_]+\\), reached through the proxy http://127\\.0\\.0\\.1:${s.proxy.port} \\(from HTTPS_PROXY\\): if your network inspects TLS, set NODE_EXTRA_CA_CERTS`,
      ),
    );
    const api = await runCli(["run", s.input, "--base-url", s.baseUrl, "--quiet"], {
      env: { ...untrusting, PARTNER_CENTER_ACCESS_TOKEN: "t" },
      timeoutMs: 30_000,
    });
    expect(api.code, output(api)).toBe(3);
    expect(output(api)).toMatch(
      new RegExp(
        `The certificate presented for ${API_HOST} is not trusted \\([A-Z_]+\\), reached through the proxy`,
      ),
    );
    expect(s.sim.stats.requests).toBe(0);
  });
});
