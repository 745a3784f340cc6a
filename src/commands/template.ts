import type { Command } from "./io.js";

/** `mca-confirm template`: a header line and one example row for a new input file. */
export function templateText(): string {
  return [
    "customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed",
    "0f9d8c7b-6a5e-4d3c-9b2a-1f0e9d8c7b6a,Tania,Carr,tania.carr@contoso.example,+1 425 555 0100,2026-06-14",
    "",
  ].join("\n");
}

export const templateCommand: Command = async (_args, io) => {
  io.stdout.write(templateText());
  return 0;
};
