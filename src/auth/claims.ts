// What the access token says about itself, read before the first request and again for every
// token a renewal brings (docs/partner-center-api.md "The token pre-flight"). Only read, never
// verified (the API verifies the token); a token that is not a JWT (an opaque test token)
// skips the check and has no tenant or user to show.
import { RunStoppedError, UsageError } from "../errors.js";
import type { TokenProvider } from "./types.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Partner Center's API as a token names it: its resource URI (v1 tokens) or its app id (v2). */
const PARTNER_CENTER_AUDIENCES: readonly string[] = [
  "https://api.partnercenter.microsoft.com",
  "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd",
];

const LOGIN = "`mca-confirm login`";

/** The payload of a JWT, or undefined when the token is not one. */
function claimsOf(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return claims && typeof claims === "object" && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A claim's text fit for a message: no control characters, not too long. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").slice(0, 120);
}

/** The `tid` claim of a JWT access token when it is a GUID; otherwise undefined. */
export function tenantIdOfToken(token: string): string | undefined {
  const tid = claimsOf(token)?.tid;
  return typeof tid === "string" && GUID.test(tid) ? tid.toLowerCase() : undefined;
}

/** The signed-in user's name: `upn` (v1 tokens), else `preferred_username` or `unique_name`. */
export function userOfToken(token: string): string | undefined {
  const claims = claimsOf(token);
  const name = [claims?.upn, claims?.preferred_username, claims?.unique_name].find(
    (value) => typeof value === "string" && value.trim() !== "",
  );
  return typeof name === "string" ? shown(name.trim()) : undefined;
}

function audienceProblem(claims: Record<string, unknown>, source: string): string | undefined {
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).map((aud) =>
    typeof aud === "string" ? aud.trim().replace(/\/+$/, "").toLowerCase() : "",
  );
  if (audiences.some((aud) => PARTNER_CENTER_AUDIENCES.includes(aud))) return undefined;
  return (
    `The access token from ${source} is for "${shown(claims.aud)}", not for Partner Center's API ` +
    `(${PARTNER_CENTER_AUDIENCES[0]}); Partner Center refuses it (900420). Get a token for the scope ` +
    `${PARTNER_CENTER_AUDIENCES[0]}/user_impersonation: sign in with ${LOGIN}, or use a refresh token ` +
    `consented for Partner Center (PARTNER_CENTER_REFRESH_TOKEN).`
  );
}

function userProblem(claims: Record<string, unknown>, source: string): string | undefined {
  if (typeof claims.scp !== "string" || claims.scp.trim() === "") {
    const kind = claims.idtyp === "app" || claims.roles !== undefined ? " (it carries an app's roles)" : "";
    return (
      `The access token from ${source} is an App-only token${kind}: it names no signed-in user (no scp). ` +
      `Confirming an agreement needs an App+User token: sign in as a user of the partner tenant with ${LOGIN}, ` +
      `or use PARTNER_CENTER_REFRESH_TOKEN from the app's consent (Secure Application Model).`
    );
  }
  // App+User tokens carry the sign-in methods in amr (docs/partner-center-api.md "The token pre-flight"); one
  // without it shows no MFA, and Partner Center would refuse every call with 900421.
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  if (amr.includes("mfa")) return undefined;
  const methods = amr.length > 0 ? `amr: ${shown(amr.join(","))}` : "no amr claim";
  return (
    `The access token from ${source} was signed in without multi-factor authentication (${methods}). ` +
    `Since April 1, 2026 Partner Center requires MFA for every App+User call (900421): sign in again with MFA, ` +
    `with ${LOGIN} (or a new consent for PARTNER_CENTER_REFRESH_TOKEN) as a user whose sign-in asks for MFA.`
  );
}

function expiryProblem(claims: Record<string, unknown>, source: string, now: number): string | undefined {
  if (typeof claims.exp !== "number" || claims.exp * 1000 > now) return undefined;
  return (
    `The access token from ${source} expired at ${new Date(claims.exp * 1000).toISOString()} and cannot be renewed: ` +
    `set a new one, or let the tool renew its own (PARTNER_CENTER_REFRESH_TOKEN, or ${LOGIN}).`
  );
}

/**
 * Why Partner Center would refuse every call made with `token`, or undefined: another audience,
 * an App-only token, an App+User token without MFA, or (when it cannot be renewed) an expired
 * one. A token that is not a JWT, or names no audience, is not checked.
 */
export function tokenProblem(
  token: string,
  options: { readonly now: number; readonly canRenew: boolean; readonly source: string },
): string | undefined {
  const claims = claimsOf(token);
  // Without an audience it is no Entra ID access token, whatever its shape: not judged either.
  if (!claims || claims.aud === undefined) return undefined;
  return (
    audienceProblem(claims, options.source) ??
    userProblem(claims, options.source) ??
    (options.canRenew ? undefined : expiryProblem(claims, options.source, options.now))
  );
}

/** Who the run acts as, from its first token: the partner tenant and the user (never the token). */
export interface SignedIn {
  readonly tenantId?: string;
  readonly user?: string;
}

interface CheckedOptions {
  readonly now: () => number;
  /** A renewed token is refused mid-run: the run stops with this message (before the error is thrown). */
  readonly onRefused?: (message: string) => void;
}

/**
 * `provider`, with every new token it hands out checked (tokenProblem) and the first one's tenant
 * and user noted. The first token refused is a UsageError (nothing was sent: exit 2); a renewed
 * one refused stops the run (auth-failed).
 */
export function withCheckedToken(provider: TokenProvider, options: CheckedOptions): TokenProvider & SignedIn {
  let checked: string | undefined;
  let signedIn: SignedIn = {};
  const check = (token: string) => {
    if (token === checked) return token;
    const problem = tokenProblem(token, {
      now: options.now(),
      canRenew: provider.canRenew !== false,
      source: provider.description,
    });
    if (problem !== undefined) {
      if (checked === undefined) throw new UsageError(problem);
      options.onRefused?.(problem);
      throw new RunStoppedError(problem, "auth-failed");
    }
    if (checked === undefined) signedIn = { tenantId: tenantIdOfToken(token), user: userOfToken(token) };
    checked = token;
    return token;
  };
  return {
    description: provider.description,
    canRenew: provider.canRenew,
    getToken: () => provider.getToken().then(check),
    renew: () => provider.renew().then((token) => (token === undefined ? undefined : check(token))),
    get tenantId() {
      return signedIn.tenantId;
    },
    get user() {
      return signedIn.user;
    },
  };
}
