// Files of Microsoft's retired bulk attestation tool (docs/cli.md "Files of Microsoft's bulk
// attestation tool"): recognised by their header; rows not marked True are skipped
// (not-attested) and never sent; dateAgreed comes from a required --date-agreed, never from
// LastAgreementDate. `validate` reads them the same way.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ROOT,
  closeSimulators,
  readCsv,
  removeTempDirs,
  runCli,
  tempDir,
  trackedSimulator,
} from "./helpers/cli.js";

const ENV = { PARTNER_CENTER_ACCESS_TOKEN: "test-token" };
const SAMPLE = path.join(ROOT, "samples", "CustomerAgreementRecords.csv");

afterAll(async () => {
  await closeSimulators();
  removeTempDirs();
});

function copySample(): { dir: string; input: string } {
  const dir = tempDir();
  const input = path.join(dir, "CustomerAgreementRecords.csv");
  fs.copyFileSync(SAMPLE, input);
  return { dir, input };
}

describe("a CustomerAgreementRecords.csv of Microsoft's bulk attestation tool", () => {
  it("is refused without --date-agreed (exit 2), naming the file's origin and the option, nothing sent", async () => {
    const sim = await trackedSimulator();
    const { input } = copySample();
    for (const command of ["run", "validate"]) {
      const r = await runCli([command, input, "--base-url", sim.url, "--quiet"], { env: ENV });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("bulk attestation tool");
      expect(r.stderr).toContain("--date-agreed");
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(sim.stats.requests).toBe(0);
  });

  it("never takes LastAgreementDate as the acceptance date, even when mapped", async () => {
    const sim = await trackedSimulator();
    const { input } = copySample();
    const r = await runCli(
      ["run", input, "--base-url", sim.url, "--quiet", "--map", "LastAgreementDate=dateAgreed"],
      { env: ENV },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("LastAgreementDate cannot be sent as dateAgreed");
    expect(sim.stats.requests).toBe(0);
  });

  it("sends only the rows marked True, with --date-agreed as dateAgreed; the rest are skipped not-attested", async () => {
    const sim = await trackedSimulator();
    const { dir, input } = copySample();
    const r = await runCli(["run", input, "--base-url", sim.url, "--quiet", "--date-agreed", "2025-12-15"], {
      env: ENV,
    });
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(path.join(dir, "CustomerAgreementRecords.results.csv"));
    expect(rows.map((row) => [row.status, row.errorCode])).toEqual([
      ["confirmed", ""],
      ["skipped", "not-attested"],
      ["confirmed", ""],
      ["skipped", "not-attested"],
      ["confirmed", ""],
    ]);
    for (const row of rows.filter((row) => row.status === "confirmed"))
      expect(row.dateSent).toBe("2025-12-15T00:00:00.000Z");
    expect(sim.stats.confirmRequests).toBe(3);
    expect(sim.stats.recordsPerCustomer("6b1f8c2e-3d4a-4e5b-8c6d-7e8f9a0b1c22")).toBe(0);
    // Every input column passes through, LastAgreementDate untouched.
    expect(rows[0].LastAgreementDate).toBe("2019-05-01 00:00:00");
    expect(r.stdout).toContain("2 not attested");
  });

  it("validates the same way: True rows valid, the others skipped not-attested", async () => {
    const { dir, input } = copySample();
    const r = await runCli(["validate", input, "--date-agreed", "2025-12-15", "--quiet"], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsv(path.join(dir, "CustomerAgreementRecords.validation.csv"));
    expect(rows.map((row) => row.status)).toEqual(["valid", "skipped", "valid", "skipped", "valid"]);
    expect(r.stdout).toContain("--date-agreed 2025-12-15");
  });

  it("refuses a --date-agreed in the future or not a date, and one beside a file's own dateAgreed column", async () => {
    const { dir, input } = copySample();
    const future = await runCli(["validate", input, "--date-agreed", "2999-01-01"]);
    expect(future.code).toBe(2);
    expect(future.stderr).toContain("--date-agreed");
    const slashed = await runCli(["validate", input, "--date-agreed", "5/2/2026"]);
    expect(slashed.code).toBe(2);
    const own = path.join(dir, "own.csv");
    fs.writeFileSync(
      own,
      "customerTenantId,firstName,lastName,email,dateAgreed\n6b1f8c2e-3d4a-4e5b-8c6d-7e8f9a0b1c21,A,B,a@b.example,2025-01-01\n",
    );
    const both = await runCli(["validate", own, "--date-agreed", "2025-01-01"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("its own dateAgreed column");
  });
});
