import { AuthError } from "@azure/msal-node";
import { RunStoppedError, UsageError } from "../errors.js";
import type { NetworkObservation } from "./network.js";
import { DEFAULT_AUTHORITY_HOST, ENV } from "./settings.js";
import { Secrets } from "./secrets.js";

export interface IdentityErrorContext {
  /** Which token source failed; decides how to "sign in again". Default "refresh-token". */
  source?: "refresh-token" | "cache" | "login";
  authorityHost?: string;
  /** What the network module saw; MSAL drops details of failed discovery calls. */
  network?: NetworkObservation;
}

const LOGIN = "`mca-confirm login`";

function signInAgain(source: IdentityErrorContext["source"]): string {
  if (source === "cache" || source === "login") return `run ${LOGIN} again`;
  return `run the consent again and set ${ENV.refreshToken} to the new token`;
}

/** AADSTS numbers and what the user should do; https://learn.microsoft.com/entra/identity-platform/reference-error-codes */
function byAadCode(code: number, ctx: IdentityErrorContext): string | undefined {
  const again = signInAgain(ctx.source);
  const tag = `(AADSTS${code})`;
  switch (code) {
    case 700082:
      return ctx.source === "cache" || ctx.source === "login"
        ? `The saved sign-in expired after 90 days unused ${tag}: ${again}.`
        : `The refresh token expired after 90 days unused ${tag}: ${again}.`;
    case 50173:
    case 50133:
    case 70043:
    case 700084:
      return `The sign-in is no longer valid (revoked or expired, e.g. after a password change) ${tag}: ${again}.`;
    case 7000215:
      return `The client secret was refused ${tag}: set ${ENV.clientSecret} to the secret's value (not its ID) of this app, and check it has not expired.`;
    case 7000222:
      return `The client secret has expired ${tag}: create a new one for the app and set ${ENV.clientSecret}.`;
    case 7000218:
      return `The app is confidential ${tag}: set ${ENV.clientSecret}, or allow public client flows in the app registration.`;
    case 700016:
      return `The app was not found in the tenant ${tag}: check ${ENV.clientId} and ${ENV.tenantId}, and that the app is consented in that tenant.`;
    case 90002:
    case 90023:
      return `The tenant was not found ${tag}: check ${ENV.tenantId} (the partner tenant's ID or primary domain) and ${ENV.authorityHost}.`;
    case 50076:
    case 50079:
    case 50074:
      return `Multi-factor authentication is required ${tag}: sign in again with MFA to get a new token (${again}).`;
    case 65001:
      return `The app has not been granted consent ${tag}: an admin of the partner tenant must consent to the app's Partner Center API permission (user_impersonation), then ${again}.`;
    case 50126:
    case 50034:
    case 50057:
    case 50053:
      return `The user cannot sign in ${tag}: check the account (disabled, locked or wrong), then ${again}.`;
    case 90033:
    case 90024:
      return `The sign-in service is temporarily unavailable ${tag}: nothing is wrong with the credentials; try again in a few minutes.`;
    case 9002313:
    case 70000:
    case 70008:
      return `The refresh token was refused ${tag}: check ${ENV.refreshToken} is complete and belongs to ${ENV.clientId}; otherwise ${again}.`;
    default:
      return undefined;
  }
}

function aadCodeOf(err: unknown, ctx: IdentityErrorContext): number | undefined {
  const details = err as { errorNo?: unknown; errorCode?: unknown; message?: unknown };
  const number =
    typeof details.errorNo === "number"
      ? details.errorNo
      : typeof details.errorNo === "string"
        ? Number(details.errorNo)
        : NaN;
  if (Number.isInteger(number) && number > 0) return number;
  const match = typeof details.message === "string" ? /AADSTS(\d{4,8})/.exec(details.message) : null;
  if (match) return Number(match[1]);
  // Discovery failures lose the server's answer inside MSAL; the network module kept its AADSTS number.
  const code = typeof details.errorCode === "string" ? details.errorCode : "";
  if (["openid_config_error", "endpoints_resolution_error", "network_error"].includes(code))
    return ctx.network?.lastErrorAnswer?.aadCode;
  return undefined;
}

function networkLine(ctx: IdentityErrorContext, err: AuthError): string {
  const host = ctx.authorityHost ?? DEFAULT_AUTHORITY_HOST;
  const detail = ctx.network?.lastFailure ?? err.errorMessage;
  // The network module already said what failed, where, and what to check (network/describe.ts).
  if (detail.startsWith("Could not reach the sign-in service: ")) return detail.split("\n")[0];
  // MSAL's own wording: "Network request to <origin> failed: …"
  const why = /failed: (.*)/.exec(detail)?.[1];
  const short = why ? ` (${new Secrets().scrub(why.split("\n")[0]).slice(0, 160)})` : "";
  return `Could not reach the sign-in service at ${host}${short}: check the network, proxy and firewall, and ${ENV.authorityHost} (default ${DEFAULT_AUTHORITY_HOST}).`;
}

/**
 * One plain line saying what went wrong with signing in and what to do about it. Never includes a
 * token or secret: server descriptions are not quoted, only their AADSTS number.
 */
export function describeIdentityError(err: unknown, ctx: IdentityErrorContext = {}): string {
  if (err instanceof UsageError || err instanceof RunStoppedError) return err.message;
  const aad = aadCodeOf(err, ctx);
  const known = aad !== undefined ? byAadCode(aad, ctx) : undefined;
  if (known) return known;
  const again = signInAgain(ctx.source);
  if (
    isTransientIdentityError(err) &&
    !["network_error", "openid_config_error", "endpoints_resolution_error"].includes(
      (err as AuthError).errorCode,
    )
  ) {
    return `The sign-in service at ${ctx.authorityHost ?? DEFAULT_AUTHORITY_HOST} is temporarily unavailable: nothing is wrong with the credentials; try again in a few minutes.`;
  }
  if (err instanceof AuthError) {
    const code = err.errorCode;
    // Device code polling errors carry only the server's `error` word at the end of MSAL's message.
    const serverWord =
      code === "post_request_failed" ? /\b([a-z_]{5,})\s*$/.exec(err.errorMessage)?.[1] : undefined;
    const tag = [serverWord ? `${code}: ${serverWord}` : code, aad !== undefined ? `AADSTS${aad}` : ""]
      .filter(Boolean)
      .join(", ");
    if (code === "network_error" || code === "openid_config_error" || code === "endpoints_resolution_error") {
      if (ctx.network?.lastErrorAnswer && !ctx.network.lastFailure) {
        const answer = ctx.network.lastErrorAnswer;
        return `The sign-in service at ${ctx.authorityHost ?? DEFAULT_AUTHORITY_HOST} answered HTTP ${answer.status}${answer.error ? ` ${answer.error}` : ""}: check ${ENV.tenantId} and ${ENV.authorityHost}.`;
      }
      return networkLine(ctx, err);
    }
    if (code === "post_request_failed" || code === "device_code_expired" || code === "user_timeout_reached") {
      if (/authorization_declined/.test(err.errorMessage))
        return `The sign-in was declined in the browser: run ${LOGIN} again and approve it.`;
      if (code !== "post_request_failed" || /expired_token|bad_verification_code/.test(err.errorMessage)) {
        return `The sign-in code expired before it was used: run ${LOGIN} again and enter the code within 15 minutes.`;
      }
    }
    if (
      code === "no_tokens_found" ||
      code === "no_account_in_silent_request" ||
      code === "no_account_found" ||
      code === "refresh_token_expired"
    ) {
      return `The token cache holds no usable sign-in for this app and tenant (${code}): ${again}.`;
    }
    if (
      code === "invalid_grant" ||
      code === "interaction_required" ||
      code === "consent_required" ||
      code === "login_required"
    ) {
      return `The sign-in was refused (${tag}): ${again}.`;
    }
    if (code === "invalid_client" || code === "unauthorized_client") {
      return `The app was refused (${tag}): check ${ENV.clientId}, ${ENV.tenantId} and ${ENV.clientSecret}.`;
    }
    if (code === "untrusted_authority" || code === "issuer_validation_failed" || code === "url_parse_error") {
      return `The sign-in service address is not usable (${code}): check ${ENV.authorityHost} and ${ENV.tenantId}.`;
    }
    return `Sign-in failed (${tag}): check ${ENV.clientId} and ${ENV.tenantId}, then ${again}.`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return `Sign-in failed (${new Secrets().scrub(msg.split("\n")[0]).slice(0, 160)}): check ${ENV.clientId} and ${ENV.tenantId}, then ${again}.`;
}

/** Errors worth riding out with the current token while it is still valid (outage, network). */
export function isTransientIdentityError(err: unknown): boolean {
  if (!(err instanceof AuthError)) return false;
  const status = (err as { status?: unknown }).status;
  if (typeof status === "number" && (status >= 500 || status === 429)) return true;
  return [
    "network_error",
    "openid_config_error",
    "endpoints_resolution_error",
    "temporarily_unavailable",
    "service_unavailable",
  ].includes(err.errorCode);
}
