// Hostile servers written here, in place of Partner Center, and the built CLI against them:
// echoed request ids that carry the token and the contact, Agreements that contradict the
// request, redirects, and 600061 for a record of an older template. Whatever they send, no
// row becomes `confirmed` that is not, no output holds the token, a contact value, a terminal
// escape or an uncapped server text, and the run stops early where every row would fail alike.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_SERVER_TEXT } from "../src/partner-center/sanitize.js";
import { RecordedOutcomes } from "../src/run/recorded.js";
import { CURRENT_MCA_TEMPLATE_ID } from "../src/simulator/index.js";
import { RESULT_COLUMNS, type Outcome } from "../src/types.js";
import {
  closeServers,
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
  type CliResult,
} from "./helpers/cli.js";
import { hostile, type Seen } from "./helpers/hostile-server.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXJ0bmVyIn0.SECRETSIGNATURE";
const OLDER_TEMPLATE = "0b6a2e9c-4f1d-4c3a-9d57-2a6e8f0c1b44";
afterAll(async () => {
  closeServers();
  await closeSimulators();
  removeTempDirs();
});

const CONTACTS = [
  {
    firstName: "Tania",
    lastName: "Carr",
    email: "tania.carr@contoso.example",
    phoneNumber: "+1 425 555 0100",
  },
  { firstName: "Omar", lastName: "Haddad", email: "omar.haddad@fabrikam.example", phoneNumber: "" },
  {
    firstName: "Priya",
    lastName: "Iyer",
    email: "priya.iyer@adatum.example",
    phoneNumber: "+44 20 7946 0958",
  },
];
const customerId = (i: number) => `6513270e-269e-4d37-b2a7-${String(i + 1).padStart(12, "0")}`;

/** A long run of one letter: any 301 of them in an output is a server text that escaped the cap. */
const FILLER = "Z";
type Contact = (typeof CONTACTS)[number];
/**
 * Server text that names everything it must not: the token it received, the contact of the
 * request it answers (a server knows no other), terminal escapes, and 6,000 characters.
 */
function poison(req: Seen, size = 6000, escape = "\x1b[31m\x1b]0;pwned\x07", c = contactOf(req)): string {
  const words = `${req.authorization} ${c.email} ${c.firstName} ${c.lastName} ${c.phoneNumber}`;
  return `${words} ${escape} ${FILLER.repeat(size)}`;
}
/** Header values take no C0 controls: the 8-bit CSI and the token, contact and length instead. */
const headerPoison = (req: Seen, size = 3000) => poison(req, size, "\x9b31m");

/** The contact a request carries (a POST's body) or is about (the customer in its path). */
function contactOf(req: Seen): Contact {
  const index = /b2a7-0*(\d+)/.exec(req.url)?.[1];
  return CONTACTS[(Number(index ?? 1) - 1) % CONTACTS.length];
}

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** The Agreement exactly as sent (what Partner Center answers with a 201), with `change` applied. */
function agreementFor(req: Seen, change: Record<string, unknown> = {}): Record<string, unknown> {
  const sent = JSON.parse(req.body) as Record<string, unknown>;
  return { ...sent, userId: "6f1c5e0a-5111-4000-8000-000000000001", ...change };
}

function inputFile(rows = CONTACTS.length): { file: string; dir: string } {
  const dir = tempDir("mca-bend-");
  const file = path.join(dir, "in.csv");
  const lines = ["customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed"];
  for (let i = 0; i < rows; i++) {
    const c = CONTACTS[i % CONTACTS.length];
    const email = rows > CONTACTS.length ? c.email.replace("@", `${i}@`) : c.email;
    lines.push(`${customerId(i)},${c.firstName},${c.lastName},${email},${c.phoneNumber},2024-03-01`);
  }
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, dir };
}

interface Ran {
  r: CliResult;
  json: Record<string, unknown>;
  rows: Record<string, string>[];
  dir: string;
}

/** The run twice over: once for the text summary on the terminal, once with --json. */
async function run(
  url: string,
  file: string,
  args: string[] = ["--template-id", CURRENT_MCA_TEMPLATE_ID],
): Promise<Ran> {
  const dir = path.dirname(file);
  const common = ["run", file, "--base-url", url, "--max-attempts", "2", ...args];
  const env = { PARTNER_CENTER_ACCESS_TOKEN: TOKEN };
  const text = await runCli([...common, "--overwrite"], { cwd: dir, env, timeoutMs: 60_000 });
  const r = await runCli([...common, "--overwrite", "--json"], { cwd: dir, env, timeoutMs: 60_000 });
  expect(text.timedOut || r.timedOut, `the CLI did not finish; stderr: ${r.stderr}`).toBe(false);
  expect(text.code).toBe(r.code);
  const out = file.replace(/\.csv$/, ".results.csv");
  const rows = fs.existsSync(out) ? readCsv(out) : [];
  const both = {
    code: r.code,
    stdout: `${text.stdout}\n${r.stdout}`,
    stderr: `${text.stderr}\n${r.stderr}`,
    timedOut: false,
  };
  return { r: both, json: JSON.parse(r.stdout) as Record<string, unknown>, rows, dir };
}

/**
 * Every output, whole: the terminal (text and --json), and every file the run left beside the
 * input (results, failed file, log, report, journal). Of a results or failed file only the
 * columns the tool adds count: the input's own columns hold the contact as given.
 */
function everyOutput(ran: Ran): { name: string; text: string; cells: string[] }[] {
  const outputs = [
    { name: "stdout", text: ran.r.stdout, cells: [] as string[] },
    { name: "stderr", text: ran.r.stderr, cells: [] as string[] },
  ];
  for (const name of fs.readdirSync(ran.dir)) {
    const file = path.join(ran.dir, name);
    if (name === "in.csv" || !fs.statSync(file).isFile()) continue;
    if (name.endsWith(".csv")) {
      const cells = readCsv(file).flatMap((row) => RESULT_COLUMNS.map((column) => row[column] ?? ""));
      outputs.push({ name, text: cells.join("\n"), cells });
    } else outputs.push({ name, text: fs.readFileSync(file, "utf8"), cells: [] });
  }
  return outputs;
}

/** The check every case ends with. */
function expectNothingLeaked(ran: Ran): void {
  const outputs = everyOutput(ran);
  expect(outputs.map((o) => o.name)).toEqual(expect.arrayContaining(["stdout", "in.results.csv"]));
  for (const { name, text, cells } of outputs) {
    const where = `in ${name}`;
    expect(text, where).not.toContain("SECRETSIGNATURE");
    expect(text, where).not.toContain("eyJhbGciOiJIUzI1NiJ9");
    for (const c of CONTACTS) {
      for (const value of [c.firstName, c.lastName, c.email, c.email.split("@")[1]])
        expect(text, where).not.toContain(value);
    }
    expect(text, where).not.toContain("555 0100");
    expect(text, where).not.toContain("7946 0958");
    // eslint-disable-next-line no-control-regex -- finding terminal escapes is the point
    expect(text, where).not.toMatch(/[\x1b\x07\x9b]/);
    expect(text, where).not.toContain(FILLER.repeat(MAX_SERVER_TEXT + 1));
    for (const cell of cells)
      expect(cell.length, `${where}: ${cell.slice(0, 80)}…`).toBeLessThanOrEqual(2 * MAX_SERVER_TEXT);
  }
}

// Each value that travels from an answer to an output, and the case below that sends it poisoned.
// A new flow belongs in this list, and in a case that poisons it.
// Not here: the cells of `pending`'s output file are customer data by design (the names and
// emails of the latest record, for the next run's input): src/pending/select.ts removes their
// control characters and caps them; its lookupError is a verdict message, sanitised as above.
const FLOWS = {
  "MS-RequestId / MS-CorrelationId headers → results requestId/correlationId, log warning": "echoed ids",
  "Retry-After header → the retry delay and a stop message": "echoed ids",
  "error body code / description / message → errorCode, errorMessage, failed file, summary, --json, report":
    "error body",
  "Content-Type header and first bytes of a 2xx → errorMessage": "login page",
  "Agreement fields (type, templateId, customerId, dateAgreed, contact, userId) → status, errorMessage, userId":
    "contradicting Agreement",
  "Location header → errorMessage, stop message": "redirect",
  "listing after 600061 (templateId, dateAgreed, userId, contact) → status, errorMessage, recordedDateAgreed, userId":
    "600061 listing",
  "metadata templateId and error text → templateId column, stop message": "metadata",
} as const;

describe("every value an answer carries is the sanitiser's before it reaches an output", () => {
  it("lists every flow with a case below", () => {
    const cases = new Set([
      "echoed ids",
      "error body",
      "login page",
      "contradicting Agreement",
      "redirect",
      "600061 listing",
      "metadata",
    ]);
    for (const flow of Object.values(FLOWS)) expect(cases).toContain(flow);
  });

  it("echoed ids: the results keep the GUIDs sent; the echo is compared, logged sanitised", async () => {
    const api = await hostile((req, res) =>
      json(res, 201, agreementFor(req), {
        "ms-requestid": headerPoison(req),
        "ms-correlationid": headerPoison(req),
        "retry-after": headerPoison(req, 100),
        "x-extra": headerPoison(req),
      }),
    );
    const { file } = inputFile();
    const ran = await run(api.url, file);
    expect(ran.r.code).toBe(0);
    const posts = api.seen.filter((s) => s.method === "POST");
    for (const row of ran.rows) {
      expect(row.status).toBe("confirmed");
      const sent = posts.find((s) => s.requestId === row.requestId);
      expect(sent, `row ${row.rowNumber}: ${row.requestId} was never sent`).toBeDefined();
      expect(row.correlationId).toBe(sent!.correlationId);
    }
    const log = fs.readFileSync(`${file.replace(/\.csv$/, ".results.csv")}.log`, "utf8");
    expect(log).toContain('"event":"echoed-ids-differ"');
    expectNothingLeaked(ran);
  });

  it("error body: a 400 whose code, description and headers carry everything is rejected, masked and capped", async () => {
    const api = await hostile((req, res) => {
      const text = poison(req);
      json(
        res,
        400,
        { code: text, description: text, message: text, errorName: text },
        { "ms-requestid": headerPoison(req) },
      );
    });
    const { file } = inputFile();
    const ran = await run(api.url, file);
    expect(ran.r.code).toBe(1);
    for (const row of ran.rows)
      expect(row).toMatchObject({ status: "rejected", httpStatus: "400", errorCode: "" });
    expectNothingLeaked(ran);
  });

  it("login page: a 200 HTML page with everything in it and in its content type is failed", async () => {
    const api = await hostile((req, res) => {
      res.writeHead(200, { "content-type": `text/html; ${headerPoison(req)}` });
      res.end(`<html>${poison(req)}</html>`);
    });
    const { file } = inputFile();
    const ran = await run(api.url, file);
    expect(ran.r.code).toBe(1);
    for (const row of ran.rows)
      expect(row).toMatchObject({ status: "failed", errorCode: "unexpected-response" });
    expectNothingLeaked(ran);
  });

  it("contradicting Agreement: poisoned fields are failed, naming the field, never quoting the value", async () => {
    const api = await hostile((req, res) => json(res, 201, agreementFor(req, { templateId: poison(req) })));
    const { file } = inputFile();
    const ran = await run(api.url, file);
    expect(ran.r.code).toBe(1);
    for (const row of ran.rows) {
      expect(row).toMatchObject({ status: "failed", errorCode: "unexpected-response", userId: "" });
      expect(row.errorMessage).toContain("templateId");
    }
    expectNothingLeaked(ran);
  });

  it("redirect: a Location carrying everything is named sanitised, never followed", async () => {
    const api = await hostile((req, res) => {
      res.writeHead(302, {
        location: `/login?next=${encodeURIComponent("x")}&t=${headerPoison(req, 2000)}`,
      });
      res.end();
    });
    const { file } = inputFile();
    const ran = await run(api.url, file);
    expect(ran.r.code).toBe(1);
    expect(api.seen.filter((s) => s.url.startsWith("/login"))).toEqual([]);
    for (const row of ran.rows)
      expect(row).toMatchObject({ status: "failed", errorCode: "redirect", httpStatus: "302" });
    expectNothingLeaked(ran);
  });

  it("600061 listing: a listed record whose every field is poisoned is no confirmation", async () => {
    const api = await hostile((req, res) => {
      const text = poison(req);
      if (req.method === "POST")
        return json(res, 400, { code: 600061, description: text }, { "ms-correlationid": headerPoison(req) });
      const contact = contactOf(req);
      json(res, 200, {
        totalCount: 1,
        items: [
          {
            primaryContact: {
              firstName: contact.firstName,
              lastName: contact.lastName,
              email: contact.email,
              ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}),
            },
            templateId: text,
            dateAgreed: text,
            type: "MicrosoftCustomerAgreement",
            userId: text,
          },
        ],
      });
    });
    const { file } = inputFile();
    const ran = await run(api.url, file);
    expect(ran.r.code).toBe(1);
    for (const row of ran.rows)
      expect(row).toMatchObject({
        status: "rejected",
        errorCode: "600061-unverified",
        userId: "",
        recordedDateAgreed: "",
      });
    expectNothingLeaked(ran);
  });

  it("metadata: a template lookup answered with poison stops the run, nothing sent, nothing leaked", async () => {
    // The first run is listed a poisoned template, the second is refused with a poisoned text.
    // Before any row is sent the server knows no contact: its e-mail and phone are a stranger's.
    const stranger = {
      firstName: "Zed",
      lastName: "Unknown",
      email: "zed@unknown.example",
      phoneNumber: "+1 425 555 0100",
    };
    let lookups = 0;
    const api = await hostile((req, res) => {
      const text = poison(req, 6000, "\x1b[31m\x1b]0;pwned\x07", stranger);
      if (lookups++ === 0)
        return json(res, 200, {
          items: [{ templateId: text, agreementType: "MicrosoftCustomerAgreement", versionRank: 0 }],
        });
      json(res, 400, { code: 800002, description: text });
    });
    const { file } = inputFile();
    const ran = await run(api.url, file, []);
    expect(ran.r.code).toBe(3);
    expect(api.seen.filter((s) => s.method === "POST")).toEqual([]);
    expectNothingLeaked(ran);
  });
});

describe("a 2xx Agreement that contradicts the request is never confirmed", () => {
  it.each([
    ["a Cloud Agreement", { type: "MicrosoftCloudAgreement" }, "type"],
    ["another templateId", { templateId: OLDER_TEMPLATE }, "templateId"],
    ["another customer", { customerId: "00000000-0000-4000-8000-000000000000" }, "customerId"],
    ["a dateAgreed of 1999", { dateAgreed: "1999-12-31T00:00:00Z" }, "dateAgreed"],
    [
      "other names",
      { primaryContact: { firstName: "Mallory", lastName: "Mallory", email: "m@evil.example" } },
      "primaryContact.firstName",
    ],
    [
      "just a userId",
      { primaryContact: undefined, templateId: undefined, dateAgreed: undefined, type: undefined },
      "nothing ties it to the request",
    ],
  ])(
    "%s: failed/unexpected-response naming %s; 10 of them before any Agreement stop the run (exit 3)",
    async (_, change, field) => {
      const api = await hostile((req, res) => json(res, 201, agreementFor(req, change)));
      const { file } = inputFile(40);
      const ran = await run(api.url, file);
      expect(ran.r.code).toBe(3);
      expect(ran.rows.filter((row) => row.status === "confirmed")).toEqual([]);
      const failed = ran.rows.filter((row) => row.status === "failed");
      expect(failed.length).toBeGreaterThanOrEqual(10);
      for (const row of failed) {
        expect(row).toMatchObject({ errorCode: "unexpected-response", httpStatus: "201", userId: "" });
        expect(row.errorMessage).toContain(field);
      }
      expect(ran.rows.filter((row) => row.status === "not-run").length).toBeGreaterThan(0);
      // Two runs (text and --json), each stopped within the 10 answers and those in flight (8).
      expect(api.seen.filter((s) => s.method === "POST").length).toBeLessThanOrEqual(2 * 18);
      expect(ran.json.resumeCommand).toEqual(expect.stringContaining("--resume"));
      expectNothingLeaked(ran);
    },
  );
});

describe("redirects are failed, never followed, and stop the run", () => {
  /** Redirects everything to a login page on the same server; counts what reaches it. */
  const redirecting = () =>
    hostile((req, res) => {
      if (req.url.startsWith("/login")) return json(res, 200, { items: [], userId: "u" });
      res.writeHead(302, { location: "/login?return=partner-center" }).end();
    });

  it("a 3,000-row run behind a redirecting proxy stops within a dozen requests: exit 3, resumable", async () => {
    const api = await redirecting();
    const { file } = inputFile(3000);
    const env = { PARTNER_CENTER_ACCESS_TOKEN: TOKEN };
    const r = await runCli(
      ["run", file, "--base-url", api.url, "--template-id", CURRENT_MCA_TEMPLATE_ID, "--json"],
      {
        cwd: path.dirname(file),
        env,
        timeoutMs: 60_000,
      },
    );
    expect(r.code).toBe(3);
    // Ten redirects stop it; at most the other requests already in flight (--concurrency 8) follow.
    expect(api.seen.length).toBeLessThanOrEqual(10 + 8);
    expect(api.seen.filter((s) => s.url.startsWith("/login"))).toEqual([]);
    const rows = readCsv(file.replace(/\.csv$/, ".results.csv"));
    expect(rows).toHaveLength(3000);
    expect(rows.filter((row) => row.status === "confirmed" || row.status === "rejected")).toEqual([]);
    for (const row of rows.filter((x) => x.status === "failed")) {
      expect(row).toMatchObject({ errorCode: "redirect", httpStatus: "302" });
      expect(row.errorMessage).toContain("HTTP 302");
    }
    const summary = JSON.parse(r.stdout) as {
      resumeCommand: string | null;
      stopped: { message: string } | null;
    };
    expect(summary.resumeCommand).toContain("--resume");
    expect(summary.stopped?.message).toContain("HTTP 302");
  });

  it("the templateId lookup is not followed either: exit 3, one request, nothing sent", async () => {
    const api = await redirecting();
    const { file } = inputFile();
    const r = await runCli(["run", file, "--base-url", api.url], {
      cwd: path.dirname(file),
      env: { PARTNER_CENTER_ACCESS_TOKEN: TOKEN },
    });
    expect(r.code).toBe(3);
    expect(api.seen.map((s) => s.url)).toEqual(["/v1/agreements?agreementType=MicrosoftCustomerAgreement"]);
    expect(r.stderr + r.stdout).toContain("HTTP 302");
  });

  it("--skip-confirmed's listing and pending's customer listing are not followed", async () => {
    const api = await redirecting();
    const { file, dir } = inputFile();
    const env = { PARTNER_CENTER_ACCESS_TOKEN: TOKEN };
    const run = await runCli(
      ["run", file, "--base-url", api.url, "--template-id", CURRENT_MCA_TEMPLATE_ID, "--skip-confirmed"],
      { cwd: dir, env },
    );
    expect(run.code).toBe(1);
    for (const row of readCsv(file.replace(/\.csv$/, ".results.csv")))
      expect(row).toMatchObject({ status: "failed", errorCode: "redirect" });
    const pending = await runCli(["pending", "--base-url", api.url, "--out", path.join(dir, "pending.csv")], {
      cwd: dir,
      env,
    });
    expect(pending.code).not.toBe(0);
    expect(pending.stderr + pending.stdout).toContain("HTTP 302");
    expect(api.seen.filter((s) => s.url.startsWith("/login"))).toEqual([]);
    expect(api.seen.every((s) => s.method === "GET")).toBe(true);
  });
});

describe("600061 is a confirmation only when the record is of the current template", () => {
  /** A fresh simulator: row 1's contact on record under an older template, row 2's under the current one. */
  async function seeded() {
    const sim = await trackedSimulator();
    sim.seedConfirmation(customerId(0), CONTACTS[0], "2019-05-02T00:00:00.000Z", { template: "older" });
    sim.seedConfirmation(customerId(1), CONTACTS[1], "2025-11-01T00:00:00.000Z");
    return { sim, ...inputFile() };
  }
  const runOnce = (url: string, file: string, args: string[] = []) =>
    runCli(["run", file, "--base-url", url, ...args], {
      cwd: path.dirname(file),
      env: { PARTNER_CENTER_ACCESS_TOKEN: TOKEN },
      timeoutMs: 60_000,
    });

  it("older template → rejected 600061-older-template; current → confirmed with recordedDateAgreed; counted apart", async () => {
    const { sim, file, dir } = await seeded();
    const r = await runOnce(sim.url, file);
    expect(r.code).toBe(1);
    const [first, second, third] = readCsv(path.join(dir, "in.results.csv"));
    expect(first).toMatchObject({
      status: "rejected",
      errorCode: "600061-older-template",
      httpStatus: "400",
      userId: "",
    });
    expect(first.recordedDateAgreed).toBe("2019-05-02T00:00:00.000Z");
    expect(first.errorMessage).toContain("2019-05-02");
    expect(first.errorMessage).toContain(OLDER_TEMPLATE);
    expect(first.errorMessage).toContain("enter the person who accepted it");
    expect(second).toMatchObject({
      status: "confirmed",
      errorCode: "600061",
      recordedDateAgreed: "2025-11-01T00:00:00.000Z",
    });
    expect(second.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(third).toMatchObject({
      status: "confirmed",
      errorCode: "",
      httpStatus: "201",
      recordedDateAgreed: "",
    });
    expect(r.stdout).toMatch(/confirmed +2 \(1 new record, 1 already on record\)/);
    const failed = readCsv(path.join(dir, "in.failed.csv"));
    expect(failed.map((row) => row.errorCode)).toEqual(["600061-older-template"]);
    const report = fs.readFileSync(path.join(dir, "in.report.html"), "utf8");
    expect(report).toContain("1 new record, 1 already on record");

    // --skip-confirmed skips only records of the current template; the older one is sent and rejected.
    const again = await runOnce(sim.url, file, ["--skip-confirmed", "--overwrite"]);
    expect(again.code).toBe(1);
    const [a, b, c] = readCsv(path.join(dir, "in.results.csv"));
    expect(a).toMatchObject({ status: "rejected", errorCode: "600061-older-template" });
    expect(b).toMatchObject({
      status: "skipped",
      errorCode: "already-confirmed",
      recordedDateAgreed: "2025-11-01T00:00:00.000Z",
    });
    expect(c).toMatchObject({ status: "skipped", errorCode: "already-confirmed" });
    expect(c.recordedDateAgreed).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("--json counts the already on record apart from the new records", async () => {
    const { sim, file } = await seeded();
    const r = await runOnce(sim.url, file, ["--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      statuses: { confirmed: 2, rejected: 1 },
      confirmedBy: { "new-record": 1, "already-on-record": 1 },
      errors: [expect.objectContaining({ code: "600061-older-template", rows: 1 })],
    });
  });

  it("600061 with no record of this contact listed → rejected 600061-unverified", async () => {
    const api = await hostile((req, res) => {
      if (req.method === "POST") return json(res, 400, { code: 600061, description: "already exists" });
      json(res, 200, {
        totalCount: 1,
        items: [
          {
            primaryContact: { firstName: "Someone", lastName: "Else", email: "x@y.example" },
            templateId: CURRENT_MCA_TEMPLATE_ID,
            userId: "u-1",
          },
        ],
      });
    });
    const { file } = inputFile();
    const ran = await run(api.url, file);
    expect(ran.r.code).toBe(1);
    for (const row of ran.rows) {
      expect(row).toMatchObject({ status: "rejected", errorCode: "600061-unverified", userId: "" });
      expect(row.errorMessage).toContain("lists no record with this contact");
    }
  });

  it("recordedDateAgreed survives the journal a resume reads", () => {
    const recorded = new RecordedOutcomes();
    const outcome: Outcome = {
      rowNumber: 7,
      status: "confirmed",
      errorCode: "600061",
      attempts: 1,
      recordedDateAgreed: "2019-05-02T00:00:00Z",
    };
    recorded.set(outcome);
    recorded.set({ ...outcome, rowNumber: 8, recordedDateAgreed: "2025-11-01T00:00:00.000Z" });
    expect(recorded.get(7)).toMatchObject({ recordedDateAgreed: "2019-05-02T00:00:00Z" });
    expect(recorded.get(8)).toMatchObject({ recordedDateAgreed: "2025-11-01T00:00:00.000Z" });
  });
});
