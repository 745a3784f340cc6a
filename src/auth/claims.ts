// The partner tenant a run acted for, for the audit report: the `tid` claim of the access
// token. Only read, never verified (the API verifies the token); a token that is not a JWT
// (an opaque test token) simply has no tenant to show.
import type { TokenProvider } from "./types.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `tid` claim of a JWT access token when it is a GUID; otherwise undefined. */
export function tenantIdOfToken(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { tid?: unknown };
    return typeof claims.tid === "string" && GUID.test(claims.tid) ? claims.tid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** `provider`, noting the tenant of the first token it hands out that names one. */
export function withTenantClaim(provider: TokenProvider): TokenProvider & { readonly tenantId?: string } {
  let tenantId: string | undefined;
  const note = (token: string) => {
    tenantId ??= tenantIdOfToken(token);
    return token;
  };
  return {
    description: provider.description,
    getToken: () => provider.getToken().then(note),
    renew: () => provider.renew().then((token) => (token === undefined ? undefined : note(token))),
    get tenantId() {
      return tenantId;
    },
  };
}
