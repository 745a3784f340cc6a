/** What a command may touch of the process; cli.ts hands in the real one. */
export interface CommandIO {
  readonly stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Ends the process at once (a second Ctrl-C); only the entry can do that. */
  readonly exit: (code: number) => never;
}

/** Every command: its own words after the command name → the exit code. Errors are thrown, typed. */
export type Command = (args: string[], io: CommandIO) => Promise<number>;
