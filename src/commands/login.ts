import { ENV } from "../auth/settings.js";
import { UsageError } from "../errors.js";
import { parseCommand } from "./args.js";
import type { Command } from "./io.js";
import type { CommandSpec } from "./spec.js";

export const LOGIN_SPEC: CommandSpec = {
  name: "login",
  usage: "login [--tenant <id>] [--client-id <id>] [--proxy <url>]",
  brief: "sign in with a device code and keep the token cache",
  summary:
    "Signs in to Partner Center with a device code: prints an address and a code; open the address\n" +
    "in any browser, enter the code and sign in (with MFA) as a partner admin. The token cache is kept\n" +
    "for later runs in $XDG_CONFIG_HOME/mca-confirm/token-cache.json (default ~/.config/mca-confirm/;\n" +
    "%LOCALAPPDATA%\\mca-confirm\\ on Windows), readable by you only. It holds a refresh token: treat it\n" +
    "like a password.",
  options: {
    tenant: {
      type: "string",
      arg: "id",
      help: "the partner tenant ID or primary domain",
      def: `$${ENV.tenantId}`,
    },
    "client-id": {
      type: "string",
      arg: "id",
      help: "application (client) ID of an app that allows public client flows",
      def: `$${ENV.clientId}`,
    },
    proxy: {
      type: "string",
      arg: "url",
      help: "proxy for the sign-in calls, e.g. http://user:password@proxy:8080; NO_PROXY applies",
      def: "HTTPS_PROXY or HTTP_PROXY",
    },
  },
  notes:
    `Later runs use the cache when ${ENV.clientId} and ${ENV.tenantId} are set to the same values\n` +
    `and neither ${ENV.accessToken} nor ${ENV.refreshToken} is set.\n` +
    `${ENV.authorityHost} (default https://login.microsoftonline.com) points at another sign-in service.\n` +
    "Exit codes: 0 signed in, 1 sign-in failed, 2 usage or configuration problem.",
  examples: [
    "mca-confirm login --tenant contoso.onmicrosoft.com --client-id <app id>",
    `${ENV.clientId}=<app> ${ENV.tenantId}=<tenant> mca-confirm login`,
  ],
};

/** `mca-confirm login`: the device-code sign-in; MSAL is loaded only for the commands that sign in. */
export const loginCommand: Command = async (args, io) => {
  // The words are checked here first, so a mistyped option gets its did-you-mean like any other.
  const parsed = parseCommand(args, LOGIN_SPEC);
  if ("help" in parsed) {
    io.stdout.write(parsed.help);
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(`login takes no file (got "${parsed.positionals[0]}"). See mca-confirm help login`);
  const { values } = parsed;
  const text = (name: "tenant" | "client-id" | "proxy") => {
    const value = values[name];
    if (value === "") throw new UsageError(`--${name} needs a value.`);
    return typeof value === "string" ? value : undefined;
  };
  const { signIn } = await import("../auth/login.js");
  return signIn({ tenant: text("tenant"), clientId: text("client-id"), proxy: text("proxy") }, io);
};
