// One plain line for a connection that failed before any HTTP answer: what failed, for which
// host, whether a proxy was in the way, and the option or variable to look at. "Try again later"
// is never the advice here: a wrong name, a refused port, a proxy or a certificate fails the
// same way on every attempt.
import { proxyLabel, type Route } from "./proxy.js";

export interface FailureContext {
  /** The address asked for (the API root or the sign-in service). */
  readonly target: URL;
  readonly route: Route;
  /** The option or variable that names that host, e.g. "--base-url" or "PARTNER_CENTER_AUTHORITY_HOST". */
  readonly hostSetting: string;
}

interface SocketFailure {
  readonly code?: string;
  readonly message: string;
}

/** Node's codes for a certificate that did not verify (tls/ssl error codes of OpenSSL, as Node names them). */
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REJECTED",
  "INVALID_CA",
]);

function how(route: Route): string {
  if (route.kind === "proxy") return `through the proxy ${proxyLabel(route.proxy)} (from ${route.source})`;
  if (route.reason === "no-proxy") return "directly, since NO_PROXY matches it";
  if (route.reason === "loopback") return "directly (loopback)";
  return "directly (no proxy is set)";
}

/** The proxy's own failures: hpagent reports a refused CONNECT as "Bad response: <status>". */
function proxyFailure(f: SocketFailure, ctx: FailureContext, route: Extract<Route, { kind: "proxy" }>) {
  const label = proxyLabel(route.proxy);
  const where = `${ctx.target.hostname}:${ctx.target.port || 443}`;
  const status = /^Bad response: (\d{3})$/.exec(f.message)?.[1];
  if (status === "407") {
    const given = route.proxy.username !== "" || route.proxy.password !== "";
    return given
      ? `The proxy ${label} refused the user name and password in ${route.source} (HTTP 407): check them (special characters must be percent-encoded).`
      : `The proxy ${label} asks for a user name and password (HTTP 407): set ${route.source} to http://user:password@${route.proxy.host}.`;
  }
  if (status)
    return `The proxy ${label} (from ${route.source}) would not open a tunnel to ${where} (HTTP ${status}): ask for that host to be allowed, or check ${route.source} and NO_PROXY.`;
  if (f.message === "Proxy timeout")
    return `The proxy ${label} (from ${route.source}) did not answer in time: check ${route.source}.`;
  if (f.code === "ENOTFOUND" || f.code === "EAI_AGAIN")
    return `The proxy host ${route.proxy.hostname} could not be found (${f.code}): check ${route.source}.`;
  if (f.code === "ECONNREFUSED")
    return `The proxy ${label} refused the connection (ECONNREFUSED): check the host and port in ${route.source}.`;
  return undefined;
}

function certificateFailure(code: string, ctx: FailureContext): string | undefined {
  const host = ctx.target.hostname;
  const via = how(ctx.route);
  if (UNTRUSTED.has(code))
    return `The certificate presented for ${host} is not trusted (${code}), reached ${via}: if your network inspects TLS, set NODE_EXTRA_CA_CERTS to your company's root certificate (a PEM file); otherwise check ${ctx.hostSetting}.`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return `The certificate presented for ${host} is made out to another name (${code}), reached ${via}: check ${ctx.hostSetting}; a TLS-inspecting proxy needs its root certificate in NODE_EXTRA_CA_CERTS.`;
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID")
    return `The certificate presented for ${host} is outside its validity dates (${code}), reached ${via}: check this machine's clock; a TLS-inspecting proxy may be presenting an old certificate.`;
  if (code === "EPROTO" || code.startsWith("ERR_SSL_"))
    return `No TLS conversation was possible with ${host} (${code}), reached ${via}: check that ${ctx.hostSetting} is an https:// address of a TLS service, and that the proxy address starts with http:// unless it really speaks TLS.`;
  return undefined;
}

/** The line for a request to `ctx.target` that got no HTTP answer. */
export function describeNetworkFailure(f: SocketFailure, ctx: FailureContext): string {
  const route = ctx.route;
  if (route.kind === "proxy") {
    const line = proxyFailure(f, ctx, route);
    if (line) return line;
  }
  const code = f.code ?? "";
  const certificate = certificateFailure(code, ctx);
  if (certificate) return certificate;
  const host = ctx.target.hostname;
  const via = how(route);
  const proxyHint =
    route.kind === "proxy"
      ? `check ${route.source}`
      : route.reason === "no-proxy"
        ? "check NO_PROXY"
        : route.reason === "loopback"
          ? "check that the service is running on this machine"
          : "if this network reaches the internet only through a proxy, set HTTPS_PROXY or --proxy";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return `The host name ${host} could not be resolved (${code}), reached ${via}: check ${ctx.hostSetting}; ${proxyHint}.`;
  if (code === "ECONNREFUSED")
    return `${ctx.target.host} refused the connection (ECONNREFUSED), reached ${via}: check ${ctx.hostSetting}; ${proxyHint}.`;
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return `${host} is unreachable from this machine (${code}), reached ${via}: check the network connection; ${proxyHint}.`;
  const what = code ? `${code}: ${f.message}` : f.message;
  return `The connection to ${host} failed (${what.slice(0, 160)}), reached ${via}.`;
}
