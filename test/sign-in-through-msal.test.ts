// The MSAL path end to end: the built CLI exchanges a refresh token at a local identity
// endpoint over HTTPS (its throwaway certificate trusted through NODE_EXTRA_CA_CERTS), and the
// API simulator accepts only the short-lived access tokens that endpoint issued.
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startDemoIdentity, type DemoIdentity } from "../src/simulator/identity.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { readCsv, removeTempDirs, runCli, tempDir } from "./helpers/cli.js";

let sim: Simulator | undefined;
let demo: DemoIdentity | undefined;

afterEach(async () => {
  await sim?.close();
  await demo?.close();
  sim = undefined;
  demo = undefined;
});
afterAll(() => removeTempDirs());

/** Identity endpoint + API simulator; `onRequest` sees the n-th API request before it is checked. */
async function start(lifetimeSeconds: number, onRequest: (n: number) => void = () => {}) {
  demo = await startDemoIdentity({ accessTokenLifetimeSeconds: lifetimeSeconds });
  const identity = demo.identity;
  let n = 0;
  sim = await startSimulator({
    latencyMs: 10,
    acceptToken: (t) => {
      onRequest(++n);
      return identity.isValidAccessToken(t);
    },
  });
  const dir = tempDir();
  const ca = path.join(dir, "ca.pem");
  fs.writeFileSync(ca, identity.caCert);
  const env = { ...demo.env, NODE_EXTRA_CA_CERTS: ca } as Record<string, string>;
  return { dir, env, identity, sim };
}

function attemptsWithStatus(logFile: string, status: number): number {
  return fs
    .readFileSync(logFile, "utf8")
    .split("\n")
    .filter((l) => l.includes('"event":"attempt"') && l.includes(`"httpStatus":${status},`)).length;
}

describe("a run signed in with a refresh token", () => {
  it("renews short-lived access tokens ahead of expiry, so a run outlasting several never meets a 401", async () => {
    const { dir, env, identity } = await start(2);
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 400);
    const r = await runCli(["run", input, "--base-url", sim!.url, "--concurrency", "2", "--quiet"], {
      env,
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows).toHaveLength(400);
    expect(rows.every((row) => row.status === "confirmed" && row.userId)).toBe(true);
    expect(attemptsWithStatus(path.join(dir, "in.results.csv.log"), 401)).toBe(0);
    // 400 rows at 10 ms, two at a time, take over 2 s: more than one token lifetime.
    expect(identity.stats.refreshGrants).toBeGreaterThanOrEqual(2);
    expect(sim!.stats.customersWithDuplicateRecords()).toEqual([]);
  });

  it("after a 401 mid-run renews the token once and carries on with the same rows", async () => {
    const ctx = await start(3600, (n) => {
      if (n === 60) ctx.identity.revokeAccessTokens();
    });
    const { dir, env } = ctx;
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 150);
    const r = await runCli(["run", input, "--base-url", sim!.url, "--quiet"], { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows.filter((row) => row.status === "confirmed")).toHaveLength(150);
    expect(attemptsWithStatus(path.join(dir, "in.results.csv.log"), 401)).toBeGreaterThan(0);
    for (let i = 0; i < 150; i++) expect(sim!.stats.recordsPerCustomer(rows[i].customerTenantId)).toBe(1);
  });

  it("stops with exit 3 and a plain line when the renewal after a 401 is refused, and --resume finishes later", async () => {
    const ctx = await start(3600, (n) => {
      if (n === 40) {
        ctx.identity.setError("refresh-token-expired");
        ctx.identity.revokeAccessTokens();
      }
    });
    const { dir, env } = ctx;
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 120);
    const r = await runCli(["run", input, "--base-url", sim!.url, "--quiet"], { env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/AADSTS700082/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows).toHaveLength(120);
    const notRun = rows.filter((row) => row.status === "not-run");
    expect(notRun.length).toBeGreaterThan(0);
    expect(notRun.every((row) => row.errorCode === "auth-failed")).toBe(true);
    expect(rows.every((row) => row.status === "confirmed" || row.status === "not-run")).toBe(true);

    ctx.identity.setError(undefined);
    const again = await runCli(["run", input, "--base-url", sim!.url, "--quiet", "--resume"], {
      env,
      timeoutMs: 60_000,
    });
    expect(again.code, again.stderr).toBe(0);
    const done = readCsv(path.join(dir, "in.results.csv"));
    expect(done.every((row) => row.status === "confirmed")).toBe(true);
    for (const row of done) expect(sim!.stats.recordsPerCustomer(row.customerTenantId)).toBe(1);
  });

  it("writes no access token, refresh token or client secret anywhere, at debug level", async () => {
    const { dir, env } = await start(1);
    const secretEnv = { ...env, PARTNER_CENTER_CLIENT_SECRET: "very-secret-client-value-1234567890" };
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 120);
    // The identity endpoint here takes any client secret, so the confidential client path runs.
    const r = await runCli(
      ["run", input, "--base-url", sim!.url, "--log-level", "debug", "--concurrency", "2"],
      {
        env: secretEnv,
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const written = [
      r.stdout,
      r.stderr,
      ...fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")),
    ].join("\n");
    expect(written).toContain('"event":"attempt"'); // the log was read
    expect(written).not.toContain(env.PARTNER_CENTER_REFRESH_TOKEN);
    expect(written).not.toContain("very-secret-client-value");
    expect(written).not.toMatch(/sim-(at|rt)\./); // the identity endpoint's access and refresh tokens
    expect(written.toLowerCase()).not.toContain("bearer ");
  });
});
