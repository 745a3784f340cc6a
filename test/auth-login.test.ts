import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTokenProvider } from "../src/auth/index.js";
import { signIn } from "../src/auth/login.js";
import { loginCommand } from "../src/commands/login.js";
import { silentLogger } from "../src/log.js";
import { startIdentityServer, type IdentityServer } from "../src/simulator/identity.js";

const run = promisify(execFile);
const TENANT = "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const CLIENT = "11111111-2222-4333-8444-555555555555";

function sink() {
  const s = new PassThrough();
  let text = "";
  s.on("data", (c) => (text += String(c)));
  return { stream: s, text: () => text };
}

let idp: IdentityServer;
let dir: string;
beforeAll(async () => {
  idp = await startIdentityServer({
    tenants: [TENANT],
    clientIds: [CLIENT],
    deviceCodePendingPolls: 2,
    deviceCodeIntervalSeconds: 0.05,
  });
  dir = await mkdtemp(join(tmpdir(), "mca-login-"));
});
afterAll(async () => {
  await idp.close();
  await rm(dir, { recursive: true, force: true });
});

describe("mca-confirm login", () => {
  it("explains itself with --help", async () => {
    const out = sink();
    const err = sink();
    const exit = (): never => {
      throw new Error("no exit");
    };
    expect(await loginCommand(["--help"], { stdout: out.stream, stderr: err.stream, env: {}, exit })).toBe(0);
    expect(out.text()).toMatch(/device code/);
    expect(out.text()).toMatch(/--tenant/);
    expect(out.text()).toMatch(/--client-id/);
    expect(out.text()).toMatch(/readable by you only/);
  });

  it("exits 2 without a tenant or client ID", async () => {
    const err = sink();
    expect(await signIn({}, { stdout: sink().stream, stderr: err.stream, env: {} })).toBe(2);
    expect(err.text()).toMatch(/--tenant.*--client-id/);
  });

  it("polls the device code flow until signed in and writes a 0600 token cache that later runs use", async () => {
    const home = join(dir, "inproc");
    const env = { XDG_CONFIG_HOME: home, PARTNER_CENTER_AUTHORITY_HOST: idp.authorityHost };
    const out = sink();
    const err = sink();
    const polls = idp.stats.deviceCodeGrants;
    const code = await signIn(
      { tenant: TENANT, clientId: CLIENT },
      {
        stdout: out.stream,
        stderr: err.stream,
        env,
        networkClient: idp.networkClient,
      },
    );
    expect(err.text()).toMatch(
      new RegExp(`open the page ${idp.authorityHost}/devicelogin and enter the code \\w+`),
    );
    expect(code).toBe(0);
    const cacheFile = join(home, "mca-confirm", "token-cache.json");
    expect(out.text()).toBe(`Signed in as admin@partner.example. Token cache: ${cacheFile}\n`);
    expect(idp.stats.deviceCodeGrants - polls).toBe(3); // two pending answers, then tokens
    expect((await stat(cacheFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, "mca-confirm"))).mode & 0o777).toBe(0o700);

    const before = idp.stats.tokenRequests;
    const p = await resolveTokenProvider({
      env: { ...env, PARTNER_CENTER_CLIENT_ID: CLIENT, PARTNER_CENTER_TENANT_ID: TENANT },
      logger: silentLogger,
      networkClient: idp.networkClient,
    });
    expect(p.description).toContain("token cache");
    const token = await p.getToken();
    expect(idp.isValidAccessToken(token)).toBe(true);
    expect(idp.stats.tokenRequests).toBe(before); // the cached access token, no request
    const renewed = await p.renew();
    expect(renewed).not.toBe(token);
    expect(idp.stats.tokenRequests).toBe(before + 1);
    expect((await stat(cacheFile)).mode & 0o777).toBe(0o600);
  });

  it("says to run login when there is no cache", async () => {
    const err = await resolveTokenProvider({
      env: {
        XDG_CONFIG_HOME: join(dir, "empty"),
        PARTNER_CENTER_CLIENT_ID: CLIENT,
        PARTNER_CENTER_TENANT_ID: TENANT,
      },
      logger: silentLogger,
    }).catch((e) => e);
    expect(err.name).toBe("UsageError");
    expect(err.message).toMatch(/mca-confirm login/);
  });
});

describe("the token cache across separate processes", () => {
  // No tsx here: compile the auth module (and what it imports) with tsc into a directory inside the
  // project, so that node finds node_modules, and run a tiny .mjs driver in child processes.
  const out = join(process.cwd(), "node_modules", ".cache", "mca-confirm-auth-test");
  let caFile: string;
  beforeAll(async () => {
    await rm(out, { recursive: true, force: true });
    await run(
      "npx",
      [
        "tsc",
        "--outDir",
        out,
        "--rootDir",
        "src",
        "--module",
        "NodeNext",
        "--moduleResolution",
        "NodeNext",
        "--target",
        "ES2022",
        "--strict",
        "--skipLibCheck",
        "--types",
        "node",
        "src/auth/index.ts",
        "src/auth/login.ts",
      ],
      { timeout: 120_000 },
    );
    await writeFile(join(out, "package.json"), '{"type":"module"}');
    await writeFile(
      join(out, "driver.mjs"),
      `import { resolveTokenProvider } from "./auth/index.js";
import { parseArgs } from "node:util";
import { signIn } from "./auth/login.js";
import { silentLogger } from "./log.js";
if (process.argv[2] === "login") {
  const { values } = parseArgs({ args: process.argv.slice(3), options: { tenant: { type: "string" }, "client-id": { type: "string" } } });
  process.exitCode = await signIn({ tenant: values.tenant, clientId: values["client-id"] }, { stdout: process.stdout, stderr: process.stderr, env: process.env });
} else {
  const p = await resolveTokenProvider({ env: process.env, logger: silentLogger });
  process.stdout.write(JSON.stringify({ description: p.description, token: await p.getToken() }));
}
`,
    );
    caFile = join(dir, "ca.pem");
    await writeFile(caFile, idp.caCert);
  }, 180_000);
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("login in one process, then two later runs in others renew through the same cache", async () => {
    const home = join(dir, "xproc");
    await mkdir(home, { recursive: true });
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: home,
      NODE_EXTRA_CA_CERTS: caFile,
      PARTNER_CENTER_AUTHORITY_HOST: idp.authorityHost,
      PARTNER_CENTER_CLIENT_ID: CLIENT,
      PARTNER_CENTER_TENANT_ID: TENANT,
    };
    const driver = join(out, "driver.mjs");
    idp.setAccessTokenLifetime(1); // every later run must renew through the cached refresh token
    const login = await run(process.execPath, [driver, "login"], { env, timeout: 30_000 });
    expect(login.stdout).toMatch(/^Signed in as admin@partner\.example\. Token cache: /);
    expect(login.stderr).toMatch(/enter the code/);
    const cacheFile = join(home, "mca-confirm", "token-cache.json");
    const afterLogin = await readFile(cacheFile, "utf8");

    await new Promise((r) => setTimeout(r, 1_100));
    try {
      const tokens: string[] = [];
      for (let i = 0; i < 2; i++) {
        const before = idp.stats.refreshGrants;
        const r = await run(process.execPath, [driver], { env, timeout: 30_000 });
        const { description, token } = JSON.parse(r.stdout) as { description: string; token: string };
        expect(description).toContain(cacheFile);
        expect(idp.isValidAccessToken(token)).toBe(true);
        expect(idp.stats.refreshGrants).toBeGreaterThan(before);
        tokens.push(token);
      }
      expect(tokens[0]).not.toBe(tokens[1]);
      expect(await readFile(cacheFile, "utf8")).not.toBe(afterLogin); // rolled refresh token persisted
      expect((await stat(cacheFile)).mode & 0o777).toBe(0o600);
    } finally {
      idp.setAccessTokenLifetime(3600);
    }
  });
});
