// The one sanitiser every server text passes (src/partner-center/sanitize.ts), and the places
// that use it: error bodies, unexpected 2xx answers, and URL passwords in messages.
import { describe, expect, it } from "vitest";
import { parseErrorBody } from "../src/partner-center/errors.js";
import { MAX_SERVER_TEXT, maskUrlPasswords, sanitizeServerText } from "../src/partner-center/sanitize.js";
import { checkBaseUrl } from "../src/config.js";

const JWT =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2FwaS5wYXJ0bmVyY2VudGVyIn0.c2lnbmF0dXJlLXBhcnQ";

describe("sanitizeServerText", () => {
  it("masks the Authorization header a server echoes, in any spelling", () => {
    for (const text of [
      `Invalid header Authorization: Bearer ${JWT}`,
      `{"headers":{"Authorization":"Bearer abc.def-ghi"}}`,
      "authorization=Basic dXNlcjpwYXNz",
    ]) {
      const clean = sanitizeServerText(text);
      expect(clean).toContain("[redacted]");
      expect(clean).not.toMatch(/eyJ|abc\.def|dXNlcjpwYXNz/);
    }
  });

  it("masks bearer tokens and JWT-shaped strings anywhere", () => {
    expect(sanitizeServerText(`token bearer sk-123_abc~x= expired`)).toBe("token bearer [redacted] expired");
    expect(sanitizeServerText(`the token ${JWT} is expired`)).toBe("the token [redacted] is expired");
  });

  it("masks refresh_token, client_secret and similar values as JSON, form or query spells them", () => {
    const clean = sanitizeServerText(
      `refresh_token=0.AXoAxyz&client_secret=s3cr3t~v "access_token": "abc123" password: hunter2`,
    );
    expect(clean).not.toMatch(/AXoAxyz|s3cr3t|abc123|hunter2/);
    expect(clean).toMatch(/refresh_token=\[redacted\]/);
    expect(clean).toMatch(/client_secret=\[redacted\]/);
  });

  it("masks e-mail addresses and phone numbers but keeps GUIDs, dates, codes and counts", () => {
    const guid = "00000404-0000-4000-8000-000000001234";
    const clean = sanitizeServerText(
      `contact jane.doe+x@contoso.co.uk or +1 (425) 555-0100 / 0049 30 1234567 for ${guid} on 2026-11-25T10:00:00Z, code 600061, retry in 57 seconds`,
    );
    expect(clean).not.toMatch(/jane|contoso|555|1234567/);
    expect(clean).toContain("[email]");
    expect(clean).toContain("[phone]");
    expect(clean).toContain(guid);
    expect(clean).toContain("2026-11-25T10:00:00Z");
    expect(clean).toContain("600061");
    expect(clean).toContain("57 seconds");
  });

  it("masks the row's own contact values as whole words, case-insensitively", () => {
    const clean = sanitizeServerText("Contact TANIA Carr (phone 1234) rejected; Carrington is fine", {
      contact: ["Tania", "Carr", "t@example.com", "1234"],
    });
    expect(clean).toBe("Contact [contact] [contact] (phone [contact]) rejected; Carrington is fine");
  });

  it("masks a value that stands alone even where an earlier find of it was inside a word", () => {
    // "xa.a" holds a find glued to x; the find overlapping it, after the dot, stands alone.
    expect(sanitizeServerText("id xa.a.a end", { contact: ["a.a"] })).toBe("id xa.[contact] end");
    // Letters beyond the basic plane (a surrogate pair) count as letters beside a find.
    expect(sanitizeServerText("𝐀Lee and Lee𝐀 but Lee", { contact: ["lee"] })).toBe(
      "𝐀Lee and Lee𝐀 but [contact]",
    );
    expect(sanitizeServerText("Émile, ÉMILE and Émiles", { contact: ["émile"] })).toBe(
      "[contact], [contact] and Émiles",
    );
  });

  it("compares case as Unicode does, letters beyond the basic plane too", () => {
    // ẞ and ß, the Kelvin sign and K, the long s and s, and Deseret capitals and small letters
    // are one letter in two cases: compared one UTF-16 unit at a time, each would be kept.
    for (const [text, value] of [
      ["Mr STRAUẞ refused", "Strauß"],
      ["user \u212Aim refused", "kim"],
      ["name Joneſ refused", "jones"],
      ["name 𐐀𐐁 refused", "𐐨𐐩"],
    ])
      expect(sanitizeServerText(text, { contact: [value] }), value).toMatch(/^\S+ \[contact\] refused$/);
    // A find glued to a letter beyond the basic plane is passed by whole characters, and ends.
    expect(sanitizeServerText("𝐀𝐀x 𝐀𝐀", { contact: ["𝐀𝐀"] })).toBe("𝐀𝐀x [contact]");
  });

  it("removes terminal escapes, control characters and bidi overrides, and folds lines", () => {
    const clean = sanitizeServerText(
      "\x1b[2J\x1b[31mred\x1b[0m\x1b]0;title\x07 a\x00b\x07c\r\nnext\u202eevil\x9b1m",
    );
    expect(clean).toBe("red abc nextevil1m");
    // eslint-disable-next-line no-control-regex -- checking no control character is left
    expect(clean).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e]/);
  });

  it("caps the length, also for a huge body", () => {
    const clean = sanitizeServerText("x".repeat(5_000_000));
    expect(clean.length).toBe(MAX_SERVER_TEXT);
    expect(clean.endsWith("…")).toBe(true);
  });
});

describe("URL passwords", () => {
  it("are masked anywhere in a text, also when the password holds an @", () => {
    expect(maskUrlPasswords("connect to https://admin:p@ss:w0rd@proxy.example:8080/x failed")).toBe(
      "connect to https://admin:***@proxy.example:8080/x failed",
    );
    expect(maskUrlPasswords("https://host/path?a=b@c")).toBe("https://host/path?a=b@c");
  });

  it("never appear in the message for a --base-url that does not parse", () => {
    expect(() => checkBaseUrl("https://user:TopSecret@host:99999", "--base-url")).toThrow(
      /user:\*\*\*@host:99999/,
    );
    expect(() => checkBaseUrl("https://user:TopSecret@host:99999", "--base-url")).not.toThrow(/TopSecret/);
  });
});

describe("parseErrorBody", () => {
  it("sanitises the description of an echoing error and the contact it echoes", () => {
    const body = JSON.stringify({
      code: 800002,
      description: `Invalid request from Tania Carr <tania@contoso.com> with Authorization: Bearer ${JWT}\x1b[2J`,
    });
    const info = parseErrorBody(400, body, ["Tania", "Carr", "tania@contoso.com", ""]);
    expect(info.code).toBe("800002");
    expect(info.message).not.toMatch(/Tania|Carr|contoso|eyJ/);
    expect(info.message).not.toContain("\x1b");
  });

  it("keeps only identifier-shaped codes and error names", () => {
    const info = parseErrorBody(400, JSON.stringify({ code: "\x1b[31m600061 Bearer x", errorName: "a b" }));
    expect(info.code).toBeUndefined();
    expect(info.errorName).toBeUndefined();
  });

  it("sanitises a plain-text body", () => {
    const info = parseErrorBody(502, "<html>refresh_token=abc\x1b]0;pwned\x07</html>");
    expect(info.message).toBe("HTTP 502: <html>refresh_token=[redacted]</html>");
  });
});
