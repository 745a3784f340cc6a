import fs from "node:fs";
import { UsageError } from "../errors.js";

/**
 * `<out>.lock`, holding the pid of the run writing `out`: two runs into the same results
 * (two schedulers, a retry started by hand) would replace each other's journal and send rows
 * twice. A lock whose process is gone (kill -9, a crash) is stale and taken over.
 * Returns the release function; it also runs when the process exits.
 */
export function lockOutputs(out: string): () => void {
  const lock = `${out}.lock`;
  // Bounded: at most one stale lock is removed before trying again.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        fs.rmSync(lock, { force: true });
      };
      process.on("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(fs.readFileSync(lock, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UsageError(
          `another run (process ${pid}) is writing ${out}; wait for it to end, or use --out for another file`,
        );
      }
      fs.rmSync(lock, { force: true });
    }
  }
  throw new UsageError(`${lock} could not be created; remove it if no run is writing ${out}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
