import type { Command } from "./io.js";

/** `mca-confirm login`: the device-code sign-in; MSAL is loaded only for the commands that sign in. */
export const loginCommand: Command = async (args, io) => {
  const { loginCommand: signIn } = await import("../auth/index.js");
  return signIn(args, io);
};
