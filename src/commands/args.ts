import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";
import { commandHelp, type CommandSpec } from "./spec.js";
import { didYouMean } from "./suggest.js";

export type ParsedCommand =
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
    const message = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']*)'/.exec(message);
    if (unknown) {
      const hint = unknown[1].startsWith("--") ? didYouMean(unknown[1], Object.keys(table), "--") : "";
      throw new UsageError(`${spec.name} has no option ${unknown[1]}${hint}. ${see}`);
    }
    const ambiguous = /Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous)
      throw new UsageError(`${ambiguous[1]} needs a value, and a value cannot start with "-". ${see}`);
    throw new UsageError(`${message.replace(/\. To specify.*$/s, "")}. ${see}`);
  }
}
