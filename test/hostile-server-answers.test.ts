// A tiny hostile server in place of Partner Center, and the built CLI against it: 2xx answers
// that are no Agreement (HTML, 204, plain text, broken JSON), errors that echo the request and
// carry terminal escapes, bodies far larger than any answer, and absurd Retry-After values.
// None of them may become `confirmed`, leak a secret or a contact, or hang or crash the run.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CURRENT_MCA_TEMPLATE_ID } from "../src/simulator/index.js";
import { closeServers, readCsv, removeTempDirs, runCli, tempDir, type CliResult } from "./helpers/cli.js";
import { hostile, type Seen } from "./helpers/hostile-server.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXJ0bmVyIn0.SECRETSIGNATURE";
afterAll(() => {
  closeServers();
  removeTempDirs();
});

const CONTACTS = [
  ["Tania", "Carr", "tania.carr@contoso.example", "+1 425 555 0100"],
  ["Björn", "Ødegård", "bjorn@fabrikam.example", "+47 22 33 44 55"],
  ["Mei", "Takahashi", "mei@adatum.example", ""],
];

function inputFile(rows = CONTACTS.length): { file: string; dir: string } {
  const dir = tempDir("mca-hostile-");
  const file = path.join(dir, "in.csv");
  const lines = ["customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed"];
  for (let i = 0; i < rows; i++) {
    const [first, last, email, phone] = CONTACTS[i % CONTACTS.length];
    const id = `6513270e-269e-4d37-b2a7-${String(i + 1).padStart(12, "0")}`;
    lines.push(`${id},${first},${last},${email.replace("@", `${i}@`)},${phone},2024-03-01`);
  }
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, dir };
}

async function run(
  url: string,
  file: string,
  args: string[] = ["--template-id", CURRENT_MCA_TEMPLATE_ID],
): Promise<{ r: CliResult; rows: Record<string, string>[]; written: string }> {
  const dir = path.dirname(file);
  const r = await runCli(["run", file, "--base-url", url, "--quiet", "--max-attempts", "2", ...args], {
    cwd: dir,
    env: { PARTNER_CENTER_ACCESS_TOKEN: TOKEN },
    timeoutMs: 30_000,
  });
  expect(r.timedOut, `the CLI did not finish; stderr: ${r.stderr}`).toBe(false);
  const out = file.replace(/\.csv$/, ".results.csv");
  const rows = fs.existsSync(out) ? readCsv(out) : [];
  // Everything the run wrote from the server's side, for the leak checks: the screen, the log
  // and the columns the tool adds (the input's own columns hold the contact, as given).
  const log = `${out}.log`;
  const failed = file.replace(/\.csv$/, ".failed.csv");
  const added = (f: string) =>
    fs.existsSync(f) ? readCsv(f).map((x) => [x.errorMessage, x.errorCode, x.userId].join(" ")) : [];
  const written = [
    r.stdout,
    r.stderr,
    fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "",
    ...added(out),
    ...added(failed),
  ].join("\n");
  return { r, rows, written };
}

/** Neither the token, nor a contact value sent, nor a terminal escape appears anywhere. */
function expectNoLeak(written: string): void {
  expect(written).not.toContain("SECRETSIGNATURE");
  expect(written).not.toContain("eyJhbGciOiJIUzI1NiJ9");
  for (const [first, last, email] of CONTACTS) {
    expect(written).not.toContain(first);
    expect(written).not.toContain(last);
    expect(written).not.toContain(email.split("@")[1]);
  }
  expect(written).not.toContain("555 0100");
  expect(written).not.toContain("\x1b");
}

describe("2xx answers that are not an Agreement", () => {
  it.each([
    [
      "an HTML 200 (a proxy's login page)",
      200,
      "text/html; charset=utf-8",
      "<html><title>Sign in</title></html>",
    ],
    ["a 204 with no body", 204, undefined, ""],
    ["a text/plain 'created'", 201, "text/plain", "created"],
    ["a 201 with broken JSON", 201, "application/json", '{"userId":"6f1c'],
  ])("%s never makes a row confirmed", async (_, status, type, body) => {
    const api = await hostile((_req, res) => {
      res.writeHead(status, type ? { "content-type": type } : {});
      res.end(body);
    });
    const { file } = inputFile();
    const { r, rows } = await run(api.url, file);
    expect([1, 3]).toContain(r.code);
    expect(rows.filter((x) => x.status === "confirmed")).toEqual([]);
    for (const row of rows.filter((x) => x.status !== "not-run")) {
      expect(row).toMatchObject({
        status: "failed",
        errorCode: "unexpected-response",
        httpStatus: String(status),
      });
      expect(row.errorMessage).toContain(`HTTP ${status} (${type ?? "no content type"})`);
      if (body) expect(row.errorMessage).toContain(body.slice(0, 12));
    }
    // Every row is in the failed file, to be sent again.
    expect(readCsv(file.replace(/\.csv$/, ".failed.csv"))).toHaveLength(rows.length);
  });

  it("an HTML answer to the metadata lookup stops the run (exit 3) before any confirmation is sent", async () => {
    const api = await hostile((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>captive portal</html>");
    });
    const { file } = inputFile();
    const { r, rows } = await run(api.url, file, []);
    expect(r.code, r.stderr).toBe(3);
    expect(`${r.stdout}${r.stderr}`).toMatch(/HTTP 200 \(text\/html\).*captive portal/);
    expect(api.seen.filter((s) => s.method === "POST")).toEqual([]);
    expect(rows.every((x) => x.status === "not-run")).toBe(true);
  });
});

describe("errors that echo the request", () => {
  /** An error text echoing the Authorization header, the contact sent, and terminal escapes. */
  function echo(req: Seen): string {
    const sent = req.body ? (JSON.parse(req.body) as { primaryContact?: Record<string, string> }) : {};
    const c = sent.primaryContact ?? {};
    return `\x1b[2J\x1b]0;pwned\x07Bad request from ${c.firstName} ${c.lastName} <${c.email}> tel ${c.phoneNumber}; Authorization: ${req.authorization}; refresh_token=0.AXoA-secret`;
  }

  it("a 400 echoing them is rejected, and no file, log line or summary shows them", async () => {
    const api = await hostile((req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 800002, description: echo(req), source: "PartnerFD" }));
    });
    const { file } = inputFile();
    const { r, rows, written } = await run(api.url, file, [
      "--template-id",
      CURRENT_MCA_TEMPLATE_ID,
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(rows.map((x) => [x.status, x.errorCode])).toEqual(CONTACTS.map(() => ["rejected", "800002"]));
    expect(rows[0].errorMessage).toMatch(/Bad request from \[contact\] \[contact\] <\[email\]>/);
    expect(api.seen[0].authorization).toBe(`Bearer ${TOKEN}`); // the token was sent, and echoed
    expectNoLeak(written);
    expect(written).not.toContain("AXoA-secret");
  });

  it("a 401 echoing them stops the run (exit 3) with a sanitised message on screen and in the log", async () => {
    const api = await hostile((req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 900421, description: echo(req) }));
    });
    const { file } = inputFile();
    const { r, written } = await run(api.url, file);
    expect(r.code).toBe(3);
    expect(`${r.stdout}${r.stderr}`).toMatch(/multi-factor/);
    expect(fs.readFileSync(file.replace(/\.csv$/, ".results.csv.log"), "utf8")).toMatch(/run-stopping/);
    expectNoLeak(written);
  });

  it("a plain-text 503 with escapes and a token is retried and written sanitised", async () => {
    const api = await hostile((req, res) => {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end(`\x1b[31mUpstream down\x1b[0m for ${req.authorization}`);
    });
    const { file } = inputFile(1);
    const { r, rows, written } = await run(api.url, file);
    expect(r.code).toBe(1);
    expect(rows[0]).toMatchObject({ status: "failed", httpStatus: "503", attempts: "2" });
    expect(rows[0].errorMessage).toBe("HTTP 503: Upstream down for Bearer [redacted]");
    expectNoLeak(written);
  });
});

describe("bodies far larger than any answer", () => {
  it("a 201 of 20 MiB is unexpected-response, read no further than the cap", async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const api = await hostile((_req, res) => {
      res.writeHead(201, { "content-type": "application/json" });
      res.write('{"userId":"u","pad":"');
      let left = 80;
      const more = () => {
        while (left-- > 0 && !res.destroyed) if (!res.write(chunk)) return void res.once("drain", more);
        res.end('"}');
      };
      more();
    });
    const { file } = inputFile();
    const { r, rows } = await run(api.url, file);
    expect([1, 3]).toContain(r.code);
    for (const row of rows.filter((x) => x.status !== "not-run")) {
      expect(row).toMatchObject({ status: "failed", errorCode: "unexpected-response", httpStatus: "201" });
      expect(row.errorMessage).toMatch(/body larger than 1 MiB/);
    }
    expect(rows.some((x) => x.status === "failed")).toBe(true);
  });
});

describe("a wrong base URL", () => {
  it("answering HTML 200 to everything stops the run after a few rows (exit 3), not row by row through the file", async () => {
    const api = await hostile((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Welcome to nginx!</body></html>");
    });
    const { file } = inputFile(300);
    const started = Date.now();
    const { r, rows } = await run(api.url, file, [
      "--template-id",
      CURRENT_MCA_TEMPLATE_ID,
      "--concurrency",
      "4",
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(`${r.stdout}${r.stderr}`).toMatch(
      /answers were not the Partner Center API's .*Welcome to nginx.*--base-url/,
    );
    const posts = api.seen.filter((s) => s.method === "POST").length;
    expect(posts).toBeGreaterThanOrEqual(10);
    expect(posts).toBeLessThan(30);
    expect(rows).toHaveLength(300);
    expect(rows.filter((x) => x.status === "confirmed")).toEqual([]);
    expect(rows.filter((x) => x.status === "not-run").length).toBeGreaterThan(250);
    // Resumable: the journal is kept for --resume once the URL is fixed.
    expect(fs.existsSync(file.replace(/\.csv$/, ".results.csv.journal"))).toBe(true);
  });
});

describe("absurd Retry-After values", () => {
  it.each([
    ["a day in seconds", "86400", /asked to wait 24 h before the next request/],
    ["an HTTP date in year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", /asked to wait a week or more/],
    ["a number past any timer", "99999999999999999999", /asked to wait a week or more/],
  ])(
    "%s stops the run as an outage (exit 3, resumable) instead of holding every worker",
    async (_, value, says) => {
      const api = await hostile((_req, res) => {
        res.writeHead(503, { "content-type": "application/json", "retry-after": value });
        res.end(JSON.stringify({ code: 503, description: "come back later" }));
      });
      const { file } = inputFile(20);
      const started = Date.now();
      const { r, rows } = await run(api.url, file, [
        "--template-id",
        CURRENT_MCA_TEMPLATE_ID,
        "--max-attempts",
        "6",
      ]);
      expect(r.code, r.stderr).toBe(3);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(`${r.stdout}${r.stderr}`).toMatch(says);
      expect(`${r.stdout}${r.stderr}`).toMatch(/--outage-timeout \(10 min\).*--resume/);
      expect(r.stderr).not.toMatch(/TimeoutOverflowWarning/);
      expect(rows).toHaveLength(20);
      expect(rows.every((x) => x.status === "not-run")).toBe(true);
      expect(fs.existsSync(file.replace(/\.csv$/, ".results.csv.journal"))).toBe(true);
    },
  );

  it("a Retry-After within --outage-timeout is waited out as usual", async () => {
    let n = 0;
    const api = await hostile((_req, res) => {
      if (++n === 1) {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "1" });
        return res.end(JSON.stringify({ statusCode: 429, message: "Rate limit is exceeded." }));
      }
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ userId: crypto.randomUUID(), templateId: CURRENT_MCA_TEMPLATE_ID }));
    });
    const { file } = inputFile(1);
    const { r, rows } = await run(api.url, file, [
      "--template-id",
      CURRENT_MCA_TEMPLATE_ID,
      "--outage-timeout",
      "2",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(rows[0]).toMatchObject({ status: "confirmed", httpStatus: "201", attempts: "2" });
  });
});
