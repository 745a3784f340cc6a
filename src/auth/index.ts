import type { INetworkModule } from "@azure/msal-node";
import { UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import type { ProxySettings } from "../network/proxy.js";
import { staticTokenProvider } from "./provider.js";
import { Secrets } from "./secrets.js";
import { moveRoamingCache } from "./cache-file.js";
import {
  authorityHostFrom,
  cacheFilePath,
  checkIdentifier,
  ENV,
  envValue,
  roamingCacheFilePath,
} from "./settings.js";
import type { TokenProvider } from "./types.js";

export type { TokenProvider } from "./types.js";
export { cacheFilePath, PARTNER_CENTER_SCOPE } from "./settings.js";

interface AuthOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** MSAL's network module; tests and the demo hand in one that trusts the identity simulator. */
  networkClient?: INetworkModule;
  /** Proxy for the sign-in calls, the same as for the API calls. */
  proxy?: ProxySettings;
  now?: () => number;
}

const NOTHING_CONFIGURED =
  "No Partner Center sign-in is configured. Set one of:\n" +
  `  ${ENV.accessToken}                 a bearer token, used as is (no renewal)\n` +
  `  ${ENV.refreshToken} with ${ENV.clientId} and ${ENV.tenantId} (and ${ENV.clientSecret} for a confidential app)\n` +
  `  ${ENV.clientId} and ${ENV.tenantId} after signing in once with \`mca-confirm login\`\n` +
  `${ENV.authorityHost} (default https://login.microsoftonline.com) points at another sign-in service.`;

/**
 * The token source of the contract, in its order: access token, refresh token, `login` cache.
 * Sources that sign in do so now, so a refused sign-in is a UsageError before any request is sent.
 */
export async function resolveTokenProvider(options: AuthOptions): Promise<TokenProvider> {
  const env = options.env;
  const accessToken = envValue(env, ENV.accessToken);
  if (accessToken) {
    const token = accessToken.replace(/^Bearer\s+/i, "");
    if (/\s/.test(token))
      throw new UsageError(`${ENV.accessToken} must be the token alone, with no spaces or line breaks.`);
    options.logger.info({ source: ENV.accessToken }, "using a static access token (no renewal)");
    return staticTokenProvider(token, ENV.accessToken);
  }
  const refreshToken = envValue(env, ENV.refreshToken);
  const clientId = envValue(env, ENV.clientId);
  const tenant = envValue(env, ENV.tenantId);
  if (refreshToken && (!clientId || !tenant)) {
    const missing = [!clientId && ENV.clientId, !tenant && ENV.tenantId].filter(Boolean).join(" and ");
    throw new UsageError(`${ENV.refreshToken} is set but ${missing} is not: set ${missing} as well.`);
  }
  if (!clientId || !tenant) throw new UsageError(NOTHING_CONFIGURED);
  const secrets = new Secrets();
  const clientSecret = envValue(env, ENV.clientSecret);
  secrets.add(refreshToken, clientSecret);
  const common = {
    clientId: checkIdentifier(clientId, ENV.clientId),
    tenant: checkIdentifier(tenant, ENV.tenantId),
    authorityHost: authorityHostFrom(env),
    logger: options.logger,
    now: options.now ?? Date.now,
    secrets,
    ...(options.networkClient ? { networkClient: options.networkClient } : {}),
    ...(options.proxy ? { proxy: options.proxy } : {}),
  };
  // MSAL is loaded only for the sources that sign in with it: it is about 17 MB of memory that a
  // run with an access token would hold for nothing (docs/performance.md, the 1M-row peak).
  const { cacheSource, refreshTokenSource } = await import("./sources.js");
  if (refreshToken)
    return refreshTokenSource({ ...common, refreshToken, ...(clientSecret ? { clientSecret } : {}) });
  const cacheFile = cacheFilePath(env);
  // An earlier version's cache in the roaming profile moves to the local one, once, said once.
  const moved = await moveRoamingCache(roamingCacheFilePath(env), cacheFile);
  if (moved) {
    options.logger.warn({ event: "token-cache-moved", message: moved });
    process.stderr.write(`mca-confirm: ${moved}\n`);
  }
  return cacheSource({ ...common, cacheFile });
}
