// What every command says about itself: one table of options drives its parsing, its --help and
// the did-you-mean for a mistyped option; `mca-confirm help <command>` prints the same help.

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** The value's name in the help, e.g. `file` for `--out <file>`. */
  readonly arg?: string;
  readonly help: string;
  readonly def: string;
  /** The option may be given more than once; its value is then the list. */
  readonly multiple?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  /** The words after `mca-confirm`, e.g. `run <input.csv> [options]`. */
  readonly usage: string;
  /** One line for the list of commands in the general help. */
  readonly brief: string;
  /** What the command does, a sentence or two. */
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Options accepted but not listed in this command's help (validate takes run's, so a line works for both). */
  readonly alsoAccepts?: Readonly<Record<string, OptionSpec>>;
  /** Printed under the options, e.g. environment variables. */
  readonly notes?: string;
  readonly examples: readonly string[];
}

const OPTION_WIDTH = 28;

function optionLine(name: string, option: OptionSpec): string {
  const flag = `--${name}${option.arg ? ` <${option.arg}>` : ""}`;
  return `  ${flag.padEnd(OPTION_WIDTH)} ${option.help} (default: ${option.def})`;
}

/** The options of a table as help lines, one per option with its default. */
export function optionLines(options: Readonly<Record<string, OptionSpec>>): string {
  return Object.entries(options)
    .map(([name, option]) => optionLine(name, option))
    .join("\n");
}

/** A command's own help: usage, what it does, every option with its default, and an example. */
export function commandHelp(spec: CommandSpec): string {
  const options = Object.keys(spec.options).length > 0 ? `${optionLines(spec.options)}\n` : "";
  const parts = [
    `Usage: mca-confirm ${spec.usage}`,
    "",
    spec.summary,
    "",
    "Options:",
    `${options}  ${"-h, --help".padEnd(OPTION_WIDTH)} show this help`,
  ];
  if (spec.notes) parts.push("", spec.notes);
  parts.push(
    "",
    spec.examples.length > 1 ? "Examples:" : "Example:",
    ...spec.examples.map((line) => `  ${line}`),
  );
  return `${parts.join("\n")}\n`;
}
