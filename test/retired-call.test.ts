// A retired confirmation call (docs/partner-center-api.md "A retired call"): when Partner Center
// answers the first confirmations as a call it no longer serves (404 without an API code, 405,
// 410, or a text saying deprecated/retired/no longer supported), the run stops at once (exit 3,
// resumable) instead of marching every row into `rejected`. Once an Agreement came back, the
// same answer is the row's own.
import http from "node:http";
import path from "node:path";
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { Attempt, CallKind } from "../src/partner-center/client.js";
import { verdictOf } from "../src/partner-center/verdict.js";
import { writeGeneratedCsv } from "../src/demo/generate.js";
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

afterAll(async () => {
  closeServers();
  await closeSimulators();
  removeTempDirs();
});

function answer(status: number, body: string, call: CallKind = "confirm"): Attempt {
  return { kind: "response", status, body, contentType: "application/json", call, durationMs: 1 };
}

const retired = (a: Attempt) => {
  const v = verdictOf(a, Date.now());
  return v.kind === "rejected" && v.retired === true;
};

describe("isRetiredCall, through verdictOf", () => {
  it("recognises 405, 410, a bare 404 and an error text that says the API is gone", () => {
    expect(retired(answer(410, ""))).toBe(true);
    expect(retired(answer(405, "Method Not Allowed"))).toBe(true);
    expect(retired(answer(404, "Not Found"))).toBe(true);
    expect(retired(answer(400, JSON.stringify({ code: 1, description: "This API is deprecated" })))).toBe(
      true,
    );
    expect(retired(answer(403, JSON.stringify({ message: "The attestation API has been retired." })))).toBe(
      true,
    );
  });

  it("leaves the row's own refusals alone: tenant not found, an old template, other calls", () => {
    const notFound = JSON.stringify({ code: 60003, description: "Tenant not found" });
    expect(retired(answer(404, notFound))).toBe(false);
    const oldTemplate = JSON.stringify({ code: 800002, description: "The template is no longer supported" });
    expect(retired(answer(400, oldTemplate))).toBe(false);
    expect(retired(answer(404, "Not Found", "list"))).toBe(false);
    expect(retired(answer(400, JSON.stringify({ code: 600002, description: "future date" })))).toBe(false);
  });
});

describe("a run against a retired confirmation call", () => {
  it("stops within a handful of requests (exit 3, resumable, pointing to the README), and resumes later", async () => {
    const sim = await trackedSimulator({ retired: true });
    const dir = tempDir();
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 300);
    const r = await runCli(["run", input, "--base-url", sim.url, "--quiet"], { env: ENV });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain("no longer accepts this confirmation call");
    expect(r.stdout).toContain("Partner Center's 2025-2026 changes");
    expect(r.stdout).toContain("--resume");
    // The metadata call, then at most one confirmation per worker (--concurrency 8).
    expect(sim.stats.confirmRequests).toBeLessThanOrEqual(8);
    expect(sim.stats.requests).toBeLessThanOrEqual(9);
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows).toHaveLength(300);
    expect(rows.every((row) => row.status === "not-run")).toBe(true);

    sim.setRetired(false);
    const resumed = await runCli(["run", input, "--base-url", sim.url, "--quiet", "--resume"], { env: ENV });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readCsv(path.join(dir, "in.results.csv")).every((row) => row.status === "confirmed")).toBe(true);
  });

  it("stops on a bare 404 too, and says so in --json", async () => {
    let confirms = 0;
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith("/v1/agreements")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            items: [
              {
                templateId: "117a77b0-9360-443b-8795-c6dedc750cf9",
                type: "MicrosoftCustomerAgreement",
                versionRank: 0,
              },
            ],
          }),
        );
        return;
      }
      confirms++;
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("Not Found");
    });
    const url = await listenOnLoopback(server);
    const dir = tempDir();
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 300);
    const r = await runCli(["run", input, "--base-url", url, "--quiet", "--json", "--concurrency", "2"], {
      env: ENV,
    });
    expect(r.code, r.stderr).toBe(3);
    const summary = JSON.parse(r.stdout) as { stopped: { reason: string } };
    expect(summary.stopped.reason).toBe("api-retired");
    expect(confirms).toBeLessThanOrEqual(2);
  });

  it("keeps a customer's own 404 (tenant not found) on the first row a rejected row, and goes on", async () => {
    const sim = await trackedSimulator();
    const dir = tempDir();
    const input = path.join(dir, "in.csv");
    fs.writeFileSync(
      input,
      "customerTenantId,firstName,lastName,email,dateAgreed\n" +
        "00000404-0000-4000-8000-000000000001,Tania,Carr,t@example.com,2025-01-02\n" +
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301,Ravi,Iyer,r@example.com,2025-01-02\n",
    );
    const r = await runCli(["run", input, "--base-url", sim.url, "--quiet", "--concurrency", "1"], {
      env: ENV,
    });
    expect(r.code, r.stderr).toBe(1);
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows.map((row) => row.status)).toEqual(["rejected", "confirmed"]);
  });

  it("after an Agreement came back, treats the same answer as the row's (rejected), not as a retired call", async () => {
    let n = 0;
    const sim = await trackedSimulator({
      acceptToken: () => {
        if (++n === 12) sim.setRetired(true);
        return true;
      },
    });
    const dir = tempDir();
    const input = path.join(dir, "in.csv");
    await writeGeneratedCsv(input, 30);
    const r = await runCli(["run", input, "--base-url", sim.url, "--quiet", "--concurrency", "1"], {
      env: ENV,
    });
    expect(r.code, r.stderr).toBe(1);
    const rows = readCsv(path.join(dir, "in.results.csv"));
    expect(rows.filter((row) => row.status === "confirmed")).toHaveLength(10);
    expect(rows.filter((row) => row.status === "rejected" && row.httpStatus === "410")).toHaveLength(20);
  });
});
