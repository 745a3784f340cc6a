import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { journalPath, openJournal, readJournal, type JournalHeader } from "../src/run/journal.js";
import { checkOutputs } from "../src/run/outputs.js";
import { RecordedOutcomes } from "../src/run/recorded.js";
import type { RunConfig } from "../src/config.js";
import type { Outcome } from "../src/types.js";
import { removeTempDirs, tempDir } from "./helpers/cli.js";

afterAll(() => removeTempDirs());

const HEADER: JournalHeader = {
  v: 1,
  fingerprint: "sha256:abc",
  input: "in.csv",
  startedAt: "2025-01-01T00:00:00.000Z",
};
const Q = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const confirmed = (r: number): Outcome => ({
  rowNumber: r,
  status: "confirmed",
  userId: `abcdef01-5111-4000-8000-${String(r).padStart(12, "0")}`,
  httpStatus: 201,
  attempts: 1,
  requestId: Q(r),
  correlationId: Q(r + 1000),
  completedAt: "2025-03-04T05:06:07.089Z",
});

describe("journal", () => {
  it("keeps outcomes, and the request ids only of rows without an outcome", () => {
    const file = path.join(tempDir(), "x.results.csv.journal");
    const j = openJournal(file, HEADER);
    void j.intent(1, Q(1), Q(1001));
    void j.intent(2, Q(2), Q(1002));
    j.outcome(confirmed(1));
    void j.intent(3, Q(3), Q(1003));
    j.close();
    const s = readJournal(file)!;
    expect(s.header).toEqual(HEADER);
    expect(s.outcomes.size).toBe(1);
    expect(s.outcomes.get(1)).toEqual(confirmed(1));
    expect([...s.intents.keys()].sort()).toEqual([2, 3]);
    expect(s.intents.get(2)).toEqual({ requestId: Q(2), correlationId: Q(1002) });
  });

  it("writes intent lines before the request goes out, and outcomes on flush()", async () => {
    const file = path.join(tempDir(), "j");
    const j = openJournal(file, HEADER);
    j.outcome(confirmed(1));
    // Still buffered: a kill -9 now would lose it, and --resume re-sends row 1 under its id.
    expect(readJournal(file)!.outcomes.size).toBe(0);
    await j.intent(2, Q(2), Q(1002)); // written with what was buffered before it, in order
    expect(readJournal(file)!.outcomes.get(1)).toEqual(confirmed(1));
    expect(readJournal(file)!.intents.get(2)?.requestId).toBe(Q(2));
    j.outcome(confirmed(2));
    j.flush(); // the second Ctrl-C: synchronous, then process.exit
    expect(readJournal(file)!.outcomes.get(2)).toEqual(confirmed(2));
    j.close();
  });

  it("writes the intents of one turn of the event loop, and the outcomes before them, in one write", async () => {
    const file = path.join(tempDir(), "j");
    const j = openJournal(file, HEADER);
    const writes = vi.spyOn(fs, "writeSync");
    try {
      j.outcome(confirmed(1));
      j.outcome(confirmed(2));
      const written = [3, 4, 5].map((r) => j.intent(r, Q(r), Q(r + 1000)));
      expect(writes).not.toHaveBeenCalled();
      await Promise.all(written);
      expect(writes).toHaveBeenCalledTimes(1);
    } finally {
      writes.mockRestore();
    }
    const s = readJournal(file)!;
    expect(s.outcomes.size).toBe(2);
    expect([...s.intents.keys()]).toEqual([3, 4, 5]);
    j.close();
  });

  it("skips a line a crash cut short and does not glue the next run's first line to it", () => {
    const file = path.join(tempDir(), "j");
    const j = openJournal(file, HEADER);
    void j.intent(1, Q(1), Q(1001));
    j.close();
    fs.appendFileSync(file, `{"r":1,"o":{"rowNumber":1,"status":"conf`); // kill -9 mid-write
    expect(readJournal(file)!.intents.get(1)?.requestId).toBe(Q(1));
    const resumed = openJournal(file); // --resume appends
    void resumed.intent(2, Q(2), Q(1002));
    resumed.outcome(confirmed(2));
    resumed.close();
    const s = readJournal(file)!;
    expect(s.intents.get(2)).toBeUndefined();
    expect(s.outcomes.get(2)).toEqual(confirmed(2));
    expect(s.intents.get(1)?.requestId).toBe(Q(1));
  });

  it("a new journal appears only with its header, replacing an old one, leaving no temp file", () => {
    const dir = tempDir();
    const file = path.join(dir, "j");
    fs.writeFileSync(file, "old\n");
    openJournal(file, HEADER).close();
    expect(fs.readFileSync(file, "utf8")).toBe(`${JSON.stringify(HEADER)}\n`);
    expect(fs.readdirSync(dir)).toEqual(["j"]);
  });

  it("reads a journal larger than its read chunk, with multi-byte text across chunk edges", () => {
    const file = path.join(tempDir(), "j");
    const j = openJournal(file, HEADER);
    const rows = 6000;
    for (let r = 1; r <= rows; r++) {
      void j.intent(r, Q(r), Q(r + 1000));
      j.outcome({
        rowNumber: r,
        status: "rejected",
        httpStatus: 400,
        errorCode: "800002",
        errorMessage: `Größe ungültig ✓ ${"é".repeat(r % 97)}`,
        attempts: 1,
        requestId: Q(r),
      });
    }
    j.close();
    expect(fs.statSync(file).size).toBeGreaterThan(1 << 20);
    const s = readJournal(file)!;
    expect(s.outcomes.size).toBe(rows);
    expect(s.intents.size).toBe(0);
    expect(s.outcomes.get(4321)?.errorMessage).toBe(`Größe ungültig ✓ ${"é".repeat(4321 % 97)}`);
  });
});

describe("recorded outcomes (packed for a 500k-row resume)", () => {
  it("round-trip every field exactly, whatever its shape", () => {
    const store = new RecordedOutcomes();
    const odd: Outcome = {
      rowNumber: 70000,
      status: "failed",
      httpStatus: 503,
      errorCode: "timeout;network-error",
      errorMessage: "=cmd| 'x' — ünïcode",
      attempts: 6,
      requestId: "not-a-guid",
      correlationId: "ABCDEF01-0000-4000-8000-000000000001", // upper case is kept as is
      completedAt: "2025-01-01T00:00:00Z", // not the toISOString form: kept as text
    };
    const big: Outcome = { rowNumber: 3, status: "rejected", httpStatus: 70000, attempts: 0 };
    store.set(confirmed(1));
    store.set(odd);
    store.set(big);
    store.set({ rowNumber: 5, status: "skipped", errorCode: "already-confirmed", attempts: 0 });
    expect(store.get(1)).toEqual(confirmed(1));
    expect(store.get(70000)).toEqual(odd);
    expect(store.get(3)).toEqual(big);
    expect(store.get(5)).toEqual({
      rowNumber: 5,
      status: "skipped",
      errorCode: "already-confirmed",
      attempts: 0,
    });
    expect(store.get(2)).toBeUndefined();
    expect(store.get(10 ** 7)).toBeUndefined();
    expect(store.size).toBe(4);
  });

  it("holds 500k confirmed rows in well under 100 MB", () => {
    const store = new RecordedOutcomes();
    const before = process.memoryUsage();
    for (let r = 1; r <= 500_000; r++) store.set(confirmed(r));
    const after = process.memoryUsage();
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    expect(store.get(499_999)).toEqual(confirmed(499_999));
  });
});

describe("what is already at --out", () => {
  const config = (dir: string, flags: { resume?: boolean; overwrite?: boolean } = {}) =>
    ({
      out: path.join(dir, "a.results.csv"),
      resume: false,
      overwrite: false,
      ...flags,
    }) as unknown as RunConfig;

  it("a finished results file needs --overwrite; --resume has nothing to continue", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "a.results.csv"), "x\n");
    await expect(checkOutputs(config(dir))).rejects.toThrow(/--overwrite/);
    await expect(checkOutputs(config(dir, { resume: true }))).rejects.toThrow(/nothing to resume/);
    // No journal and no results: still nothing to resume, never a fresh run.
    fs.rmSync(path.join(dir, "a.results.csv"));
    await expect(checkOutputs(config(dir, { resume: true }))).rejects.toThrow(
      /nothing to resume for .*--skip-confirmed/,
    );
    expect(await checkOutputs(config(dir, { overwrite: true }))).toBeUndefined();
  });

  it("results that record no request (a run stopped before sending) are replaced by a plain run", async () => {
    const dir = tempDir();
    const out = path.join(dir, "a.results.csv");
    const header = "customerTenantId;note;rowNumber;status;errorCode;attempts";
    fs.writeFileSync(
      out,
      `${header}\nx;a;1;invalid;"invalid-customer-id;invalid-email";0\ny;b;2;not-run;;0\n`,
    );
    expect(await checkOutputs(config(dir))).toBeUndefined();
    fs.appendFileSync(out, "z;c;3;confirmed;;1\n");
    await expect(checkOutputs(config(dir))).rejects.toThrow(/already exists/);
  });

  it("an unfinished run needs --resume or --overwrite, and --overwrite deletes nothing before the run starts", async () => {
    const dir = tempDir();
    const c = config(dir);
    openJournal(journalPath(c.out), HEADER).close();
    await expect(checkOutputs(c)).rejects.toThrow(/--resume.*--overwrite/);
    expect((await checkOutputs(config(dir, { resume: true })))?.header).toEqual(HEADER);
    expect(await checkOutputs(config(dir, { overwrite: true }))).toBeUndefined();
    expect(fs.existsSync(journalPath(c.out))).toBe(true);
  });
});
