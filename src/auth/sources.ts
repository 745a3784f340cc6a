import { existsSync } from "node:fs";
import {
  ConfidentialClientApplication,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type INetworkModule,
} from "@azure/msal-node";
import { UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import type { ProxySettings } from "../network/proxy.js";
import { fileCachePlugin } from "./cache-file.js";
import { describeIdentityError, isTransientIdentityError, type IdentityErrorContext } from "./describe.js";
import { msalConfiguration } from "./msal.js";
import { createHttpsNetworkClient, observeNetwork } from "./network.js";
import { RenewingTokenProvider, type AcquiredToken } from "./provider.js";
import { Secrets } from "./secrets.js";
import { SCOPES, SCOPES_WITH_REFRESH } from "./settings.js";

interface MsalSourceOptions {
  clientId: string;
  tenant: string;
  authorityHost: string;
  logger: Logger;
  networkClient?: INetworkModule;
  proxy?: ProxySettings;
  now: () => number;
  secrets: Secrets;
}

function toAcquired(result: AuthenticationResult | null): AcquiredToken {
  if (!result?.accessToken || !result.expiresOn)
    throw new Error("The sign-in service returned no access token");
  return { accessToken: result.accessToken, expiresOn: result.expiresOn.getTime() };
}

function renewing(
  options: MsalSourceOptions,
  source: IdentityErrorContext["source"],
  description: string,
  acquire: (force: boolean) => Promise<AcquiredToken>,
  network: ReturnType<typeof observeNetwork>,
) {
  const ctx: IdentityErrorContext = {
    source,
    authorityHost: options.authorityHost,
    network: network.observation,
  };
  return new RenewingTokenProvider({
    description,
    acquire: (force) => {
      network.reset();
      return acquire(force);
    },
    describe: (err) => describeIdentityError(err, ctx),
    isTransient: isTransientIdentityError,
    onToken: (token) => options.secrets.add(token),
    logger: options.logger,
    now: options.now,
  });
}

/** Source 2: a refresh token from the consent (Secure Application Model), renewed through MSAL's cache. */
export async function refreshTokenSource(
  options: MsalSourceOptions & { refreshToken: string; clientSecret?: string },
): Promise<RenewingTokenProvider> {
  const network = observeNetwork(options.networkClient ?? createHttpsNetworkClient({ proxy: options.proxy }));
  const config = msalConfiguration({
    ...options,
    network,
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
  });
  const app = options.clientSecret
    ? new ConfidentialClientApplication(config)
    : new PublicClientApplication(config);
  let account: AccountInfo | null = null;
  const acquire = async (force: boolean): Promise<AcquiredToken> => {
    if (account)
      return toAcquired(await app.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: force }));
    // forceCache keeps the answer (and the rolled refresh token) in MSAL's cache so acquireTokenSilent can renew.
    const result = await app.acquireTokenByRefreshToken({
      refreshToken: options.refreshToken,
      scopes: SCOPES_WITH_REFRESH,
      forceCache: true,
    });
    // Without an id_token MSAL cannot cache an account; then each renewal exchanges the original refresh token.
    account = result?.account ?? null;
    return toAcquired(result);
  };
  const kind = options.clientSecret ? "confidential app" : "public app";
  const provider = renewing(
    options,
    "refresh-token",
    `PARTNER_CENTER_REFRESH_TOKEN (${kind})`,
    acquire,
    network,
  );
  await provider.start();
  return provider;
}

/** Source 3: the token cache written by `mca-confirm login`. */
export async function cacheSource(
  options: MsalSourceOptions & { cacheFile: string },
): Promise<RenewingTokenProvider> {
  if (!existsSync(options.cacheFile)) {
    throw new UsageError(
      `No sign-in found: ${options.cacheFile} does not exist. Run \`mca-confirm login\` first (or set PARTNER_CENTER_ACCESS_TOKEN or PARTNER_CENTER_REFRESH_TOKEN).`,
    );
  }
  const network = observeNetwork(options.networkClient ?? createHttpsNetworkClient({ proxy: options.proxy }));
  const app = new PublicClientApplication(
    msalConfiguration({ ...options, network, cachePlugin: fileCachePlugin(options.cacheFile) }),
  );
  const accounts = await app.getAllAccounts();
  const tenant = options.tenant.toLowerCase();
  const account = accounts.find((account) => account.tenantId.toLowerCase() === tenant) ?? accounts[0];
  if (!account) {
    throw new UsageError(
      `The token cache ${options.cacheFile} holds no sign-in: run \`mca-confirm login\` again.`,
    );
  }
  const acquire = async (force: boolean) =>
    toAcquired(await app.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: force }));
  const provider = renewing(
    options,
    "cache",
    `token cache of mca-confirm login (${options.cacheFile})`,
    acquire,
    network,
  );
  await provider.start();
  return provider;
}
