/** Where the bearer token of every request comes from. */
export interface TokenProvider {
  /** Which source this is, for messages (never the token itself), e.g. "PARTNER_CENTER_ACCESS_TOKEN". */
  readonly description: string;
  /** False for a source that cannot renew (a static token): its expiry ends the run's chances. */
  readonly canRenew?: boolean;
  /** A valid access token; sources that can renew do so a few minutes before it expires. */
  getToken(): Promise<string>;
  /**
   * Called after the API answered 401: get a fresh token, bypassing any cache.
   * Returns undefined when this source cannot renew (a static token).
   * Concurrent callers share one renewal.
   */
  renew(): Promise<string | undefined>;
}
