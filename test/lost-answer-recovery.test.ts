// Every confirmed row carries the API's record: a lost answer (reset after the API committed)
// followed by a 503 must not turn into 600061 without a userId, and a 600061 is tied to its
// record through the list call. The built CLI against the simulator and a scripted server.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeGeneratedCsv } from "../src/demo/generate.js";
import { CURRENT_MCA_TEMPLATE_ID } from "../src/simulator/index.js";
import {
  closeServers,
  closeSimulators,
  listenOnLoopback,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "test-token" };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
afterAll(async () => {
  await closeSimulators();
  closeServers();
  removeTempDirs();
});

const USER_ID = "0c1d2e3f-4a5b-4c6d-8e7f-000000000042";
const RECORDED = "2024-03-01T00:00:00.000Z";
const CONTACT = { firstName: "Tania", lastName: "Carr", email: "tania.carr@contoso.example" };

/**
 * One customer's API, scripted: the first POST is committed and its connection cut, the second
 * gets 503, later ones get the idempotent replay (201) for the committed request id, or 600061
 * for any other id (or always, with `forgets`). The list call answers `list`.
 */
async function scriptedApi(options: { forgets?: boolean; list: "record" | "fails" }) {
  const posts: string[] = [];
  let lists = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET") {
        lists++;
        if (options.list === "fails") return json(500, { code: 500, description: "list unavailable" });
        return json(200, {
          totalCount: 2,
          items: [
            { primaryContact: { ...CONTACT, email: "other@contoso.example" }, userId: "someone-else" },
            {
              primaryContact: CONTACT,
              type: "MicrosoftCustomerAgreement",
              templateId: CURRENT_MCA_TEMPLATE_ID,
              dateAgreed: RECORDED,
              userId: USER_ID,
            },
          ],
        });
      }
      const id = String(req.headers["ms-requestid"]);
      posts.push(id);
      if (posts.length === 1) return void req.socket.destroy();
      if (posts.length === 2) return json(503, { code: 503, description: "temporarily unavailable" });
      if (!options.forgets && id === posts[0])
        return json(201, { ...CONTACT, primaryContact: CONTACT, userId: USER_ID });
      json(400, {
        code: 600061,
        description: "A partner confirmed agreement already exists",
        errorName: "x",
      });
    });
  });
  return { url: await listenOnLoopback(server), posts, lists: () => lists };
}

async function runOne(
  url: string,
  extra: string[] = [],
): Promise<{ code: number | null; row: Record<string, string> }> {
  const dir = tempDir("mca-lost-");
  const file = path.join(dir, "one.csv");
  fs.writeFileSync(
    file,
    `customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed\n6513270e-269e-4d37-b2a7-4de452e6b438,Tania,Carr,${CONTACT.email},,2024-03-01\n`,
  );
  const r = await runCli(
    ["run", file, "--base-url", url, "--template-id", CURRENT_MCA_TEMPLATE_ID, "--quiet", ...extra],
    {
      cwd: dir,
      env: ENV,
    },
  );
  expect(r.timedOut).toBe(false);
  return { code: r.code, row: readCsv(path.join(dir, "one.results.csv"))[0] };
}

describe("a lost answer, then a 503", () => {
  it("re-sends the unanswered MS-RequestId, so the API replays its 201 with the userId", async () => {
    const api = await scriptedApi({ list: "fails" });
    const { code, row } = await runOne(api.url);
    expect(code).toBe(0);
    expect(api.posts).toHaveLength(3);
    expect(new Set(api.posts).size).toBe(1);
    expect(row).toMatchObject({ status: "confirmed", httpStatus: "201", userId: USER_ID, attempts: "3" });
    expect(api.lists()).toBe(0);
  });

  it("when the API answers 600061 all the same, the record's userId and date come from the list call", async () => {
    const api = await scriptedApi({ forgets: true, list: "record" });
    const { code, row } = await runOne(api.url);
    expect(code).toBe(0);
    expect(row).toMatchObject({
      status: "confirmed",
      httpStatus: "400",
      errorCode: "600061",
      userId: USER_ID,
    });
    expect(row.errorMessage).toBe(`already on record (recorded dateAgreed ${RECORDED})`);
    expect(api.lists()).toBe(1);
  });

  it("when the lookup fails the row is failed 600061-unverified: whose record it is cannot be told", async () => {
    const api = await scriptedApi({ forgets: true, list: "fails" });
    // Enough attempts for the lost answer, the 503 and the 600061; the lookup then fails twice.
    const { code, row } = await runOne(api.url, ["--max-attempts", "3"]);
    expect(code).toBe(1);
    expect(row).toMatchObject({ status: "failed", errorCode: "600061-unverified", userId: "" });
    expect(row.errorMessage).toMatch(/but the record could not be read: list unavailable/);
    expect(api.lists()).toBe(3);
  });
});

describe("against the simulator", () => {
  it("a second run of a confirmed file gets 600061 on every row and fills each row's own userId from the list call", async () => {
    const sim = await trackedSimulator();
    const dir = tempDir("mca-lost-");
    const file = path.join(dir, "in.csv");
    await writeGeneratedCsv(file, 40);
    const args = ["run", file, "--base-url", sim.url, "--quiet", "--overwrite"];
    const first = await runCli(args, { env: ENV });
    expect(first.code, first.stderr).toBe(0);
    const firstRows = readCsv(path.join(dir, "in.results.csv"));
    const second = await runCli(args, { env: ENV });
    expect(second.code, second.stderr).toBe(0);
    const secondRows = readCsv(path.join(dir, "in.results.csv"));
    expect(secondRows.map((x) => x.errorCode)).toEqual(firstRows.map(() => "600061"));
    expect(secondRows.map((x) => x.userId)).toEqual(firstRows.map((x) => x.userId));
    expect(secondRows.every((x) => GUID.test(x.userId))).toBe(true);
    expect(sim.stats.listRequests).toBe(40);
    expect(sim.stats.totalRecords()).toBe(40);
  });

  it("under resets after commit and 5xx, every confirmed row carries a userId and nothing is recorded twice", async () => {
    const sim = await trackedSimulator({
      seed: 7,
      faults: { resetAfterCommitRate: 0.25, errorRate: 0.25 },
    });
    const dir = tempDir("mca-lost-");
    const file = path.join(dir, "in.csv");
    await writeGeneratedCsv(file, 150);
    const r = await runCli(["run", file, "--base-url", sim.url, "--quiet", "--max-attempts", "10"], {
      env: ENV,
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows.filter((x) => x.status !== "confirmed")).toEqual([]);
    expect(rows.filter((x) => !GUID.test(x.userId))).toEqual([]);
    expect(sim.stats.customersWithDuplicateRecords()).toEqual([]);
    expect(sim.stats.totalRecords()).toBe(150);
    // The path this guards was taken: some row's answer was lost and a 5xx followed it.
    const log = fs.readFileSync(path.join(dir, "in.results.csv.log"), "utf8").trim().split("\n");
    const attempts = log
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === "attempt");
    const lostThen5xx = attempts.filter(
      (a, i) =>
        a.noResponse !== undefined &&
        attempts.slice(i + 1).some((b) => b.rowNumber === a.rowNumber && Number(b.httpStatus) >= 500),
    );
    expect(lostThen5xx.length).toBeGreaterThan(0);
  }, 150_000);
});
