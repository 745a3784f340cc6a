import { PublicClientApplication, type INetworkModule } from "@azure/msal-node";
import { UsageError } from "../errors.js";
import { silentLogger } from "../log.js";
import { ProxySettings } from "../network/proxy.js";
import { fileCachePlugin, moveRoamingCache } from "./cache-file.js";
import { describeIdentityError } from "./describe.js";
import { msalConfiguration } from "./msal.js";
import { createHttpsNetworkClient, observeNetwork } from "./network.js";
import { Secrets } from "./secrets.js";
import {
  authorityHostFrom,
  cacheFilePath,
  checkIdentifier,
  ENV,
  envValue,
  roamingCacheFilePath,
  SCOPES_WITH_REFRESH,
} from "./settings.js";

/** The options of `mca-confirm login`, as commands/login.ts parsed them (its spec is the help). */
interface LoginOptions {
  readonly tenant?: string;
  readonly clientId?: string;
  readonly proxy?: string;
}

/** `mca-confirm login`: device-code sign-in; the MSAL token cache lands in a 0600 file. */
export async function signIn(
  options: LoginOptions,
  io: {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
    env: NodeJS.ProcessEnv;
    networkClient?: INetworkModule;
  },
): Promise<number> {
  let setup: { tenant: string; clientId: string; authorityHost: string; cacheFile: string };
  let proxy: ProxySettings;
  try {
    const tenant = options.tenant?.trim() || envValue(io.env, ENV.tenantId);
    const clientId = options.clientId?.trim() || envValue(io.env, ENV.clientId);
    if (!tenant || !clientId) {
      const missing = [
        !tenant && `--tenant (or ${ENV.tenantId})`,
        !clientId && `--client-id (or ${ENV.clientId})`,
      ]
        .filter(Boolean)
        .join(" and ");
      throw new UsageError(`login needs ${missing}; see \`mca-confirm login --help\`.`);
    }
    setup = {
      tenant: checkIdentifier(tenant, "--tenant"),
      clientId: checkIdentifier(clientId, "--client-id"),
      authorityHost: authorityHostFrom(io.env),
      cacheFile: cacheFilePath(io.env),
    };
    proxy = ProxySettings.from(io.env, options.proxy?.trim());
  } catch (err) {
    io.stderr.write(`mca-confirm: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  // An earlier version's cache in the roaming profile moves to the local one, once, said once.
  const moved = await moveRoamingCache(roamingCacheFilePath(io.env), setup.cacheFile);
  if (moved) io.stderr.write(`mca-confirm: ${moved}\n`);
  const network = observeNetwork(io.networkClient ?? createHttpsNetworkClient({ proxy }));
  const app = new PublicClientApplication(
    msalConfiguration({
      ...setup,
      network,
      logger: silentLogger,
      secrets: new Secrets(),
      cachePlugin: fileCachePlugin(setup.cacheFile),
    }),
  );
  try {
    const result = await app.acquireTokenByDeviceCode({
      scopes: SCOPES_WITH_REFRESH,
      // The message from the identity platform names the address to open and the code to enter.
      deviceCodeCallback: (deviceCode) => {
        io.stderr.write(`${deviceCode.message}\n`);
      },
    });
    if (!result?.account) throw new Error("The sign-in returned no account");
    io.stdout.write(
      `Signed in as ${result.account.username || result.account.name || "(unnamed account)"}. Token cache: ${setup.cacheFile}\n`,
    );
    return 0;
  } catch (err) {
    io.stderr.write(
      `mca-confirm: ${describeIdentityError(err, { source: "login", authorityHost: setup.authorityHost, network: network.observation })}\n`,
    );
    return err instanceof UsageError ? 2 : 1;
  }
}
