import { request, type Agent } from "node:https";
import {
  AuthError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from "@azure/msal-node";
import { describeNetworkFailure } from "../network/describe.js";
import { httpsAgentFor, ProxySettings, type Route } from "../network/proxy.js";
import { ENV } from "./settings.js";

/** MSAL's own client sets no timeout on token POSTs; a hung identity endpoint must not hang a run. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Token and discovery answers are a few KB. */
const MAX_ANSWER_BYTES = 1024 * 1024;

interface HttpsNetworkOptions {
  /** Extra trusted CA certificate(s) in PEM, e.g. the identity simulator's throwaway certificate. */
  ca?: string;
  timeoutMs?: number;
  /** When set, requests to any other origin are refused (the simulator's client never leaves loopback). */
  allowOrigins?: string[];
  /** `--proxy` and the *_PROXY variables, as for the API calls; default: no proxy. */
  proxy?: ProxySettings;
}

/**
 * An MSAL network module on node:https. Failures become MSAL `AuthError("network_error")`, as MSAL's own
 * client does, so MSAL passes them through; messages name the origin and the socket error, never a body.
 */
export function createHttpsNetworkClient(settings: HttpsNetworkOptions = {}): INetworkModule {
  const proxy = settings.proxy ?? ProxySettings.none();
  // Discovery and token calls all go to the authority host: in practice one route, one agent.
  const agents = new Map<string, Agent>();
  const agentFor = (route: Route): Agent => {
    const key = route.kind === "proxy" ? route.proxy.href : "direct";
    let agent = agents.get(key);
    if (!agent) {
      agent = httpsAgentFor(route, { keepAlive: false, ...(settings.ca ? { ca: settings.ca } : {}) });
      agents.set(key, agent);
    }
    return agent;
  };
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const send = <T>(url: string, method: "GET" | "POST", options?: NetworkRequestOptions, timeout?: number) =>
    new Promise<NetworkResponse<T>>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== "https:") return reject(networkError(target.origin, "refused: not https"));
      if (settings.allowOrigins && !settings.allowOrigins.includes(target.origin))
        return reject(networkError(target.origin, "refused: not an allowed origin"));
      const route = proxy.route(target);
      const agent = agentFor(route);
      const socketFailure = (error: Error & { code?: string }) =>
        new AuthError(
          "network_error",
          "",
          `Could not reach the sign-in service: ${lowerFirst(describeNetworkFailure(error, { target, route, hostSetting: ENV.authorityHost }))}`,
        );
      const body = method === "POST" ? (options?.body ?? "") : undefined;
      const headers: Record<string, string | number> = { ...options?.headers };
      if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
      const req = request(target, { method, headers, agent, timeout: timeout ?? timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES)
            req.destroy(Object.assign(new Error("answer too large"), { code: "EMSGSIZE" }));
          else chunks.push(chunk);
        });
        res.on("error", (error) => reject(socketFailure(error)));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            return reject(networkError(target.origin, `HTTP ${status} answer that is not JSON`));
          }
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
          resolve({ headers: flat, body: parsed as T, status });
        });
      });
      req.on("timeout", () =>
        req.destroy(Object.assign(new Error("no answer in time"), { code: "ETIMEDOUT" })),
      );
      req.on("error", (error) => reject(socketFailure(error)));
      req.end(body);
    });
  return {
    sendGetRequestAsync: (url, options, timeout) => send(url, "GET", options, timeout),
    sendPostRequestAsync: (url, options) => send(url, "POST", options),
  };
}

/** "The host name …" → "the host name …", to follow "Could not reach the sign-in service: ". */
function lowerFirst(line: string): string {
  return /^The /.test(line) ? `t${line.slice(1)}` : line;
}

function networkError(origin: string, what: string): AuthError {
  return new AuthError("network_error", "", `Network request to ${origin} failed: ${what}`);
}

/** What the last token/discovery exchange went wrong with; MSAL swallows some of it (e.g. discovery). */
export interface NetworkObservation {
  /** Socket-level failure, e.g. "ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:9)". */
  lastFailure?: string;
  /** The last 4xx/5xx answer in AAD's error shape (error and AADSTS number only, no description). */
  lastErrorAnswer?: { status: number; error?: string; aadCode?: number };
}

interface ObservedNetwork extends INetworkModule {
  readonly observation: NetworkObservation;
  reset(): void;
}

export function observeNetwork(inner: INetworkModule): ObservedNetwork {
  const observation: NetworkObservation = {};
  const watch = async <T>(pending: Promise<NetworkResponse<T>>): Promise<NetworkResponse<T>> => {
    try {
      const answer = await pending;
      if (answer.status >= 400) {
        const body = (answer.body ?? {}) as { error?: unknown; error_codes?: unknown };
        const code =
          Array.isArray(body.error_codes) && typeof body.error_codes[0] === "number"
            ? body.error_codes[0]
            : undefined;
        observation.lastErrorAnswer = {
          status: answer.status,
          ...(typeof body.error === "string" ? { error: body.error } : {}),
          ...(code !== undefined ? { aadCode: code } : {}),
        };
      }
      return answer;
    } catch (error) {
      observation.lastFailure =
        error instanceof AuthError
          ? error.errorMessage
          : error instanceof Error
            ? error.message
            : String(error);
      throw error;
    }
  };
  return {
    observation,
    reset() {
      delete observation.lastFailure;
      delete observation.lastErrorAnswer;
    },
    sendGetRequestAsync: (url, options, timeout) => watch(inner.sendGetRequestAsync(url, options, timeout)),
    sendPostRequestAsync: (url, options) => watch(inner.sendPostRequestAsync(url, options)),
  };
}
