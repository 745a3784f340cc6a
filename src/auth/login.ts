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

export const LOGIN_HELP = `Usage: mca-confirm login [--tenant <id>] [--client-id <id>] [--proxy <url>]

Signs in to Partner Center with a device code: prints an address and a code; open the address
in any browser (on any device), enter the code and sign in as a partner admin. The token cache
is then stored for later runs in
  $XDG_CONFIG_HOME/mca-confirm/token-cache.json   (default ~/.config/mca-confirm/token-cache.json)
  %LOCALAPPDATA%\\mca-confirm\\token-cache.json     (on Windows)
readable by you only (file mode 0600 where the system has modes). It holds a refresh token: treat it like a password.

Options:
  --tenant <id>      the partner tenant ID or primary domain   (default: $${ENV.tenantId})
  --client-id <id>   application (client) ID of an app registration that allows public
                     client flows and has the Partner Center API permission user_impersonation
                                                               (default: $${ENV.clientId})
  --proxy <url>      proxy for the sign-in calls, e.g. http://user:password@proxy:8080
                                          (default: HTTPS_PROXY or HTTP_PROXY; NO_PROXY applies)
  -h, --help         show this help

Later runs use the cache when ${ENV.clientId} and ${ENV.tenantId} are set to the same values
and neither ${ENV.accessToken} nor ${ENV.refreshToken} is set.
${ENV.authorityHost} (default https://login.microsoftonline.com) points at another sign-in service.
Exit codes: 0 signed in, 1 sign-in failed, 2 usage or configuration problem.
`;

interface LoginArgs {
  tenant?: string;
  clientId?: string;
  proxy?: string;
  help: boolean;
}

function parseArgs(args: string[]): LoginArgs {
  const out: LoginArgs = { help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") {
      out.help = true;
      continue;
    }
    const option = /^--(tenant|client-id|proxy)(?:=(.*))?$/.exec(arg);
    if (!option)
      throw new UsageError(`Unknown argument "${arg}" for login; see \`mca-confirm login --help\`.`);
    const value = option[2] ?? args[++i];
    if (!value || value.startsWith("--")) throw new UsageError(`--${option[1]} needs a value.`);
    if (option[1] === "tenant") out.tenant = value.trim();
    else if (option[1] === "proxy") out.proxy = value.trim();
    else out.clientId = value.trim();
  }
  return out;
}

/** `mca-confirm login`: device-code sign-in; the MSAL token cache lands in a 0600 file. */
export async function loginCommand(
  args: string[],
  io: {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
    env: NodeJS.ProcessEnv;
    networkClient?: INetworkModule;
  },
): Promise<number> {
  let parsed: LoginArgs;
  let setup: { tenant: string; clientId: string; authorityHost: string; cacheFile: string };
  let proxy: ProxySettings;
  try {
    parsed = parseArgs(args);
    if (parsed.help) {
      io.stdout.write(LOGIN_HELP);
      return 0;
    }
    const tenant = parsed.tenant || envValue(io.env, ENV.tenantId);
    const clientId = parsed.clientId || envValue(io.env, ENV.clientId);
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
    proxy = ProxySettings.from(io.env, parsed.proxy);
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
