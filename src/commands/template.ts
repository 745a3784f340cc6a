import { UsageError } from "../errors.js";
import { parseCommand } from "./args.js";
import type { Command } from "./io.js";
import type { CommandSpec } from "./spec.js";

export const TEMPLATE_SPEC: CommandSpec = {
  name: "template",
  usage: "template",
  brief: "print a header line and an example row for a new input file",
  summary:
    "Prints the header line of an input file and one example row, to fill in from the CRM.\n" +
    "The columns may come in any order, and extra columns are kept in the results.",
  options: {},
  examples: ["mca-confirm template > acceptances.csv"],
};

/** `mca-confirm template`: a header line and one example row for a new input file. */
function templateText(): string {
  return [
    "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed",
    "0f9d8c7b-6a5e-4d3c-9b2a-1f0e9d8c7b6a,Tania,Carr,tania.carr@contoso.example,+1 425 555 0100,2026-06-14",
    "",
  ].join("\n");
}

export const templateCommand: Command = async (args, io) => {
  const parsed = parseCommand(args, TEMPLATE_SPEC);
  if ("help" in parsed) {
    io.stdout.write(parsed.help);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(
      `template takes no file (got "${parsed.positionals[0]}"); it prints to stdout: mca-confirm template > acceptances.csv`,
    );
  io.stdout.write(templateText());
  return 0;
};
