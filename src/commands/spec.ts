// What every command says about itself: one table of options drives its parsing, its --help and
// the did-you-mean for a mistyped option; `mca-confirm help <command>` prints the same help.

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** The value's name in the help, e.g. `file` for `--out <file>`. */
  readonly arg?: string;
  readonly help: string;
  /** The default value itself (shown in the help as is). */
  readonly value?: string;
  /** The help's words for a default that is no plain value; without either: off, or none. */
  readonly def?: string;
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
/** Every help line fits a classic 80-column terminal (docs/cli.md "Conventions"). */
export const HELP_COLUMNS = 80;

/**
 * `text` as lines of at most `width` columns, the first starting with `first`, the others with
 * `indent`, broken between words (a single word longer than the width stays whole).
 */
export function wrapWords(text: string, first: string, indent: string, width = HELP_COLUMNS): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/ +/)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line += (empty ? "" : " ") + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * Any line wider than HELP_COLUMNS broken between words: a usage line's continuation under its
 * first word after "Usage: ", any other under its own indent and two more.
 */
export function fitColumns(text: string): string {
  return text
    .split("\n")
    .flatMap((line) => {
      if ([...line].length <= HELP_COLUMNS) return [line];
      const indent = /^ */.exec(line)![0];
      const hanging = line.startsWith("Usage: ") ? " ".repeat("Usage: ".length) : `${indent}  `;
      return wrapWords(line.slice(indent.length), indent, hanging);
    })
    .join("\n");
}

/** Prose written with its own line breaks, refilled to HELP_COLUMNS paragraph by paragraph (blank lines part them). */
export function refill(text: string): string {
  return text
    .split("\n\n")
    .map((paragraph) =>
      paragraph.split("\n").every((line) => [...line].length <= HELP_COLUMNS)
        ? paragraph
        : wrapWords(paragraph.replace(/\n/g, " "), "", "").join("\n"),
    )
    .join("\n\n");
}

/** What the help says of an option's default: its value, its words, or off (a switch) / none. */
function defaultText(option: OptionSpec): string {
  return option.value ?? option.def ?? (option.type === "boolean" ? "off" : "none");
}

function optionLine(name: string, option: OptionSpec): string {
  const flag = `--${name}${option.arg ? ` <${option.arg}>` : ""}`;
  const text = `${option.help} (default: ${defaultText(option)})`;
  const hanging = " ".repeat(OPTION_WIDTH + 3);
  // A flag too long for its column gets a line of its own, the text under the others'.
  if (flag.length > OPTION_WIDTH) return [`  ${flag}`, ...wrapWords(text, hanging, hanging)].join("\n");
  return wrapWords(text, `  ${flag.padEnd(OPTION_WIDTH)} `, hanging).join("\n");
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
    refill(spec.summary),
    "",
    "Options:",
    `${options}  ${"-h, --help".padEnd(OPTION_WIDTH)} show this help`,
  ];
  if (spec.notes) parts.push("", refill(spec.notes));
  parts.push(
    "",
    spec.examples.length > 1 ? "Examples:" : "Example:",
    ...spec.examples.map((line) => `  ${line}`),
  );
  return `${fitColumns(parts.join("\n"))}\n`;
}
