import { readFileSync } from "node:fs";
import { RUN_OPTIONS } from "../config.js";
import { DATE_FORMATS } from "../validate.js";
import type { CommandIO } from "./io.js";

export const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

function optionHelp(): string {
  return Object.entries(RUN_OPTIONS)
    .map(([name, option]) => {
      const flag = `--${name}${"arg" in option ? ` <${option.arg}>` : ""}`;
      return `  ${flag.padEnd(28)} ${option.help} (default: ${option.def})`;
    })
    .join("\n");
}

export const HELP = `mca-confirm ${VERSION}: confirm Microsoft Customer Agreement acceptance in bulk (Partner Center API)

Usage:
  mca-confirm run <input.csv> [options]       check the whole file, then confirm every valid row
  mca-confirm validate <input.csv> [options]  check only, no network; writes <input>.validation.csv
  mca-confirm demo [--rows N] [--auth refresh-token]
                                              run the samples against the bundled Partner Center simulator
  mca-confirm login [--tenant T --client-id C] sign in with a device code and keep the token cache
  mca-confirm report <results.csv> [<later results.csv> …] [--out final.csv] [--report report.html]
                                              merge a re-run chain into one final file and an HTML report
  mca-confirm template                        print a header line and an example row for a new input file
  mca-confirm --help | --version

Options of run (and, where they apply, validate):
${optionHelp()}

Date formats for --date-format: ${DATE_FORMATS.join(", ")}

Credentials (first found wins): PARTNER_CENTER_ACCESS_TOKEN; PARTNER_CENTER_REFRESH_TOKEN with
PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_TENANT_ID (and PARTNER_CENTER_CLIENT_SECRET); the cache
written by 'mca-confirm login'. PARTNER_CENTER_AUTHORITY_HOST points sign-in elsewhere.

Exit codes: 0 all confirmed/skipped/valid; 1 some rows need attention (see the failed file);
2 usage or input problem, nothing sent; 3 run stopped early (authentication, templateId, outage); 130 Ctrl-C.
`;

/** `mca-confirm help` (or --help): the help on stdout, whatever follows. */
export async function helpCommand(_args: string[], io: CommandIO): Promise<number> {
  io.stdout.write(HELP);
  return 0;
}

export async function versionCommand(_args: string[], io: CommandIO): Promise<number> {
  io.stdout.write(`${VERSION}\n`);
  return 0;
}
