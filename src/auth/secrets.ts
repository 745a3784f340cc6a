/**
 * Blanks secrets out of text that came from elsewhere (MSAL log lines, server error descriptions)
 * before it reaches a log or a message: the known secret values, then anything that looks like a
 * token (a long run of base64url characters; GUIDs such as correlation IDs are kept).
 */
const TOKEN_LIKE = /[A-Za-z0-9_\-+/=]{32,}/g;
const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
/** Only the newest secrets matter (rolled tokens); bound the set for long runs. */
const MAX_KNOWN = 64;

export class Secrets {
  private readonly known = new Set<string>();

  add(...values: (string | undefined)[]): void {
    for (const v of values) {
      if (!v || v.length < 8) continue;
      this.known.delete(v);
      this.known.add(v);
      if (this.known.size > MAX_KNOWN) this.known.delete(this.known.values().next().value as string);
    }
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.known) out = out.split(secret).join("[redacted]");
    return out.replace(TOKEN_LIKE, (found) => (GUID.test(found) ? found : "[redacted]"));
  }
}
