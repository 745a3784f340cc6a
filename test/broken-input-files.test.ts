// Usage and input-file problems: exit 2, a message that names the file and line (or the option),
// no stack trace, nothing sent (the simulator counts 0 requests), no results file. The refusals
// run in this process through the CLI's own dispatch (test/helpers/in-process.ts); the first one
// runs the built CLI as a child process too, for its exit code and stderr.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { removeTempDirs, runCli, tempDir, type CliResult } from "./helpers/cli.js";
import { runInProcess } from "./helpers/in-process.js";

const HEADER = "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed";
const ROWS = [
  "6513270e-269e-4d37-b2a7-4de452e6b438,Tania,Carr,tania.carr@contoso.example,+1 425 555 1000,2026-01-01",
  "d23f0824-128b-4f33-8c5c-7fd0a6a3a450,Omar,Sato,omar.sato@fabrikam.example,,2026-02-02",
  "9531985d-5d9d-49f8-9818-e811892f902b,Mei,Silva,mei.silva@northwind.example,,2026-03-03",
  "36f675cc-81e7-4ef5-a8e2-5d940ed90475,Lars,Haddad,lars.haddad@tailspin.example,,2026-03-15",
];

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
  removeTempDirs();
});
beforeEach(() => {
  dir = tempDir();
});

function write(name: string, content: string | Buffer): string {
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

/** The CLI in `dir`, pointed at the simulator with a token, so only the input can stop it. */
function cli(
  args: string[],
  env: Record<string, string> = {},
  how: typeof runCli = runInProcess,
): Promise<CliResult> {
  return how([...args, "--quiet"], {
    cwd: dir,
    env: { PARTNER_CENTER_ACCESS_TOKEN: "test-token", PARTNER_CENTER_BASE_URL: sim.url, ...env },
    timeoutMs: 15_000,
  });
}

/** Exit 2, one `mca-confirm: …` line matching `message`, no stack trace, nothing sent or written. */
function expectRefused(r: CliResult, message: RegExp): void {
  expect(r.timedOut).toBe(false);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/^mca-confirm: /);
  expect(r.stderr).not.toMatch(/\n\s+at .+[:(]\d+:\d+\)?/); // no stack frames
  expect(r.stderr).not.toMatch(/internal error|TypeError|ReferenceError/);
  expect(r.code).toBe(2);
  expect(sim.stats.requests).toBe(0);
  const written = fs.readdirSync(dir).filter((f) => /\.(results|failed|validation)\.csv(\.tmp)?$/.test(f));
  expect(written).toEqual([]);
}

describe("input file problems stop the run before anything is sent (exit 2)", () => {
  it("a file that does not exist", async () => {
    expectRefused(await cli(["run", "nowhere.csv"]), /nowhere\.csv: no such file/);
    expectRefused(await cli(["run", "nowhere.csv"], {}, runCli), /nowhere\.csv: no such file/);
  });

  it("a directory", async () => {
    fs.mkdirSync(path.join(dir, "folder.csv"));
    expectRefused(await cli(["run", "folder.csv"]), /folder\.csv: .*directory/);
  });

  it("an empty file", async () => {
    expectRefused(await cli(["run", write("empty.csv", "")]), /empty\.csv:1: .*empty/);
  });

  it("a file of blank lines", async () => {
    expectRefused(await cli(["run", write("blank.csv", "\n\r\n\n")]), /blank\.csv:1: .*empty/);
  });

  it("a binary file", async () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ]);
    expectRefused(await cli(["run", write("image.csv", png)]), /image\.csv:1: .*not a text file/);
  });

  it("a UTF-16 file", async () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`${HEADER}\n${ROWS[0]}\n`, "utf16le"),
    ]);
    expectRefused(await cli(["run", write("utf16.csv", utf16)]), /utf16\.csv:1: .*UTF-16/);
  });

  it("a missing required column, named with the headers found", async () => {
    const noLastName = [
      HEADER.replace(",lastName", ""),
      ...ROWS.map((r) => r.replace(/,(Carr|Sato|Silva|Haddad),/, ",")),
    ].join("\n");
    const r = await cli(["run", write("nolast.csv", noLastName)]);
    expectRefused(r, /nolast\.csv:1: missing required column lastName/);
    expect(r.stderr).toMatch(/--map/);
  });

  it("an unclosed quote, at the line where the broken record starts", async () => {
    const rows = [...ROWS];
    rows[2] = rows[2].replace(",Mei,", ',"Mei,');
    const r = await cli(["run", write("unclosed.csv", [HEADER, ...rows].join("\n") + "\n")]);
    expectRefused(r, /unclosed\.csv:4: .*quoted field is never closed/);
  });

  it("a row with more fields than the header, at its line", async () => {
    const rows = [...ROWS];
    rows[1] = `${rows[1]},extra`;
    expectRefused(
      await cli(["run", write("wide.csv", [HEADER, ...rows].join("\n"))]),
      /wide\.csv:3: .*7 fields but the header has 6/,
    );
  });

  it("a broken row late in the file, after valid rows: nothing is sent", async () => {
    const rows = Array.from({ length: 300 }, (_, i) =>
      ROWS[i % 4].replace(/^[0-9a-f]{8}/, (i + 0x10000000).toString(16)),
    );
    rows.push("a,b");
    rows.push(`${ROWS[0].replace(/^[0-9a-f]{8}/, "ffffffff")},x,y`);
    expectRefused(await cli(["run", write("late.csv", [HEADER, ...rows].join("\r\n"))]), /late\.csv:303: /);
  });

  it("the same problems stop `validate` as well", async () => {
    expectRefused(await cli(["validate", "nowhere.csv"]), /nowhere\.csv: no such file/);
  });
});

describe("usage problems (exit 2, named option)", () => {
  beforeEach(() => {
    write("ok.csv", [HEADER, ...ROWS].join("\n"));
  });

  it("--map that is not header=field", async () => {
    expectRefused(
      await cli(["run", "ok.csv", "--map", "Tenant"]),
      /--map: "Tenant" is not of the form <header>=<field>/,
    );
  });

  it("--map to a field that does not exist", async () => {
    expectRefused(
      await cli(["run", "ok.csv", "--map", "Tenant=tenantGuid"]),
      /--map: "tenantGuid".* is not a field/,
    );
  });

  it("--map naming a header the file does not have (file and line)", async () => {
    expectRefused(
      await cli(["run", "ok.csv", "--map", "Tenant=customerTenantId"]),
      /ok\.csv:1: --map names "tenant"/,
    );
  });

  it("--date-format that is not supported", async () => {
    expectRefused(
      await cli(["run", "ok.csv", "--date-format", "YYYYMMDD"]),
      /--date-format: "YYYYMMDD" is not supported/,
    );
  });

  it.each(["0", "-1", "abc", "1.5", "100000"])("--concurrency %s", async (n) => {
    expectRefused(await cli(["run", "ok.csv", `--concurrency=${n}`]), /--concurrency must be a whole number/);
  });

  it("--base-url with http: to a non-loopback host", async () => {
    expectRefused(
      await cli(["run", "ok.csv", "--base-url", "http://api.partnercenter.microsoft.com"]),
      /--base-url uses http: on a non-loopback host/,
    );
  });

  it("PARTNER_CENTER_BASE_URL with http: to a non-loopback host", async () => {
    expectRefused(
      await cli(["run", "ok.csv"], { PARTNER_CENTER_BASE_URL: "http://10.0.0.5:8080" }),
      /PARTNER_CENTER_BASE_URL uses http:/,
    );
  });

  it("an unknown option", async () => {
    expectRefused(await cli(["run", "ok.csv", "--frobnicate"]), /--frobnicate/);
  });

  it("an unknown command", async () => {
    expectRefused(await cli(["confirm", "ok.csv"]), /unknown command "confirm"/);
  });

  it("run without an input file, or with two", async () => {
    expectRefused(await cli(["run"]), /run takes exactly one input file/);
    expectRefused(await cli(["run", "ok.csv", "ok.csv"]), /run takes exactly one input file/);
  });

  it("--out naming the input itself", async () => {
    expectRefused(
      await cli(["run", "ok.csv", "--out", "ok.csv"]),
      /--out \(ok\.csv\) must not be the same file as the input file/,
    );
    expect(fs.readFileSync(path.join(dir, "ok.csv"), "utf8")).toBe([HEADER, ...ROWS].join("\n"));
  });
});
