// The token pre-flight (docs/partner-center-api.md "The token pre-flight"): a JWT Partner Center
// would refuse (another audience, App-only, App+User without MFA, expired and not renewable) is
// refused before the first request (exit 2, nothing sent); a good one names the partner tenant
// and the user in the summary, --json and the report; a token renewed mid-run is checked too.
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { tokenProblem, userOfToken } from "../src/auth/claims.js";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { startDemoIdentity, type DemoIdentity } from "../src/simulator/identity.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import {
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

const TENANT = "7c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5";
const PC = "https://api.partnercenter.microsoft.com";

/** An unsigned JWT with these claims over a good App+User token's. */
function jwt(overrides: Record<string, unknown> = {}): string {
  const claims = {
    aud: PC,
    tid: TENANT,
    upn: "ops@partner.example",
    scp: "user_impersonation",
    amr: ["pwd", "mfa"],
    exp: Math.floor(Date.now() / 1000) + 3600,
    ...overrides,
  };
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

describe("tokenProblem", () => {
  const check = (token: string, canRenew = false) =>
    tokenProblem(token, { now: Date.now(), canRenew, source: "PARTNER_CENTER_ACCESS_TOKEN" });

  it("passes a good App+User token, either audience form, and any token that is not a JWT", () => {
    expect(check(jwt())).toBeUndefined();
    expect(check(jwt({ aud: `${PC}/` }))).toBeUndefined();
    expect(check(jwt({ aud: "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd" }))).toBeUndefined();
    expect(check("anything")).toBeUndefined();
    expect(check("a.b.c")).toBeUndefined();
    // A JWT that names no audience is no Entra ID access token: not judged either.
    expect(check(jwt({ aud: undefined, scp: undefined, amr: undefined }))).toBeUndefined();
  });

  it("names the audience found and where to get the right token", () => {
    const problem = check(jwt({ aud: "https://graph.windows.net" }));
    expect(problem).toContain('"https://graph.windows.net"');
    expect(problem).toContain("900420");
    expect(problem).toContain("user_impersonation");
  });

  it("refuses an App+User token without MFA, an App-only token, and an expired one it cannot renew", () => {
    expect(check(jwt({ amr: ["pwd"] }))).toMatch(/April 1, 2026.*MFA.*mca-confirm login/s);
    expect(check(jwt({ amr: undefined }))).toMatch(/no amr claim.*April 1, 2026/s);
    expect(check(jwt({ scp: undefined, roles: ["Agreements.ReadWrite.All"], idtyp: "app" }))).toMatch(
      /App-only.*App\+User/s,
    );
    const expired = jwt({ exp: Math.floor(Date.now() / 1000) - 60 });
    expect(check(expired)).toMatch(/expired .* cannot be renewed/);
    // A source that renews gets a new token instead.
    expect(check(expired, true)).toBeUndefined();
  });

  it("reads the user from upn, else preferred_username", () => {
    expect(userOfToken(jwt())).toBe("ops@partner.example");
    expect(userOfToken(jwt({ upn: undefined, preferred_username: "v2@partner.example" }))).toBe(
      "v2@partner.example",
    );
  });
});

describe("the CLI with a PARTNER_CENTER_ACCESS_TOKEN", () => {
  async function setUp() {
    const sim = await trackedSimulator({ customers: 3 });
    const dir = tempDir();
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 20);
    return { sim, dir, input };
  }

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ["another audience", { aud: "https://graph.windows.net" }, /graph\.windows\.net.*900420/s],
    ["App+User without MFA", { amr: ["pwd"] }, /April 1, 2026/],
    ["App-only", { scp: undefined, roles: ["x"], idtyp: "app" }, /App-only/],
    ["expired", { exp: Math.floor(Date.now() / 1000) - 60 }, /expired/],
  ];

  it.each(refused)("refuses a token for %s with exit 2 and sends nothing (run)", async (_, claims, says) => {
    const { sim, input } = await setUp();
    const r = await runCli(["run", input, "--base-url", sim.url, "--quiet", "--json"], {
      env: { PARTNER_CENTER_ACCESS_TOKEN: jwt(claims) },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(says);
    expect(sim.stats.requests).toBe(0);
  });

  it("refuses a token without MFA in pending too, before the customer list is read", async () => {
    const { sim, dir } = await setUp();
    const r = await runCli(["pending", "--base-url", sim.url, "--quiet", "--out", path.join(dir, "p.csv")], {
      env: { PARTNER_CENTER_ACCESS_TOKEN: jwt({ amr: ["pwd"] }) },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("MFA");
    expect(sim.stats.requests).toBe(0);
    expect(sim.customers.pageRequests).toBe(0);
  });

  it("names the partner tenant and the user, never the token, in the summary, --json and the report", async () => {
    const { sim, dir, input } = await setUp();
    const token = jwt();
    const json = await runCli(["run", input, "--base-url", sim.url, "--quiet", "--json"], {
      env: { PARTNER_CENTER_ACCESS_TOKEN: token },
    });
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as { signedIn: unknown };
    expect(summary.signedIn).toEqual({ tenantId: TENANT, user: "ops@partner.example" });
    const report = fs.readFileSync(path.join(dir, "in.report.html"), "utf8");
    expect(report).toContain("ops@partner.example");
    expect(report).toContain(TENANT);
    expect(report).not.toContain(token.split(".")[1]);

    const text = await runCli(["run", input, "--base-url", sim.url, "--quiet", "--overwrite"], {
      env: { PARTNER_CENTER_ACCESS_TOKEN: token },
    });
    expect(text.stdout).toContain(`Signed in: ops@partner.example (partner tenant ${TENANT})`);
    expect(text.stdout + text.stderr).not.toContain(token.split(".")[1]);

    const listing = await runCli(["pending", "--base-url", sim.url, "--quiet", "--json"], {
      cwd: dir,
      env: { PARTNER_CENTER_ACCESS_TOKEN: token },
    });
    expect(listing.code, listing.stderr).toBe(0);
    expect(JSON.parse(listing.stdout)).toMatchObject({
      signedIn: { tenantId: TENANT, user: "ops@partner.example" },
    });
  });
});

describe("tokens renewed through MSAL", () => {
  let sim: Simulator | undefined;
  let demo: DemoIdentity | undefined;
  afterEach(async () => {
    await sim?.close();
    await demo?.close();
  });

  async function start(onRequest: (n: number) => void = () => {}) {
    demo = await startDemoIdentity();
    const identity = demo.identity;
    let n = 0;
    sim = await startSimulator({
      latencyMs: 5,
      acceptToken: (t) => {
        onRequest(++n);
        return identity.isValidAccessToken(t);
      },
    });
    const dir = tempDir();
    const ca = path.join(dir, "ca.pem");
    fs.writeFileSync(ca, identity.caCert);
    return { dir, identity, env: { ...demo.env, NODE_EXTRA_CA_CERTS: ca } as Record<string, string> };
  }

  it("refuses the first token MSAL hands out when it lacks MFA: exit 2, nothing sent", async () => {
    const { dir, identity, env } = await start();
    identity.setAccessTokenClaims({ amr: ["pwd"] });
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 10);
    const r = await runCli(["run", input, "--base-url", sim!.url, "--quiet"], { env, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("April 1, 2026");
    expect(sim!.stats.requests).toBe(0);
  });

  it("stops the run (exit 3, resumable) when a token renewed mid-run lacks MFA", async () => {
    const ctx = await start((n) => {
      if (n === 40) {
        ctx.identity.setAccessTokenClaims({ amr: ["pwd"] });
        ctx.identity.revokeAccessTokens();
      }
    });
    const input = path.join(ctx.dir, "in.csv");
    await writeGeneratedCsv(input, 300);
    const r = await runCli(["run", input, "--base-url", sim!.url, "--quiet", "--concurrency", "2"], {
      env: ctx.env,
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain("April 1, 2026");
    expect(r.stdout).toContain("--resume");
    const rows = readCsv(path.join(ctx.dir, "in.results.csv"));
    expect(rows).toHaveLength(300);
    expect(rows.filter((row) => row.status === "not-run").length).toBeGreaterThan(200);
    // The refused token was never sent: only the requests up to the 401s went out.
    expect(sim!.stats.requests).toBeLessThan(50);
  });
});
