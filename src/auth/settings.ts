import { homedir } from "node:os";
import { posix, win32 } from "node:path";
import { UsageError } from "../errors.js";

/** The delegated (app + user) permission of the Partner Center API (docs/partner-center-api.md "Authentication"). */
export const PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation";
/** Asking for offline_access as well makes the identity platform hand back a (rolling) refresh token. */
export const SCOPES_WITH_REFRESH = [PARTNER_CENTER_SCOPE, "offline_access"];
export const SCOPES = [PARTNER_CENTER_SCOPE];
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

export const ENV = {
  accessToken: "PARTNER_CENTER_ACCESS_TOKEN",
  refreshToken: "PARTNER_CENTER_REFRESH_TOKEN",
  clientId: "PARTNER_CENTER_CLIENT_ID",
  tenantId: "PARTNER_CENTER_TENANT_ID",
  clientSecret: "PARTNER_CENTER_CLIENT_SECRET",
  authorityHost: "PARTNER_CENTER_AUTHORITY_HOST",
} as const;

/** Trimmed value of a variable, or undefined when unset or blank. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** `PARTNER_CENTER_AUTHORITY_HOST` as an https origin (MSAL only accepts https authorities). */
export function authorityHostFrom(env: NodeJS.ProcessEnv): string {
  const raw = envValue(env, ENV.authorityHost) ?? DEFAULT_AUTHORITY_HOST;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${ENV.authorityHost} is not an address: use e.g. ${DEFAULT_AUTHORITY_HOST}.`);
  }
  if (
    url.protocol !== "https:" ||
    (url.pathname !== "/" && url.pathname !== "") ||
    url.search ||
    url.username
  ) {
    throw new UsageError(
      `${ENV.authorityHost} must be an https:// host with no path, e.g. ${DEFAULT_AUTHORITY_HOST}.`,
    );
  }
  return url.origin;
}

/** A tenant ID or domain, or a client ID: one path-safe word. */
export function checkIdentifier(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.\-_]*$/.test(value))
    throw new UsageError(`${what} "${value}" is not a valid ID.`);
  return value;
}

/**
 * Where `mca-confirm login` keeps the MSAL token cache: on Windows %LOCALAPPDATA%\mca-confirm (the
 * local profile, as Azure's own tools keep theirs: a refresh token must not roam with the profile
 * to other machines), elsewhere $XDG_CONFIG_HOME/mca-confirm or ~/.config/mca-confirm.
 */
export function cacheFilePath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32")
    return win32.join(windowsFolder(env, "LOCALAPPDATA", "Local"), "mca-confirm", "token-cache.json");
  const xdg = env.XDG_CONFIG_HOME?.trim();
  const base = xdg && xdg.startsWith("/") ? xdg : posix.join(env.HOME?.trim() || homedir(), ".config");
  return posix.join(base, "mca-confirm", "token-cache.json");
}

/** Where earlier versions kept the cache on Windows (%APPDATA%, the roaming profile); undefined elsewhere. */
export function roamingCacheFilePath(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform !== "win32") return undefined;
  return win32.join(windowsFolder(env, "APPDATA", "Roaming"), "mca-confirm", "token-cache.json");
}

/** %LOCALAPPDATA% or %APPDATA% when absolute, else the profile's AppData\Local or AppData\Roaming. */
function windowsFolder(env: NodeJS.ProcessEnv, name: "LOCALAPPDATA" | "APPDATA", under: string): string {
  const value = env[name]?.trim();
  return value && win32.isAbsolute(value)
    ? value
    : win32.join(env.USERPROFILE?.trim() || homedir(), "AppData", under);
}
