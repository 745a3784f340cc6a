import { LogLevel, type Configuration, type ICachePlugin, type INetworkModule } from "@azure/msal-node";
import type { Logger } from "../log.js";
import type { Secrets } from "./secrets.js";

interface MsalSetup {
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
export function msalConfiguration(setup: MsalSetup): Configuration {
  const level = setup.logger.isLevelEnabled("trace")
    ? LogLevel.Verbose
    : setup.logger.isLevelEnabled("debug")
      ? LogLevel.Info
      : LogLevel.Warning;
  return {
    auth: {
      clientId: setup.clientId,
      authority: `${setup.authorityHost}/${setup.tenant}`,
      knownAuthorities: [setup.authorityHost],
      ...(setup.clientSecret ? { clientSecret: setup.clientSecret } : {}),
    },
    ...(setup.cachePlugin ? { cache: { cachePlugin: setup.cachePlugin } } : {}),
    system: {
      networkClient: setup.network,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: level,
        // MSAL's lines are never logged raw: PII-flagged ones are dropped, the rest scrubbed of token-like text.
        loggerCallback: (lvl, message, containsPii) => {
          if (containsPii) return;
          const msg = setup.secrets.scrub(message).slice(0, 500);
          if (lvl <= LogLevel.Warning) setup.logger.debug({ msal: msg }, "msal warning");
          else setup.logger.trace({ msal: msg }, "msal");
        },
      },
    },
  };
}
