// A stand-in for the Microsoft identity platform (v2.0 endpoints) over HTTPS on loopback, with a
// throwaway self-signed certificate: enough for msal-node's own code to run discovery, the refresh
// token grant and the device code flow against it. Used by the tests and by `demo --auth refresh-token`.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { INetworkModule } from "@azure/msal-node";
import { createHttpsNetworkClient } from "../auth/network.js";
import { throwawayCertificate } from "./certificate.js";

interface IdentityUser {
  username: string;
  name: string;
  /** object ID (GUID) */
  oid: string;
}

interface IdentityServerOptions {
  /** `expires_in` of issued access tokens; AAD's is about an hour. Default 3600. */
  accessTokenLifetimeSeconds?: number;
  /** Device code polls answered `authorization_pending` before tokens are issued. Default 1. */
  deviceCodePendingPolls?: number;
  /** `interval` of the device code answer, in seconds (msal-node waits interval × 1000 ms). Default 1. */
  deviceCodeIntervalSeconds?: number;
  /** Known tenants (IDs or domains); others get AADSTS90002. Default: any. */
  tenants?: string[];
  /** Known application IDs; others get AADSTS700016. Default: any. */
  clientIds?: string[];
  /** When set, a request carrying another client_secret gets AADSTS7000215. */
  clientSecret?: string;
  user?: IdentityUser;
  /**
   * The name the server calls itself in its addresses and certificate (default 127.0.0.1); it still
   * listens on 127.0.0.1 only, so another name is reachable through a test's proxy alone.
   */
  hostName?: string;
  now?: () => number;
  /**
   * Claims laid over those of every access token issued (a v1 Partner Center token: aud, scp
   * user_impersonation, amr with mfa, tid, upn); a claim set to undefined is left out. Tests
   * use it to get a token of another audience, without MFA or App-only.
   */
  accessTokenClaims?: Record<string, unknown>;
}

/** Canned AAD refusals; or give the answer yourself. */
type IdentityErrorKind =
  | "refresh-token-expired" // invalid_grant AADSTS700082
  | "invalid-client-secret" // invalid_client AADSTS7000215
  | "app-not-found" // unauthorized_client AADSTS700016
  | "tenant-not-found" // invalid_request AADSTS90002
  | "mfa-required" // invalid_grant AADSTS50076
  | "mfa-enrollment-required" // invalid_grant AADSTS50079
  | "consent-required" // invalid_grant AADSTS65001
  | "unavailable"; // 503 temporarily_unavailable

interface AadErrorAnswer {
  status: number;
  error: string;
  description: string;
  code: number;
  suberror?: string;
}

interface IdentityStats {
  /** POSTs to the token endpoint, whatever the grant and outcome. */
  tokenRequests: number;
  refreshGrants: number;
  /** Device code polls of the token endpoint (pending ones included). */
  deviceCodeGrants: number;
  discoveryRequests: number;
  accessTokensIssued: number;
}

export interface IdentityServer {
  /** e.g. https://127.0.0.1:43121 — use as PARTNER_CENTER_AUTHORITY_HOST */
  readonly authorityHost: string;
  /** PEM of the throwaway certificate; write it to a file for NODE_EXTRA_CA_CERTS in child processes. */
  readonly caCert: string;
  /** An MSAL network module that trusts caCert and only talks to this server. */
  readonly networkClient: INetworkModule;
  readonly stats: IdentityStats;
  /** True for an access token this server issued that has not expired (nor been revoked). */
  isValidAccessToken(token: string): boolean;
  /** A refresh token as the one-time consent would have produced it. */
  issueRefreshToken(): string;
  /** Refuse the next `times` token requests (default: all, until cleared with undefined). */
  setError(error: IdentityErrorKind | AadErrorAnswer | undefined, options?: { times?: number }): void;
  setAccessTokenLifetime(seconds: number): void;
  /** From now on, lay these claims over those of issued access tokens (see accessTokenClaims). */
  setAccessTokenClaims(claims: Record<string, unknown> | undefined): void;
  /** Make every issued access token invalid (as if revoked), e.g. to provoke a 401. */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const CANNED: Record<IdentityErrorKind, AadErrorAnswer> = {
  "refresh-token-expired": {
    status: 400,
    error: "invalid_grant",
    code: 700082,
    description:
      "The refresh token has expired due to inactivity. The token was issued on 2024-01-01T00:00:00Z and was inactive for 90.00:00:00.",
  },
  "invalid-client-secret": {
    status: 401,
    error: "invalid_client",
    code: 7000215,
    description:
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
  },
  "app-not-found": {
    status: 400,
    error: "unauthorized_client",
    code: 700016,
    description:
      "Application with identifier was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant.",
  },
  "tenant-not-found": {
    status: 400,
    error: "invalid_request",
    code: 90002,
    description:
      "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
  },
  "mfa-required": {
    status: 400,
    error: "invalid_grant",
    code: 50076,
    suberror: "basic_action",
    description:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
  },
  "mfa-enrollment-required": {
    status: 400,
    error: "invalid_grant",
    code: 50079,
    suberror: "basic_action",
    description:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access the resource.",
  },
  "consent-required": {
    status: 400,
    error: "invalid_grant",
    code: 65001,
    suberror: "consent_required",
    description:
      "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.",
  },
  unavailable: {
    status: 503,
    error: "temporarily_unavailable",
    code: 90033,
    description: "A transient error has occurred. Please try again.",
  },
};

const DEFAULT_USER: IdentityUser = {
  username: "admin@partner.example",
  name: "Partner Admin",
  oid: "6f1f0e5e-4a0b-4c55-9d1e-2a6f3c1b7e01",
};
/** The tenant GUID used in tokens when the authority names a domain rather than an ID. */
const DEFAULT_TENANT_ID = "9a1c3f5e-0b2d-4e6f-8a1c-3f5e0b2d4e6f";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);
/** Bounds on what the server remembers, so a long demo cannot grow it without limit. */
const MAX_REMEMBERED = 10_000;
const MAX_BODY = 64 * 1024;

const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");
const secret = (prefix: string) => `${prefix}.${randomBytes(32).toString("base64url")}`;
/** An unsigned JWT of these claims; the API simulator and MSAL read, never verify, its signature. */
const unsignedJwt = (claims: Record<string, unknown>) =>
  `${b64url(JSON.stringify({ typ: "JWT", alg: "RS256", kid: "sim" }))}.${b64url(JSON.stringify(claims))}.${randomBytes(16).toString("base64url")}`;

/**
 * An access token as Partner Center's API expects it (docs/partner-center-api.md "The token
 * pre-flight"): a v1 App+User token for its audience, signed in with MFA.
 */
function accessTokenFor(state: IdentityState, tid: string, issuedAt: number): string {
  const iat = Math.floor(issuedAt / 1000);
  const claims: Record<string, unknown> = {
    aud: "https://api.partnercenter.microsoft.com",
    iss: `https://sts.windows.net/${tid}/`,
    iat,
    nbf: iat,
    exp: Math.ceil((issuedAt + state.lifetimeSeconds * 1000) / 1000),
    amr: ["pwd", "mfa"],
    scp: "user_impersonation",
    upn: state.user.username,
    name: state.user.name,
    oid: state.user.oid,
    tid,
    ver: "1.0",
    ...state.accessTokenClaims,
  };
  return unsignedJwt(claims);
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as K);
}

/** What one identity server knows and remembers; every handler below works on it. */
interface IdentityState {
  readonly options: IdentityServerOptions;
  readonly now: () => number;
  readonly user: IdentityUser;
  lifetimeSeconds: number;
  accessTokenClaims: Record<string, unknown> | undefined;
  /** The refusal set with setError, and how many more token requests get it. */
  error: { answer: AadErrorAnswer; times: number } | undefined;
  /** token → expiry (epoch ms) */
  readonly accessTokens: Map<string, number>;
  readonly refreshTokens: Map<string, { oid: string }>;
  readonly deviceCodes: Map<string, { pendingLeft: number; expires: number }>;
  readonly stats: IdentityStats;
  /** Known once the server listens, e.g. https://127.0.0.1:43121. */
  origin: string;
}

function createState(options: IdentityServerOptions): IdentityState {
  return {
    options,
    now: options.now ?? Date.now,
    user: options.user ?? DEFAULT_USER,
    lifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
    accessTokenClaims: options.accessTokenClaims,
    error: undefined,
    accessTokens: new Map(),
    refreshTokens: new Map(),
    deviceCodes: new Map(),
    stats: {
      tokenRequests: 0,
      refreshGrants: 0,
      deviceCodeGrants: 0,
      discoveryRequests: 0,
      accessTokensIssued: 0,
    },
    origin: "",
  };
}

const tenantKnown = (state: IdentityState, tenant: string) =>
  !state.options.tenants ||
  state.options.tenants.some((known) => known.toLowerCase() === tenant.toLowerCase());
const tenantIdOf = (tenant: string) => (GUID.test(tenant) ? tenant.toLowerCase() : DEFAULT_TENANT_ID);

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** An error in AAD's shape (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). */
function sendAadError(state: IdentityState, res: ServerResponse, answer: AadErrorAnswer): void {
  const trace = randomUUID();
  const correlation = randomUUID();
  const timestamp = new Date(state.now())
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  sendJson(res, answer.status, {
    error: answer.error,
    error_description: `AADSTS${answer.code}: ${answer.description} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [answer.code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `${state.origin}/error?code=${answer.code}`,
    ...(answer.suberror ? { suberror: answer.suberror } : {}),
  });
}

function issueTokens(
  state: IdentityState,
  res: ServerResponse,
  tenant: string,
  clientId: string,
  scope: string,
): void {
  const { user, accessTokens, lifetimeSeconds } = state;
  const tid = tenantIdOf(tenant);
  const issuedAt = state.now();
  const accessToken = accessTokenFor(state, tid, issuedAt);
  remember(accessTokens, accessToken, issuedAt + lifetimeSeconds * 1000);
  for (const [oldToken, expiry] of accessTokens) {
    if (expiry > issuedAt) break; // roughly expiry-ordered; a bounded sweep of the oldest
    accessTokens.delete(oldToken);
  }
  const refreshToken = secret("sim-rt");
  remember(state.refreshTokens, refreshToken, { oid: user.oid });
  state.stats.accessTokensIssued++;
  const iat = Math.floor(issuedAt / 1000);
  const claims = {
    aud: clientId,
    iss: `${state.origin}/${tid}/v2.0`,
    iat,
    nbf: iat,
    exp: iat + 3600,
    name: user.name,
    preferred_username: user.username,
    oid: user.oid,
    sub: b64url(`${user.oid}:${clientId}`),
    tid,
    ver: "2.0",
  };
  const resourceScopes = scope.split(" ").filter((name) => name && !OIDC_SCOPES.has(name));
  sendJson(res, 200, {
    token_type: "Bearer",
    scope: resourceScopes.join(" "),
    expires_in: lifetimeSeconds,
    ext_expires_in: lifetimeSeconds,
    access_token: accessToken,
    refresh_token: refreshToken,
    // MSAL needs an id_token and client_info to cache an account; it does not check the signature.
    id_token: unsignedJwt(claims),
    client_info: b64url(JSON.stringify({ uid: user.oid, utid: tid })),
  });
}

/** Why a token request is refused before its grant is looked at: the client, or an error set with setError. */
function tokenRefusal(
  state: IdentityState,
  tenant: string,
  form: URLSearchParams,
): AadErrorAnswer | undefined {
  const { options } = state;
  const clientId = form.get("client_id") ?? "";
  if (!tenantKnown(state, tenant)) return CANNED["tenant-not-found"];
  if (options.clientIds && !options.clientIds.includes(clientId)) return CANNED["app-not-found"];
  const sentSecret = form.get("client_secret");
  if (options.clientSecret && sentSecret !== null && sentSecret !== options.clientSecret)
    return CANNED["invalid-client-secret"];
  if (state.error) {
    const answer = state.error.answer;
    if (--state.error.times <= 0) state.error = undefined;
    return answer;
  }
  return undefined;
}

function refreshTokenGrant(
  state: IdentityState,
  res: ServerResponse,
  tenant: string,
  form: URLSearchParams,
): void {
  const refreshToken = form.get("refresh_token") ?? "";
  if (!state.refreshTokens.has(refreshToken))
    return sendAadError(state, res, {
      status: 400,
      error: "invalid_grant",
      code: 9002313,
      description: "Invalid request. Request is malformed or invalid.",
    });
  issueTokens(state, res, tenant, form.get("client_id") ?? "", form.get("scope") ?? "");
}

function deviceCodeGrant(
  state: IdentityState,
  res: ServerResponse,
  tenant: string,
  form: URLSearchParams,
): void {
  const code = form.get("device_code") ?? "";
  const entry = state.deviceCodes.get(code);
  if (!entry || entry.expires < state.now())
    return sendAadError(state, res, {
      status: 400,
      error: "expired_token",
      code: 70019,
      description: "Verification code expired.",
    });
  if (entry.pendingLeft > 0) {
    entry.pendingLeft--;
    return sendAadError(state, res, {
      status: 400,
      error: "authorization_pending",
      code: 70016,
      description: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    });
  }
  state.deviceCodes.delete(code);
  issueTokens(state, res, tenant, form.get("client_id") ?? "", form.get("scope") ?? "");
}

/** POST {tenant}/oauth2/v2.0/token */
function token(state: IdentityState, res: ServerResponse, tenant: string, form: URLSearchParams): void {
  const { stats } = state;
  stats.tokenRequests++;
  const grant = form.get("grant_type") ?? "";
  if (grant === "refresh_token") stats.refreshGrants++;
  // RFC 8628 names the grant "urn:ietf:params:oauth:grant-type:device_code"; msal-node sends "device_code" (AAD takes both).
  const isDeviceCode = grant === "device_code" || grant === "urn:ietf:params:oauth:grant-type:device_code";
  if (isDeviceCode) stats.deviceCodeGrants++;
  const refusal = tokenRefusal(state, tenant, form);
  if (refusal) return sendAadError(state, res, refusal);
  if (grant === "refresh_token") return refreshTokenGrant(state, res, tenant, form);
  if (isDeviceCode) return deviceCodeGrant(state, res, tenant, form);
  sendAadError(state, res, {
    status: 400,
    error: "unsupported_grant_type",
    code: 70003,
    description: "The app requested an unsupported grant type.",
  });
}

/** POST {tenant}/oauth2/v2.0/devicecode */
function deviceCode(state: IdentityState, res: ServerResponse, tenant: string, form: URLSearchParams): void {
  const { options, origin } = state;
  if (!tenantKnown(state, tenant)) return sendAadError(state, res, CANNED["tenant-not-found"]);
  const clientId = form.get("client_id") ?? "";
  if (options.clientIds && !options.clientIds.includes(clientId))
    return sendAadError(state, res, CANNED["app-not-found"]);
  const code = secret("sim-dc");
  const userCode = randomBytes(5).toString("hex").toUpperCase().slice(0, 9);
  const expiresIn = 900;
  remember(state.deviceCodes, code, {
    pendingLeft: options.deviceCodePendingPolls ?? 1,
    expires: state.now() + expiresIn * 1000,
  });
  const verification = `${origin}/devicelogin`;
  sendJson(res, 200, {
    user_code: userCode,
    device_code: code,
    verification_uri: verification,
    expires_in: expiresIn,
    interval: options.deviceCodeIntervalSeconds ?? 1,
    message: `To sign in, use a web browser to open the page ${verification} and enter the code ${userCode} to authenticate.`,
  });
}

/** GET {tenant}/v2.0/.well-known/openid-configuration */
function discovery(state: IdentityState, res: ServerResponse, tenant: string): void {
  const { origin } = state;
  state.stats.discoveryRequests++;
  if (!tenantKnown(state, tenant)) {
    return sendAadError(state, res, {
      status: 400,
      error: "invalid_tenant",
      code: 90002,
      description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    });
  }
  const base = `${origin}/${tenant}`;
  sendJson(res, 200, {
    issuer: `${origin}/${tenantIdOf(tenant)}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    tenant_region_scope: null,
    cloud_instance_name: "simulator",
  });
}

/** The url-encoded form of a request, or undefined when it is over MAX_BODY. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** Routes a request to its endpoint: {tenant}/… as AAD lays them out. */
async function handle(state: IdentityState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", state.origin);
  const parts = url.pathname.split("/").filter(Boolean);
  const tenant = decodeURIComponent(parts[0] ?? "");
  const rest = parts.slice(1).join("/");
  if (req.method === "GET" && rest === "v2.0/.well-known/openid-configuration")
    return discovery(state, res, tenant);
  if (req.method === "GET" && rest === "discovery/v2.0/keys") return sendJson(res, 200, { keys: [] });
  if (req.method === "POST" && (rest === "oauth2/v2.0/token" || rest === "oauth2/v2.0/devicecode")) {
    const form = await readForm(req);
    if (!form)
      return sendJson(res, 413, { error: "invalid_request", error_description: "request too large" });
    return rest.endsWith("token") ? token(state, res, tenant, form) : deviceCode(state, res, tenant, form);
  }
  sendJson(res, 404, {
    error: "not_found",
    error_description: `No such endpoint: ${req.method} ${url.pathname}`,
  });
}

/** The API a test or the demo drives the server with. */
function identityApi(state: IdentityState, server: Server, caCert: string): IdentityServer {
  const { origin } = state;
  return {
    authorityHost: origin,
    caCert,
    networkClient: createHttpsNetworkClient({ ca: caCert, allowOrigins: [origin], timeoutMs: 10_000 }),
    stats: state.stats,
    isValidAccessToken(accessToken: string) {
      const expiry = state.accessTokens.get(accessToken.replace(/^Bearer\s+/i, ""));
      return expiry !== undefined && state.now() < expiry;
    },
    issueRefreshToken() {
      const refreshToken = secret("sim-rt");
      remember(state.refreshTokens, refreshToken, { oid: state.user.oid });
      return refreshToken;
    },
    setError(error, errorOptions) {
      state.error =
        error === undefined
          ? undefined
          : {
              answer: typeof error === "string" ? CANNED[error] : error,
              times: errorOptions?.times ?? Number.POSITIVE_INFINITY,
            };
    },
    setAccessTokenLifetime(seconds: number) {
      state.lifetimeSeconds = seconds;
    },
    setAccessTokenClaims(claims) {
      state.accessTokenClaims = claims;
    },
    revokeAccessTokens() {
      state.accessTokens.clear();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export async function startIdentityServer(options: IdentityServerOptions = {}): Promise<IdentityServer> {
  const state = createState(options);
  const pems = await throwawayCertificate(options.hostName ? [options.hostName] : []);
  const server: Server = createServer({ key: pems.key, cert: pems.cert }, (req, res) => {
    handle(state, req, res).catch(() => {
      if (!res.headersSent)
        sendJson(res, 500, { error: "server_error", error_description: "simulator failure" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  state.origin = `https://${options.hostName ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;
  return identityApi(state, server, pems.cert);
}

export interface DemoIdentity {
  identity: IdentityServer;
  /** The whole sign-in environment for resolveTokenProvider (use it instead of process.env). */
  env: NodeJS.ProcessEnv;
  networkClient: INetworkModule;
  close(): Promise<void>;
}

/** The identity simulator plus a consented refresh token, ready for `demo --auth refresh-token`. */
export async function startDemoIdentity(options: IdentityServerOptions = {}): Promise<DemoIdentity> {
  const tenant = "contoso-partner.example";
  const clientId = "00000000-0000-4000-8000-00000000d3e0";
  const identity = await startIdentityServer({ tenants: [tenant], clientIds: [clientId], ...options });
  return {
    identity,
    env: {
      PARTNER_CENTER_REFRESH_TOKEN: identity.issueRefreshToken(),
      PARTNER_CENTER_CLIENT_ID: clientId,
      PARTNER_CENTER_TENANT_ID: tenant,
      PARTNER_CENTER_AUTHORITY_HOST: identity.authorityHost,
    },
    networkClient: identity.networkClient,
    close: () => identity.close(),
  };
}
