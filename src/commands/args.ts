import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";
import { commandHelp, type CommandSpec } from "./spec.js";
import { didYouMean } from "./suggest.js";

type ParsedCommand =
  | { readonly help: string }
  | {
      readonly values: Record<string, string | boolean | string[] | undefined>;
      readonly positionals: string[];
    };

/** `--help` or `-h` anywhere before a `--`: the help wins over whatever else the line holds. */
function asksForHelp(args: readonly string[]): boolean {
  for (const word of args) {
    if (word === "--") return false;
    if (word === "--help" || word === "-h") return true;
  }
  return false;
}

/** node:util's parseArgs over a command's options table, its errors turned into usage messages (exit 2). */
export function parseCommand(args: string[], spec: CommandSpec): ParsedCommand {
  if (asksForHelp(args)) return { help: commandHelp(spec) };
  const table = { ...spec.options, ...spec.alsoAccepts };
  const options = Object.fromEntries(
    Object.entries(table).map(([name, option]) => [
      name,
      { type: option.type, ...(option.multiple ? { multiple: true } : {}) },
    ]),
  ) as ParseArgsConfig["options"];
  const see = `See mca-confirm help ${spec.name}`;
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    throw new UsageError(`${parseProblem(err as Error & { code?: string }, spec.name, table)}. ${see}`);
  }
}

/** node:util's parse errors in the tool's own words, naming the option (docs/cli.md "Conventions"). */
function parseProblem(
  err: Error & { code?: string },
  command: string,
  table: CommandSpec["options"],
): string {
  const message = err.message;
  const unknown = /Unknown option '(-{1,2}[^']*)'/.exec(message);
  if (unknown) {
    const hint = unknown[1].startsWith("--") ? didYouMean(unknown[1], Object.keys(table), "--") : "";
    return `${command} has no option ${unknown[1]}${hint}`;
  }
  const option = /Option '(-{1,2}[\w-]+)/.exec(message)?.[1] ?? "an option";
  const arg = table[option.replace(/^-+/, "")]?.arg;
  const value = arg ? ` (<${arg}>)` : "";
  if (/argument is ambiguous/.test(message))
    return `${option} needs a value${value}, and a value cannot start with "-"; write ${option}=<value> for one that does`;
  if (/argument missing/.test(message)) return `${option} needs a value${value} after it`;
  if (/does not take an argument/.test(message)) return `${option} is a switch and takes no value`;
  if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `${command} takes no such word here`;
  return `${command}: cannot read the options (${message.replace(/\. To specify.*$/s, "")})`;
}
