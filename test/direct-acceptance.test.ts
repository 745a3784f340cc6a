// Customers who accepted the MCA directly in the Microsoft 365 admin center
// (docs/partner-center-api.md "Direct acceptance"): `pending` leaves them out and counts them,
// `run --skip-confirmed` (with or without --dry-run) skips them as accepted-directly without
// sending; a status that cannot be read counts as not accepted, said once.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generatedCustomer } from "../src/simulator/index.js";
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
const NONE = "2b000000-0000-4000-8000-000000000001";
const DIRECT = "2b000000-0000-4000-8000-000000000002";
const CONFIRMED = "2b000000-0000-4000-8000-000000000003";
const CONTACT = { firstName: "Ravi", lastName: "Iyer", email: "ravi@example.com" };

afterAll(async () => {
  closeServers();
  await closeSimulators();
  removeTempDirs();
});

async function simulator() {
  const sim = await trackedSimulator();
  for (const id of [NONE, DIRECT, CONFIRMED])
    sim.customers.add({ id, companyName: `C ${id.slice(-1)}`, domain: `c${id.slice(-1)}.example` });
  sim.customers.acceptDirectly(DIRECT);
  sim.seedConfirmation(CONFIRMED, CONTACT, "2025-06-01");
  return sim;
}

function inputFile(dir: string): string {
  const file = path.join(dir, "in.csv");
  fs.writeFileSync(
    file,
    "customerTenantId,firstName,lastName,email,dateAgreed\n" +
      `${NONE},Tania,Carr,tania@example.com,2025-01-02\n` +
      `${DIRECT},Mei,Chen,mei@example.com,2025-01-02\n` +
      `${CONFIRMED},${CONTACT.firstName},${CONTACT.lastName},${CONTACT.email},2025-06-01\n`,
  );
  return file;
}

describe("pending", () => {
  it("leaves out the customers who accepted directly and counts them", async () => {
    const sim = await simulator();
    const dir = tempDir();
    const r = await runCli(["pending", "--base-url", sim.url, "--quiet"], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(path.join(dir, "pending.csv")).map((row) => row.customerTenantId)).toEqual([NONE]);
    expect(r.stdout).toContain("accepted directly: 1");
    // The customer who accepted directly needs no look at its confirmations.
    expect(sim.stats.directStatusRequests).toBe(3);
    expect(sim.stats.listRequests).toBe(2);

    const json = await runCli(["pending", "--base-url", sim.url, "--quiet", "--json", "--overwrite"], {
      cwd: dir,
      env: ENV,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ acceptedDirectly: 1, needConfirmation: 1 });
  });

  it("finds a seeded share of the generated customers accepted directly", async () => {
    const sim = await trackedSimulator({ customers: 400 });
    const dir = tempDir();
    const r = await runCli(["pending", "--base-url", sim.url, "--quiet", "--json"], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    const accepted = (JSON.parse(r.stdout) as { acceptedDirectly: number }).acceptedDirectly;
    // About 5 %; the seeded mix never changes, so neither does the count.
    expect(accepted).toBeGreaterThan(5);
    expect(accepted).toBeLessThan(40);
    const listed = new Set(readCsv(path.join(dir, "pending.csv")).map((row) => row.customerTenantId));
    for (let p = 0; p < 400; p++) {
      const id = generatedCustomer(p).id;
      if (sim.customers.acceptedDirectly(id)) expect(listed.has(id)).toBe(false);
    }
  });

  it("treats a status that cannot be read as not accepted, and says so once", async () => {
    const server = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/v1/customers?")) {
        const items = [NONE, DIRECT].map((id) => ({
          id,
          companyProfile: { tenantId: id, companyName: "X" },
        }));
        res.end(JSON.stringify({ totalCount: 2, items }));
      } else if (req.url?.includes("directSigned")) {
        res.writeHead(400);
        res.end(JSON.stringify({ code: 800002, description: "Invalid request" }));
      } else {
        res.end(JSON.stringify({ totalCount: 0, items: [] }));
      }
    });
    const url = await listenOnLoopback(server);
    const dir = tempDir();
    const r = await runCli(["pending", "--base-url", url, "--quiet"], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(path.join(dir, "pending.csv")).map((row) => row.customerTenantId)).toEqual([NONE, DIRECT]);
    expect(r.stdout.match(/direct acceptance could not be read/g)).toHaveLength(1);
    expect(r.stdout).toContain("2 whose direct acceptance could not be read (treated as not accepted)");
  });
});

describe("run --skip-confirmed", () => {
  it("skips a customer who accepted directly (accepted-directly) and sends for the others", async () => {
    const sim = await simulator();
    const dir = tempDir();
    const r = await runCli(["run", inputFile(dir), "--base-url", sim.url, "--quiet", "--skip-confirmed"], {
      env: ENV,
    });
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows.map((row) => [row.status, row.errorCode])).toEqual([
      ["confirmed", ""],
      ["skipped", "accepted-directly"],
      ["skipped", "already-confirmed"],
    ]);
    expect(sim.stats.confirmRequests).toBe(1);
    expect(sim.stats.recordsPerCustomer(DIRECT)).toBe(0);
    expect(r.stdout).toContain("accepted directly");
  });

  it("with --dry-run, marks them skipped the same way and sends nothing", async () => {
    const sim = await simulator();
    const dir = tempDir();
    const r = await runCli(
      ["run", inputFile(dir), "--base-url", sim.url, "--quiet", "--skip-confirmed", "--dry-run", "--json"],
      { env: ENV },
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(path.join(dir, "in.dry-run.csv"));
    expect(rows.map((row) => [row.status, row.errorCode])).toEqual([
      ["valid", ""],
      ["skipped", "accepted-directly"],
      ["skipped", "already-confirmed"],
    ]);
    expect(sim.stats.confirmRequests).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ skippedBy: { "accepted-directly": 1 } });
  });

  it("sends for a customer whose status cannot be read, and says so once in the summary", async () => {
    const server = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/v1/agreements")) {
        const template = {
          templateId: "117a77b0-9360-443b-8795-c6dedc750cf9",
          type: "MicrosoftCustomerAgreement",
        };
        res.end(JSON.stringify({ totalCount: 1, items: [{ ...template, versionRank: 0 }] }));
      } else if (req.url?.includes("directSigned")) {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html>not the API</html>");
      } else if (req.method === "GET") {
        res.end(JSON.stringify({ totalCount: 0, items: [] }));
      } else {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
          res.writeHead(201);
          res.end(
            JSON.stringify({
              ...(JSON.parse(body) as object),
              userId: "5e2f0c1a-0000-4000-8000-000000000001",
            }),
          );
        });
      }
    });
    const url = await listenOnLoopback(server);
    const dir = tempDir();
    const r = await runCli(
      ["run", inputFile(dir), "--base-url", url, "--quiet", "--skip-confirmed", "--json"],
      {
        env: ENV,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { statuses: Record<string, number>; warnings: string[] };
    expect(summary.statuses).toEqual({ confirmed: 3 });
    const said = summary.warnings.filter((w) => w.includes("direct-acceptance status"));
    expect(said).toEqual([
      "the direct-acceptance status of 3 customers could not be read; treated as not accepted directly (see the log)",
    ]);
  });

  it("without --skip-confirmed, asks nothing about direct acceptance", async () => {
    const sim = await simulator();
    const dir = tempDir();
    const r = await runCli(["run", inputFile(dir), "--base-url", sim.url, "--quiet"], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(sim.stats.directStatusRequests).toBe(0);
  });
});
