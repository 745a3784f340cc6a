import crypto from "node:crypto";
import type { RunConfig } from "../config.js";
import { openInput } from "../input/read.js";
import { RowNumberSet } from "../report/row-numbers.js";
import { createClassifier, type RowNumbers } from "./classify.js";
import { foreseeRows, PartitionedDuplicates, PARTITION_ABOVE_ROWS } from "./duplicates.js";
import { idTableForFile } from "../guid-set.js";

/** What one pass over the input found before any row is sent or written. */
export interface Scanned {
  /** Data rows in the input. */
  readonly total: number;
  /** sha256 of the bytes parsed, when asked for. */
  readonly fingerprint?: string;
  /** The rows that repeat an earlier valid row's customer (classify.ts). */
  readonly duplicates: RowNumbers;
}

/** Nothing: the partitioned pass finds duplicates itself, after the classifier. */
const NONE: RowNumbers = { has: () => false };

/**
 * Parses and checks every row of the input once and finds the duplicates. Up to
 * `partitionAboveRows` rows foreseen in one table of ids; past that through temporary files
 * beside --out, in bounded memory (duplicates.ts). `fileBytes`: the input's size (0 when unknown).
 */
export async function scanInput(
  config: Pick<RunConfig, "input" | "out" | "map" | "dateAgreed" | "dateFormat">,
  fileBytes: number,
  options: { fingerprint?: boolean; partitionAboveRows?: number } = {},
): Promise<Scanned> {
  const hash = options.fingerprint ? crypto.createHash("sha256") : undefined;
  const partitioned =
    foreseeRows(config.input, fileBytes) > (options.partitionAboveRows ?? PARTITION_ABOVE_ROWS);
  const table = partitioned ? undefined : idTableForFile(fileBytes);
  const spill = partitioned ? new PartitionedDuplicates(config.out) : undefined;
  let input: Awaited<ReturnType<typeof openInput>> | undefined;
  const classify = createClassifier({
    dateFormat: config.dateFormat,
    ...(table ? { ids: table.ids } : { duplicates: NONE }),
  });
  const inMemory = new RowNumberSet();
  let total = 0;
  try {
    input = await openInput(config.input, {
      map: config.map,
      dateAgreed: config.dateAgreed,
      onBytes: (chunk) => {
        hash?.update(chunk);
        table?.sawBytes(chunk.length);
      },
    });
    for await (const rows of input.batches()) {
      for (const row of rows) {
        total++;
        table?.sawRow();
        const classified = classify(row);
        if ("duplicate" in classified) inMemory.add(row.rowNumber);
        else if (spill && "acceptance" in classified)
          spill.see(classified.acceptance.customerTenantId, row.rowNumber);
      }
    }
    const duplicates = spill ? spill.finish() : inMemory;
    return { total, duplicates, ...(hash ? { fingerprint: `sha256:${hash.digest("hex")}` } : {}) };
  } finally {
    input?.close();
    spill?.close();
    // Gone before the run begins, not at some later collection (25 MB for 1M rows).
    table?.ids.release();
  }
}
