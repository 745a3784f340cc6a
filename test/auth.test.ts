import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveTokenProvider } from "../src/auth/index.js";
import { RunStoppedError, UsageError } from "../src/errors.js";
import { silentLogger } from "../src/log.js";
import { startIdentityServer, type IdentityServer } from "../src/simulator/identity.js";

const TENANT = "contoso-partner.example";
const CLIENT = "11111111-2222-4333-8444-555555555555";

let idp: IdentityServer;
beforeAll(async () => {
  idp = await startIdentityServer({ tenants: [TENANT], clientIds: [CLIENT] });
});
afterAll(() => idp.close());
afterEach(() => {
  idp.setError(undefined);
  idp.setAccessTokenLifetime(3600);
});

const envFor = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PARTNER_CENTER_REFRESH_TOKEN: idp.issueRefreshToken(),
  PARTNER_CENTER_CLIENT_ID: CLIENT,
  PARTNER_CENTER_TENANT_ID: TENANT,
  PARTNER_CENTER_AUTHORITY_HOST: idp.authorityHost,
  ...extra,
});
const resolve = (env: NodeJS.ProcessEnv, now?: () => number) =>
  resolveTokenProvider({
    env,
    logger: silentLogger,
    networkClient: idp.networkClient,
    ...(now ? { now } : {}),
  });

describe("token sources", () => {
  it("uses PARTNER_CENTER_ACCESS_TOKEN as is, before anything else, and cannot renew it", async () => {
    const p = await resolveTokenProvider({
      env: { ...envFor(), PARTNER_CENTER_ACCESS_TOKEN: "static-token-value" },
      logger: silentLogger,
    });
    expect(p.description).toBe("PARTNER_CENTER_ACCESS_TOKEN");
    expect(await p.getToken()).toBe("static-token-value");
    expect(await p.renew()).toBeUndefined();
  });

  it("refuses to start with no source configured, naming the variables and the login command", async () => {
    const err = await resolveTokenProvider({ env: {}, logger: silentLogger }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    for (const v of [
      "PARTNER_CENTER_ACCESS_TOKEN",
      "PARTNER_CENTER_REFRESH_TOKEN",
      "PARTNER_CENTER_CLIENT_ID",
      "PARTNER_CENTER_TENANT_ID",
      "mca-confirm login",
    ]) {
      expect(err.message).toContain(v);
    }
  });

  it("exchanges the refresh token over HTTPS with MSAL for a token the API accepts", async () => {
    const before = idp.stats.refreshGrants;
    const p = await resolve(envFor());
    expect(p.description).toContain("PARTNER_CENTER_REFRESH_TOKEN");
    const token = await p.getToken();
    expect(idp.isValidAccessToken(token)).toBe(true);
    expect(idp.stats.refreshGrants).toBe(before + 1);
    // the token is reused while valid
    expect(await p.getToken()).toBe(token);
    expect(idp.stats.refreshGrants).toBe(before + 1);
  });

  it("uses a ConfidentialClientApplication when a client secret is set", async () => {
    const p = await resolve(envFor({ PARTNER_CENTER_CLIENT_SECRET: "s3cret-value-of-the-app" }));
    expect(p.description).toContain("confidential");
    expect(idp.isValidAccessToken(await p.getToken())).toBe(true);
  });

  it("renews before expiry across several expiries during a long run, never handing out an expired token", async () => {
    idp.setAccessTokenLifetime(3);
    const p = await resolve(envFor());
    const seen = new Set<string>();
    const end = Date.now() + 9_000;
    for (let i = 0; i < 400 && Date.now() < end; i++) {
      const t = await p.getToken();
      expect(idp.isValidAccessToken(t)).toBe(true);
      seen.add(t);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });

  it("shares one renewal among concurrent callers", async () => {
    idp.setAccessTokenLifetime(3);
    const p = await resolve(envFor());
    await new Promise((r) => setTimeout(r, 2_100)); // past half-life: renewal due
    const before = idp.stats.tokenRequests;
    const tokens = await Promise.all(Array.from({ length: 20 }, () => p.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(idp.stats.tokenRequests).toBe(before + 1);
    const renewed = await Promise.all(Array.from({ length: 10 }, () => p.renew()));
    expect(new Set(renewed).size).toBe(1);
    expect(idp.stats.tokenRequests).toBe(before + 2);
  });

  it("renew() after a 401 forces a new token even though the old one has not expired", async () => {
    const p = await resolve(envFor());
    const first = await p.getToken();
    idp.revokeAccessTokens(); // the API now answers 401 for it
    expect(idp.isValidAccessToken(first)).toBe(false);
    const second = await p.renew();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(idp.isValidAccessToken(second!)).toBe(true);
    expect(await p.getToken()).toBe(second);
  });

  it("stops the run with auth-failed when a renewal during the run is refused", async () => {
    const p = await resolve(envFor());
    await p.getToken();
    idp.setError("refresh-token-expired");
    const err = await p.renew().catch((e) => e);
    expect(err).toBeInstanceOf(RunStoppedError);
    expect(err.code).toBe("auth-failed");
    expect(err.message).toContain("AADSTS700082");
  });

  it("keeps the current token through a short identity outage while it is still valid", async () => {
    idp.setAccessTokenLifetime(120);
    let clock = Date.now();
    const p = await resolve(envFor(), () => clock);
    const t = await p.getToken();
    clock += 61_000; // past half of the 2-minute life: renewal due, ~59 s left
    idp.setError("unavailable", { times: 1 });
    const before = idp.stats.tokenRequests;
    expect(await p.getToken()).toBe(t);
    expect(idp.stats.tokenRequests).toBe(before + 1);
    expect(idp.isValidAccessToken(t)).toBe(true);
  });
});

describe("identity errors become one plain line, at startup a UsageError", () => {
  const cases: [Parameters<IdentityServer["setError"]>[0], RegExp][] = [
    [
      "refresh-token-expired",
      /^The refresh token expired after 90 days unused \(AADSTS700082\): run the consent again and set PARTNER_CENTER_REFRESH_TOKEN to the new token\.$/,
    ],
    ["invalid-client-secret", /AADSTS7000215.*PARTNER_CENTER_CLIENT_SECRET/],
    ["app-not-found", /AADSTS700016.*PARTNER_CENTER_CLIENT_ID/],
    ["mfa-required", /^Multi-factor authentication is required \(AADSTS50076\)/],
    ["mfa-enrollment-required", /AADSTS50079/],
    ["consent-required", /consent.*AADSTS65001/],
    ["unavailable", /temporarily unavailable.*nothing is wrong with the credentials; try again/],
  ];
  for (const [kind, line] of cases) {
    it(kind as string, async () => {
      idp.setError(kind);
      const err = await resolve(envFor({ PARTNER_CENTER_CLIENT_SECRET: "s3cret-value-of-the-app" })).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toMatch(line);
      expect(err.message).not.toContain("\n");
    });
  }

  it("wrong tenant (discovery answers AADSTS90002)", async () => {
    const err = await resolve(envFor({ PARTNER_CENTER_TENANT_ID: "no-such-tenant.example" })).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^The tenant was not found \(AADSTS90002\): check PARTNER_CENTER_TENANT_ID/);
  });

  it("unreachable authority", async () => {
    const err = await resolveTokenProvider({
      env: envFor({ PARTNER_CENTER_AUTHORITY_HOST: "https://127.0.0.1:9" }),
      logger: silentLogger,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      "Could not reach the sign-in service: 127.0.0.1:9 refused the connection (ECONNREFUSED), reached directly (loopback): check PARTNER_CENTER_AUTHORITY_HOST; check that the service is running on this machine.",
    );
  });

  it("untrusted certificate", async () => {
    const err = await resolveTokenProvider({ env: envFor(), logger: silentLogger }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(
      /certificate presented for 127\.0\.0\.1 is not trusted .*NODE_EXTRA_CA_CERTS/,
    );
  });
});

describe("secrets never leak", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mca-auth-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("a debug-level log and the thrown messages hold no token, refresh token or secret", async () => {
    const file = join(dir, "debug.log");
    const logger = pino({ level: "trace" }, pino.destination({ dest: file, sync: true }));
    const secret = "client-secret-that-must-not-leak-0123456789";
    const env = envFor({ PARTNER_CENTER_CLIENT_SECRET: secret });
    idp.setAccessTokenLifetime(3);
    const p = await resolveTokenProvider({ env, logger, networkClient: idp.networkClient });
    const tokens = new Set<string>();
    tokens.add(await p.getToken());
    tokens.add((await p.renew())!);
    idp.setError("refresh-token-expired");
    const err = await p.renew().catch((e) => e);
    const startErr = await resolveTokenProvider({
      env: envFor({ PARTNER_CENTER_CLIENT_SECRET: secret }),
      logger,
      networkClient: idp.networkClient,
    }).catch((e) => e);
    logger.flush();
    const log = await readFile(file, "utf8");
    expect(log.length).toBeGreaterThan(100);
    const texts = [log, String(err?.message), String(startErr?.message), String(err?.stack)];
    for (const text of texts) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(env.PARTNER_CENTER_REFRESH_TOKEN!);
      expect(text).not.toMatch(/sim-(at|rt)\.[A-Za-z0-9_-]{10}/);
      for (const t of tokens) expect(text).not.toContain(t);
    }
  });
});
