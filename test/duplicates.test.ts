// Duplicate customers of the largest files are found through temporary files, one partition of
// the ids at a time (src/run/duplicates.ts). The result must be exactly what the single table of
// ids finds: the first valid row of each customer kept, every later valid one a duplicate,
// invalid rows never counted, ids equal whatever their case or braces.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveRunConfig } from "../src/config.js";
import { silentLogger } from "../src/log.js";
import { systemClock } from "../src/engine/clock.js";
import { scanInput } from "../src/run/scan.js";
import { validateFile } from "../src/run/validate-file.js";
import { removeTempDirs, tempDir } from "./helpers/cli.js";

afterAll(() => removeTempDirs());

const ROWS = 6_000;

/** A small fixed generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

/** Rows over a pool of 900 customers; the expected duplicates worked out here, naively. */
function writeInput(file: string): Set<number> {
  const next = random(42);
  const pool = Array.from({ length: 900 }, (_, i) => {
    const hex = Math.floor(next() * 2 ** 32)
      .toString(16)
      .padStart(8, "0");
    return `${hex}-4f89-11d3-9a0c-${String(i).padStart(12, "0")}`;
  });
  const lines = ["customerTenantId,firstName,lastName,email,phoneNumber,dateAgreed"];
  const seen = new Set<string>();
  const expected = new Set<number>();
  for (let row = 1; row <= ROWS; row++) {
    const id = pool[Math.floor(next() * pool.length)];
    const shape = next();
    const written = shape < 0.3 ? id.toUpperCase() : shape < 0.4 ? `{${id}}` : id;
    const invalid = next() < 0.2;
    const notGuid = next() < 0.03;
    const email = invalid ? "not-an-email" : `p${row}@example.com`;
    lines.push(`${notGuid ? "not-a-guid" : written},Ada,Lovelace,${email},,2024-03-01`);
    if (invalid || notGuid) continue;
    if (seen.has(id)) expected.add(row);
    seen.add(id);
  }
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return expected;
}

const rowsOf = (set: { has(row: number): boolean }) =>
  Array.from({ length: ROWS + 2 }, (_, row) => row).filter((row) => set.has(row));

describe("duplicates found through partitions", () => {
  it("are exactly those the table of ids finds, and no temporary file stays", async () => {
    const dir = tempDir("mca-dup-");
    const input = path.join(dir, "in.csv");
    const expected = writeInput(input);
    const config = resolveRunConfig("run", input, {}, {});
    const bytes = fs.statSync(input).size;
    const inMemory = await scanInput(config, bytes, { fingerprint: true });
    const partitioned = await scanInput(config, bytes, { fingerprint: true, partitionAboveRows: 0 });
    expect(expected.size).toBeGreaterThan(1_000);
    expect(rowsOf(inMemory.duplicates)).toEqual([...expected].sort((a, b) => a - b));
    expect(rowsOf(partitioned.duplicates)).toEqual(rowsOf(inMemory.duplicates));
    expect(partitioned.total).toBe(ROWS);
    expect(partitioned.fingerprint).toBe(inMemory.fingerprint);
    expect(fs.readdirSync(dir).sort()).toEqual(["in.csv"]);
  });

  it("make validate write the very file the table of ids makes", async () => {
    const dir = tempDir("mca-dup-");
    const input = path.join(dir, "in.csv");
    writeInput(input);
    const write = async (out: string, partitionAboveRows?: number) => {
      const config = resolveRunConfig("validate", input, { out }, {});
      await validateFile({ config, logger: silentLogger, clock: systemClock, partitionAboveRows });
      return fs.readFileSync(out, "utf8");
    };
    const single = await write(path.join(dir, "one.csv"));
    const parts = await write(path.join(dir, "parts.csv"), 0);
    expect(parts).toBe(single);
    expect(single.match(/duplicate-customer/g)?.length).toBeGreaterThan(1_000);
    expect(fs.readdirSync(dir).sort()).toEqual(["in.csv", "one.csv", "parts.csv"]);
  });

  it("leave no temporary file when the input breaks halfway", async () => {
    const dir = tempDir("mca-dup-");
    const input = path.join(dir, "in.csv");
    writeInput(input);
    fs.appendFileSync(input, '"unterminated,Ada,Lovelace,a@example.com,,2024-03-01\n');
    const config = resolveRunConfig("run", input, {}, {});
    await expect(scanInput(config, fs.statSync(input).size, { partitionAboveRows: 0 })).rejects.toThrow();
    expect(fs.readdirSync(dir).sort()).toEqual(["in.csv"]);
  });
});
