import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { createTempFile } from "../replace-file.js";
import { EXIT } from "../exit-codes.js";
import { trackTempFile } from "../temp-files.js";
import { createAtomicCsv, publishFile, type AtomicCsv, type CsvFormat } from "./atomic-csv.js";
import type { WriterAnswer, WriterSetup } from "./csv-writer-thread.js";
import { RecordPacker } from "./packed-records.js";

/** Beside this file in dist/, so an installed or packed CLI finds it too. */
const THREAD_SCRIPT = new URL("./csv-writer-thread.js", import.meta.url);
/**
 * Records per message. Smaller batches keep less alive in each thread at a collection (512
 * rather than 2048 took a tenth less CPU in all and 10-15 MB less peak RSS on 500k rows), and
 * a message costs little beside packing its records.
 */
const BATCH_RECORDS = 512;
/**
 * Batches sent and not yet on disk: at most 4,096 records (about 2 MB) between the threads.
 * Two batches of 2048 left the main thread waiting 1-1.7 s of a 4-5 s validate whenever the
 * writing thread lost the CPU for a moment; more would only hold memory when the disk is the
 * slower side.
 */
const IN_FLIGHT = 8;

/** The writing thread stopped without saying why (it crashed, or its script is missing). */
export class WriterThreadError extends Error {
  override readonly name = "WriterThreadError";
  readonly exitCode = EXIT.failure;
  constructor(file: string, reason: string) {
    super(
      `writing ${file} stopped unexpectedly (${reason}); nothing was replaced. Run the same command again.`,
    );
  }
}

/** A failure the thread reported, as the error the same write would have thrown here. */
function errorOf(failed: Extract<WriterAnswer, { failed: unknown }>["failed"]): Error {
  return Object.assign(new Error(failed.message), failed);
}

/**
 * The same file as createAtomicCsv (a temporary file renamed on commit), but quoted and written
 * by a second thread, so that a producer that is itself CPU-bound (validate parses and checks
 * the input) is not also paying for csv-stringify. Where the thread's script is not beside
 * this module (the sources run directly, as in unit tests) it is createAtomicCsv itself.
 */
export function createThreadedCsv(
  path: string,
  header: readonly string[],
  format: CsvFormat = {},
): AtomicCsv {
  if (!fs.existsSync(fileURLToPath(THREAD_SCRIPT))) return createAtomicCsv(path, header, format);
  return new ThreadedCsv(path, header, format);
}

class ThreadedCsv implements AtomicCsv {
  /** Packed at once into the batch's one string. */
  readonly copiesRecords = true;
  private readonly tmp: string;
  private readonly fd: number;
  private readonly worker: Worker;
  /** Drops the temporary file from those removed on an exit at once (temp-files.ts). */
  private readonly forget: () => void;
  private readonly exited: Promise<void>;
  private readonly packer: RecordPacker;
  /** Batches sent and not yet answered. */
  private inFlight = 0;
  private failure: Error | undefined;
  private stopped = false;
  /** Writers waiting for the thread, woken on every answer and on failure. */
  private waiting: (() => void)[] = [];

  constructor(
    private readonly path: string,
    header: readonly string[],
    format: CsvFormat,
  ) {
    // Opened here, synchronously, so a refused path fails at once with the same error as ever.
    ({ tmp: this.tmp, fd: this.fd } = createTempFile(path));
    this.forget = trackTempFile(this.tmp);
    const setup: WriterSetup = { fd: this.fd, delimiter: format.delimiter ?? ",", bom: format.bom ?? false };
    // A small young generation: the thread's live data is one batch, and the default one
    // (tens of MB) added as much again to validate's peak RSS.
    this.worker = new Worker(THREAD_SCRIPT, {
      workerData: setup,
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    this.exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.on("message", (answer: WriterAnswer) => {
      if ("failed" in answer) this.fail(errorOf(answer.failed));
      else this.inFlight--;
      this.wake();
    });
    this.worker.on("error", (err) => this.fail(new WriterThreadError(path, err.message)));
    this.worker.on("exit", (code) => {
      if (!this.stopped) this.fail(new WriterThreadError(path, `exit code ${code}`));
    });
    this.packer = new RecordPacker(header.length);
    this.packer.add(header);
  }

  write(record: readonly string[]): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    this.packer.add(record);
    if (this.packer.records < BATCH_RECORDS) return undefined;
    this.send();
    if (this.inFlight < IN_FLIGHT) return undefined;
    const settled = this.settle(IN_FLIGHT - 1);
    // Callers may drop a wait (a newer one replaces it); the failure still reaches them
    // through the next write() or commit(), so a dropped one must not crash the process.
    settled.catch(() => {});
    return settled;
  }

  async commit(): Promise<void> {
    if (this.packer.records > 0) this.send();
    await this.settle(0);
    await this.stop();
    await publishFile(this.tmp, this.path);
    this.forget();
  }

  discard(): void {
    if (this.stopped) {
      fs.rmSync(this.tmp, { force: true });
      this.forget();
      return;
    }
    // Removed once the thread has stopped: closing the fd under a running write could hand
    // its number to another file.
    void this.stop().finally(() => {
      fs.rmSync(this.tmp, { force: true });
      this.forget();
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    const woken = this.waiting;
    this.waiting = [];
    for (const resolve of woken) resolve();
  }

  /** Resolves once at most `limit` batches are in flight; rejects with the thread's failure. */
  private async settle(limit: number): Promise<void> {
    while (!this.failure && this.inFlight > limit)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failure) throw this.failure;
  }

  private send(): void {
    const packed = this.packer.take();
    this.inFlight++;
    this.worker.postMessage(packed, [packed.lengths.buffer]);
  }

  /** Stops the thread; the fd is closed only once it cannot write any more. */
  private async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
    await this.exited;
    fs.closeSync(this.fd);
  }
}
