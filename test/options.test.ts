// Options resolved before anything runs: the default file names beside the input, and the
// base-URL rule (https anywhere, http only on loopback, no credentials in the URL).
import { describe, expect, it } from "vitest";
import {
  carriedBy,
  checkBaseUrl,
  defaultFailedPath,
  defaultOutPath,
  resolveRunConfig,
  rowSettings,
} from "../src/config.js";
import { commandHelp } from "../src/commands/spec.js";
import { RUN_SPEC } from "../src/commands/run.js";
import { UsageError } from "../src/errors.js";

describe("default file names", () => {
  it("puts results and failed files beside the input", () => {
    expect(defaultOutPath("x.csv", "results")).toBe("x.results.csv");
    expect(defaultFailedPath("x.results.csv")).toBe("x.failed.csv");
    expect(defaultOutPath("dir/acceptances.csv", "validation")).toBe("dir/acceptances.validation.csv");
    expect(defaultOutPath("dir/X.CSV", "results")).toBe("dir/X.results.csv");
  });
  it("keeps a tab-separated input's .tsv extension", () => {
    expect(defaultOutPath("x.tsv", "results")).toBe("x.results.tsv");
    expect(defaultFailedPath("x.results.tsv")).toBe("x.failed.tsv");
  });
  it("re-runs x.failed.csv into x.failed.results.csv and numbers later failed files", () => {
    expect(defaultOutPath("x.failed.csv", "results")).toBe("x.failed.results.csv");
    expect(defaultFailedPath(defaultOutPath("x.failed.csv", "results"))).toBe("x.failed-2.csv");
    expect(defaultFailedPath(defaultOutPath("x.failed-2.csv", "results"))).toBe("x.failed-3.csv");
    expect(defaultFailedPath(defaultOutPath("x.failed-9.csv", "results"))).toBe("x.failed-10.csv");
  });
  it("gives any other --out a .failed name of its own", () => {
    expect(defaultFailedPath("out.csv")).toBe("out.failed.csv");
    expect(defaultFailedPath("out")).toBe("out.failed.csv");
  });
});

describe("checkBaseUrl", () => {
  it("accepts https anywhere and drops a trailing slash", () => {
    expect(checkBaseUrl("https://api.partnercenter.microsoft.com/", "--base-url")).toBe(
      "https://api.partnercenter.microsoft.com",
    );
  });
  it.each(["http://127.0.0.1:8080", "http://localhost:1234/", "http://[::1]:9000", "http://127.1.2.3"])(
    "accepts http on loopback: %s",
    (url) => {
      expect(() => checkBaseUrl(url, "--base-url")).not.toThrow();
    },
  );
  it.each([
    "http://example.com",
    "http://10.0.0.1:8080",
    "http://127.evil.example",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
  ])("refuses http on a non-loopback host: %s", (url) => {
    expect(() => checkBaseUrl(url, "--base-url")).toThrow(UsageError);
    expect(() => checkBaseUrl(url, "--base-url")).toThrow(/--base-url.*http:/);
  });
  it("refuses other schemes and non-URLs", () => {
    expect(() => checkBaseUrl("ftp://127.0.0.1", "--base-url")).toThrow(UsageError);
    expect(() => checkBaseUrl("api.partnercenter.microsoft.com", "PARTNER_CENTER_BASE_URL")).toThrow(
      /PARTNER_CENTER_BASE_URL/,
    );
  });
});

describe("the one options table", () => {
  it("resolves to the defaults its help shows", () => {
    const config = resolveRunConfig("run", "x.csv", {}, {});
    const help = commandHelp(RUN_SPEC).replace(/\s+/g, " ");
    expect(help).toContain(`(default: ${config.concurrency})`);
    expect(help).toContain(`(default: ${config.maxAttempts})`);
    expect(help).toContain(`(default: ${config.timeoutMs / 1000})`);
    expect(help).toContain(`(default: ${config.outageTimeoutMs / 1000})`);
    expect(help).toContain(`(default: ${config.baseUrl})`);
    expect(help).toContain(`(default: ${config.agreementType})`);
    expect(help).toContain(`(default: ${config.logLevel})`);
  });

  it("says which printed command carries each option", () => {
    expect([...carriedBy("pending").names].sort()).toEqual(
      [
        "--agreement-type",
        "--base-url",
        "--concurrency",
        "--max-attempts",
        "--max-rpm",
        "--outage-timeout",
        "--proxy",
        "--timeout",
      ].sort(),
    );
    expect(carriedBy("rerun").names).toContain("--skip-confirmed");
    expect(carriedBy("rerun").switches).toEqual(new Set(["--skip-confirmed"]));
    expect(carriedBy("rerun").names).not.toContain("--out");
    expect(carriedBy("resume").names).toContain("--out");
    expect(carriedBy("resume").names).not.toContain("--overwrite");
    expect(carriedBy("resume").names).not.toContain("--resume");
  });

  it("records the options that decide what a row sends", () => {
    const config = resolveRunConfig("run", "x.csv", { map: "Tenant=customerTenantId" }, {});
    expect(rowSettings(config)).toEqual({
      "--agreement-type": "MicrosoftCustomerAgreement",
      "--date-format": "",
      "--map": "tenant=customerTenantId",
    });
    const dated = resolveRunConfig("run", "x.csv", { "date-agreed": "2024-01-02" }, {});
    expect(rowSettings(dated)["--date-agreed"]).toBe("2024-01-02");
  });
});
