import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";

/** node:util's parseArgs, with its errors turned into usage messages (exit 2). */
export function parseCommandArgs<Options extends ParseArgsConfig["options"]>(
  args: string[],
  options: Options,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message;
    const ambiguous = /Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous)
      throw new UsageError(
        `${ambiguous[1]} needs a value, and a value cannot start with "-". See mca-confirm --help`,
      );
    throw new UsageError(`${message.replace(/\. To specify.*$/s, "")}. See mca-confirm --help`);
  }
}
