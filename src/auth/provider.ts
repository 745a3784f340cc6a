import { RunStoppedError, UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import type { TokenProvider } from "./types.js";

/** Renew this long before expiry; access tokens last about an hour (docs/partner-center-api.md "Authentication"). MSAL uses the same offset. */
const RENEW_EARLY_MS = 5 * 60_000;
/** When a renewal hits an outage while the current token is still good, try again after this long. */
const RETRY_AFTER_TRANSIENT_MS = 30_000;
/** Below this much validity left, an outage is not ridden out with the current token. */
const MIN_USEFUL_MS = 10_000;

export interface AcquiredToken {
  accessToken: string;
  /** epoch ms */
  expiresOn: number;
}

interface RenewingOptions {
  description: string;
  /** Get a token; `force` bypasses every cache (after a 401). */
  acquire(force: boolean): Promise<AcquiredToken>;
  describe(err: unknown): string;
  isTransient(err: unknown): boolean;
  onToken?(token: string): void;
  logger: Logger;
  now: () => number;
}

interface Current {
  token: string;
  expiresOn: number;
  renewAt: number;
}

/**
 * A token source that renews ahead of expiry. getToken() checks the clock on every call; all callers
 * that find renewal due (or call renew()) share one renewal in flight.
 */
export class RenewingTokenProvider implements TokenProvider {
  readonly description: string;
  readonly canRenew = true;
  private current: Current | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: RenewingOptions) {
    this.description = options.description;
  }

  /** First token, before anything is sent: a refusal here is a configuration problem (exit 2). */
  async start(): Promise<void> {
    try {
      await this.take(await this.options.acquire(false));
    } catch (err) {
      throw new UsageError(this.options.describe(err), { cause: err });
    }
  }

  async getToken(): Promise<string> {
    const current = this.current;
    if (current && this.options.now() < current.renewAt) return current.token;
    return this.renewal(false);
  }

  renew(): Promise<string | undefined> {
    return this.renewal(true);
  }

  private renewal(force: boolean): Promise<string> {
    this.pending ??= this.refresh(force).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async refresh(force: boolean): Promise<string> {
    try {
      let got = await this.options.acquire(force);
      // A cached token already at its end (clock skew between MSAL's cache and ours): ask once more, bypassing the cache.
      if (!force && got.expiresOn <= this.options.now()) got = await this.options.acquire(true);
      return await this.take(got);
    } catch (err) {
      const current = this.current;
      const now = this.options.now();
      if (
        !force &&
        current &&
        this.options.isTransient(err) &&
        current.expiresOn - now > MIN_USEFUL_MS + RETRY_AFTER_TRANSIENT_MS
      ) {
        this.options.logger.warn(
          { source: this.description, problem: this.options.describe(err) },
          "token renewal failed; the current token is still valid, retrying later",
        );
        current.renewAt = now + RETRY_AFTER_TRANSIENT_MS;
        return current.token;
      }
      this.options.logger.error(
        { source: this.description, problem: this.options.describe(err) },
        "token renewal failed",
      );
      throw new RunStoppedError(this.options.describe(err), "auth-failed", { cause: err });
    }
  }

  private async take(got: AcquiredToken): Promise<string> {
    const now = this.options.now();
    if (!got.accessToken) throw new Error("The sign-in service returned no access token");
    if (got.expiresOn <= now)
      throw new Error(
        "The sign-in service returned an access token that has already expired; check this machine's clock",
      );
    this.options.onToken?.(got.accessToken);
    const lifetime = got.expiresOn - now;
    // An hour-long token is renewed 5 minutes early; short ones (tests) half-way through their life.
    const renewAt = got.expiresOn - Math.min(RENEW_EARLY_MS, lifetime / 2);
    this.current = { token: got.accessToken, expiresOn: got.expiresOn, renewAt };
    this.options.logger.info(
      {
        source: this.description,
        expiresOn: new Date(got.expiresOn).toISOString(),
        renewAt: new Date(renewAt).toISOString(),
      },
      "access token obtained",
    );
    return got.accessToken;
  }
}

/** PARTNER_CENTER_ACCESS_TOKEN: used as is, cannot renew. */
export function staticTokenProvider(token: string, description: string): TokenProvider {
  return {
    description,
    canRenew: false,
    getToken: async () => token,
    renew: async () => undefined,
  };
}
