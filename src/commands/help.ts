import { RUN_OPTIONS } from "../config.js";
import { UsageError } from "../errors.js";
import { DATE_FORMATS } from "../validate.js";
import type { Command } from "./io.js";
import { EXIT_LINE } from "../exit-codes.js";
import { commandHelp, fitColumns, HELP_COLUMNS, optionLines, wrapWords, type CommandSpec } from "./spec.js";
import { didYouMean } from "./suggest.js";
import { packageVersion } from "./package-files.js";

export const VERSION = packageVersion();

/** The general help: every command (from its spec), then every option of run with its default. */
function generalHelp(specs: readonly CommandSpec[]): string {
  const commands = specs
    .flatMap((spec) => [`  mca-confirm ${spec.usage}`, ...wrapWords(spec.brief, "      ", "      ")])
    .join("\n");
  return `mca-confirm ${VERSION}: confirm Microsoft Customer Agreement acceptance in bulk
through the Partner Center API.

Usage:
${commands}
  mca-confirm --help | --version

Options of run (and, where they apply, validate):
${optionLines(RUN_OPTIONS)}

Date formats for --date-format: ${DATE_FORMATS.join(", ")}

Credentials (first found wins): PARTNER_CENTER_ACCESS_TOKEN; PARTNER_CENTER_REFRESH_TOKEN with
PARTNER_CENTER_CLIENT_ID, PARTNER_CENTER_TENANT_ID (and PARTNER_CENTER_CLIENT_SECRET); the cache
written by 'mca-confirm login'. PARTNER_CENTER_AUTHORITY_HOST points sign-in elsewhere.

${EXIT_LINE}
`;
}

/**
 * What `mca-confirm` with no arguments prints on stderr: the commands, one line each, and where
 * the rest is (clig.dev: a short usage, not the whole help, on a mistaken call). At most 15 lines.
 */
export function shortUsage(specs: readonly CommandSpec[]): string {
  const width = Math.max(...specs.map((spec) => spec.name.length)) + 2;
  const lines = [
    `Usage: mca-confirm <command> [options]   (mca-confirm ${VERSION})`,
    "",
    ...specs.map((spec) => `  ${spec.name.padEnd(width)}${spec.brief}`.slice(0, HELP_COLUMNS)),
    "",
    "mca-confirm --help shows every option; mca-confirm help <command>, one command's.",
  ];
  return `${lines.join("\n")}\n`;
}

export const HELP_SPEC: CommandSpec = {
  name: "help",
  usage: "help [<command>]",
  brief: "the options of one command, with examples",
  summary: "Prints the help of one command (the same as `mca-confirm <command> --help`), or this overview.",
  options: {},
  examples: ["mca-confirm help run"],
};

/** `mca-confirm help [command]` (and --help): the general help, or one command's own. */
export function createHelpCommand(specs: readonly CommandSpec[]): Command {
  return async (args, io) => {
    const [name] = args.filter((word) => word !== "--help" && word !== "-h");
    if (name === undefined) {
      io.stdout.write(fitColumns(generalHelp(specs)));
      return 0;
    }
    const spec = specs.find((candidate) => candidate.name === name);
    if (!spec) {
      const names = specs.map((candidate) => candidate.name);
      throw new UsageError(
        `there is no command "${name}"${didYouMean(name, names)}. The commands: ${names.join(", ")}`,
      );
    }
    io.stdout.write(commandHelp(spec));
    return 0;
  };
}

export async function versionCommand(_args: string[], io: Parameters<Command>[1]): Promise<number> {
  io.stdout.write(`${VERSION}\n`);
  return 0;
}
