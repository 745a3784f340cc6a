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
import { fileCachePlugin } from "./cache-file.js";
import { describeIdentityError, isTransientIdentityError, type IdentityErrorContext } from "./describe.js";
import { msalConfiguration } from "./msal.js";
import { createHttpsNetworkClient, observeNetwork } from "./network.js";
import { RenewingTokenProvider, type AcquiredToken } from "./provider.js";
import { Secrets } from "./secrets.js";
import { SCOPES, SCOPES_WITH_REFRESH } from "./settings.js";

export interface MsalSourceOptions {
  clientId: string;
  tenant: string;
  authorityHost: string;
  logger: Logger;
  networkClient?: INetworkModule;
  now: () => number;
  secrets: Secrets;
}

function toAcquired(r: AuthenticationResult | null): AcquiredToken {
  if (!r?.accessToken || !r.expiresOn) throw new Error("The sign-in service returned no access token");
  return { accessToken: r.accessToken, expiresOn: r.expiresOn.getTime() };
}

function renewing(
  o: MsalSourceOptions,
  source: IdentityErrorContext["source"],
  description: string,
  acquire: (force: boolean) => Promise<AcquiredToken>,
  network: ReturnType<typeof observeNetwork>,
) {
  const ctx: IdentityErrorContext = { source, authorityHost: o.authorityHost, network: network.observation };
  return new RenewingTokenProvider({
    description,
    acquire: (force) => {
      network.reset();
      return acquire(force);
    },
    describe: (err) => describeIdentityError(err, ctx),
    isTransient: isTransientIdentityError,
    onToken: (t) => o.secrets.add(t),
    logger: o.logger,
    now: o.now,
  });
}

/** Source 2: a refresh token from the consent (Secure Application Model), renewed through MSAL's cache. */
export async function refreshTokenSource(
  o: MsalSourceOptions & { refreshToken: string; clientSecret?: string },
): Promise<RenewingTokenProvider> {
  const network = observeNetwork(o.networkClient ?? createHttpsNetworkClient());
  const config = msalConfiguration({
    ...o,
    network,
    ...(o.clientSecret ? { clientSecret: o.clientSecret } : {}),
  });
  const app = o.clientSecret
    ? new ConfidentialClientApplication(config)
    : new PublicClientApplication(config);
  let account: AccountInfo | null = null;
  const acquire = async (force: boolean): Promise<AcquiredToken> => {
    if (account)
      return toAcquired(await app.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: force }));
    // forceCache keeps the answer (and the rolled refresh token) in MSAL's cache so acquireTokenSilent can renew.
    const r = await app.acquireTokenByRefreshToken({
      refreshToken: o.refreshToken,
      scopes: SCOPES_WITH_REFRESH,
      forceCache: true,
    });
    // Without an id_token MSAL cannot cache an account; then each renewal exchanges the original refresh token.
    account = r?.account ?? null;
    return toAcquired(r);
  };
  const kind = o.clientSecret ? "confidential app" : "public app";
  const p = renewing(o, "refresh-token", `PARTNER_CENTER_REFRESH_TOKEN (${kind})`, acquire, network);
  await p.start();
  return p;
}

/** Source 3: the token cache written by `mca-confirm login`. */
export async function cacheSource(
  o: MsalSourceOptions & { cacheFile: string },
): Promise<RenewingTokenProvider> {
  if (!existsSync(o.cacheFile)) {
    throw new UsageError(
      `No sign-in found: ${o.cacheFile} does not exist. Run \`mca-confirm login\` first (or set PARTNER_CENTER_ACCESS_TOKEN or PARTNER_CENTER_REFRESH_TOKEN).`,
    );
  }
  const network = observeNetwork(o.networkClient ?? createHttpsNetworkClient());
  const app = new PublicClientApplication(
    msalConfiguration({ ...o, network, cachePlugin: fileCachePlugin(o.cacheFile) }),
  );
  const accounts = await app.getAllAccounts();
  const tenant = o.tenant.toLowerCase();
  const account = accounts.find((a) => a.tenantId.toLowerCase() === tenant) ?? accounts[0];
  if (!account) {
    throw new UsageError(`The token cache ${o.cacheFile} holds no sign-in: run \`mca-confirm login\` again.`);
  }
  const acquire = async (force: boolean) =>
    toAcquired(await app.acquireTokenSilent({ account, scopes: SCOPES, forceRefresh: force }));
  const p = renewing(o, "cache", `token cache of mca-confirm login (${o.cacheFile})`, acquire, network);
  await p.start();
  return p;
}
