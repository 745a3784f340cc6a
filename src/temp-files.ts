// The temporary files a command has open right now. Each is renamed into place or removed when
// its write ends; a process that must end at once (a second Ctrl-C) removes what is left here
// first, so no `.tmp` file stays behind (docs/cli.md "Runs").
import fs from "node:fs";

const live = new Set<string>();

/** Notes a temporary file; the function returned forgets it again (once renamed or removed). */
export function trackTempFile(file: string): () => void {
  live.add(file);
  return () => {
    live.delete(file);
  };
}

/** Removes every temporary file still noted; used just before the process exits at once. */
export function removeTempFiles(): void {
  for (const file of live) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // Exiting anyway: a file that cannot be removed is named by nothing and harms nothing.
    }
  }
  live.clear();
}
