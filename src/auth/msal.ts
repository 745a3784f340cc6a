import { LogLevel, type Configuration, type ICachePlugin, type INetworkModule } from "@azure/msal-node";
import type { Logger } from "../log.js";
import type { Secrets } from "./secrets.js";

export interface MsalSetup {
  clientId: string;
  tenant: string;
  /** https origin, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  clientSecret?: string;
  network: INetworkModule;
  logger: Logger;
  secrets: Secrets;
  cachePlugin?: ICachePlugin;
}

/**
 * MSAL configuration. The authority host is listed in `knownAuthorities`: msal-common then builds the
 * cloud discovery metadata from that host itself (Authority.getCloudDiscoveryMetadataFromConfig) instead
 * of asking login.microsoftonline.com's instance-discovery endpoint, and accepts an issuer on that host;
 * endpoints come from `${authority}/v2.0/.well-known/openid-configuration` (hard-coded for Microsoft's hosts).
 */
export function msalConfiguration(s: MsalSetup): Configuration {
  const level = s.logger.isLevelEnabled("trace")
    ? LogLevel.Verbose
    : s.logger.isLevelEnabled("debug")
      ? LogLevel.Info
      : LogLevel.Warning;
  return {
    auth: {
      clientId: s.clientId,
      authority: `${s.authorityHost}/${s.tenant}`,
      knownAuthorities: [s.authorityHost],
      ...(s.clientSecret ? { clientSecret: s.clientSecret } : {}),
    },
    ...(s.cachePlugin ? { cache: { cachePlugin: s.cachePlugin } } : {}),
    system: {
      networkClient: s.network,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: level,
        // MSAL's lines are never logged raw: PII-flagged ones are dropped, the rest scrubbed of token-like text.
        loggerCallback: (lvl, message, containsPii) => {
          if (containsPii) return;
          const msg = s.secrets.scrub(message).slice(0, 500);
          if (lvl <= LogLevel.Warning) s.logger.debug({ msal: msg }, "msal warning");
          else s.logger.trace({ msal: msg }, "msal");
        },
      },
    },
  };
}
