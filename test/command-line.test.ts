import { describe, expect, it } from "vitest";
import { commandLine, programWords, withoutProxyPassword } from "../src/output/command-line.js";

describe("the words that start the tool again", () => {
  const clone = "/home/ops/mca-confirm";

  it("is mca-confirm when installed, as a bin link or through the Windows shim", () => {
    expect(programWords({ script: "/usr/local/bin/mca-confirm", env: {}, cwd: "/data" })).toEqual([
      "mca-confirm",
    ]);
    const shim = "C:\\Users\\ops\\AppData\\Roaming\\npm\\node_modules\\mca-confirm\\dist\\cli.js";
    expect(programWords({ script: shim, env: {}, cwd: "C:\\data" })).toEqual(["mca-confirm"]);
  });

  it("is npx --no-install under npx, so pasting it can never fetch from the registry", () => {
    const words = programWords({ script: `${clone}/dist/cli.js`, env: { npm_command: "exec" }, cwd: clone });
    expect(words).toEqual(["npx", "--no-install", "mca-confirm"]);
  });

  it("is node with the script's path when started as node dist/cli.js, relative inside the folder", () => {
    expect(programWords({ script: `${clone}/dist/cli.js`, env: {}, cwd: clone })).toEqual([
      "node",
      "dist/cli.js",
    ]);
    expect(programWords({ script: `${clone}/dist/cli.js`, env: {}, cwd: "/data/run" })).toEqual([
      "node",
      `${clone}/dist/cli.js`,
    ]);
  });
});

describe("quoting a printed command for the shell of the system", () => {
  const words = [
    "mca-confirm",
    "run",
    "/data/O'Brien exports/a.failed.csv",
    "--map",
    "Tenant=customerTenantId,Signed on=dateAgreed",
  ];

  it("uses POSIX single quotes outside Windows", () => {
    expect(commandLine(words, "linux")).toBe(
      `mca-confirm run '/data/O'\\''Brien exports/a.failed.csv' --map 'Tenant=customerTenantId,Signed on=dateAgreed'`,
    );
  });

  it("uses PowerShell quoting on Windows: quotes doubled, backslashes left alone, commas quoted", () => {
    const windows = [
      "node",
      "C:\\Tools\\mca confirm\\dist\\cli.js",
      "run",
      "C:\\Daten\\Zoë’s file.csv",
      "--map",
      "A=customerTenantId,B=email",
      "--resume",
    ];
    expect(commandLine(windows, "win32")).toBe(
      "node 'C:\\Tools\\mca confirm\\dist\\cli.js' run 'C:\\Daten\\Zoë’’s file.csv' --map 'A=customerTenantId,B=email' --resume",
    );
    expect(commandLine(["mca-confirm", "run", "C:\\data\\a.csv"], "win32")).toBe(
      "mca-confirm run C:\\data\\a.csv",
    );
  });
});

describe("a printed command with a proxy password in it", () => {
  it("shows a placeholder instead of the password, in either form of the option", () => {
    expect(
      withoutProxyPassword(["run", "a.csv", "--proxy", "http://ops:p@ss:w0rd@proxy.corp:8080", "--resume"]),
    ).toEqual(["run", "a.csv", "--proxy", "http://ops:<password>@proxy.corp:8080", "--resume"]);
    expect(withoutProxyPassword(["run", "a.csv", "--proxy=ops:secret@proxy:3128"])).toEqual([
      "run",
      "a.csv",
      "--proxy=ops:<password>@proxy:3128",
    ]);
    expect(withoutProxyPassword(["run", "a@b.csv", "--proxy", "http://proxy:8080"])).toEqual([
      "run",
      "a@b.csv",
      "--proxy",
      "http://proxy:8080",
    ]);
  });
});
