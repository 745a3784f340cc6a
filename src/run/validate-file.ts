import fs from "node:fs";
import type { RunConfig } from "../config.js";
import { openInput } from "../input/read.js";
import type { Logger } from "../log.js";
import type { RunResult } from "../output/run-result.js";
import { createResultsWriter } from "../output/results.js";
import { createDateFormatCheck } from "../report/date-format-check.js";
import type { Clock } from "../engine/clock.js";
import { createClassifier } from "./classify.js";
import { foreseeRows, PARTITION_ABOVE_ROWS } from "./duplicates.js";
import { idTableForFile } from "../guid-set.js";
import { validOutcome } from "./outcomes.js";
import { scanInput } from "./scan.js";

/** `validate`: the run's parsing and checks, no network; every row `valid`, `invalid` or `skipped`. */
export async function validateFile(deps: {
  config: RunConfig;
  logger: Logger;
  clock: Clock;
  /** Rows foreseen above which the duplicates are found first, in bounded memory (duplicates.ts). */
  partitionAboveRows?: number;
}): Promise<RunResult> {
  const { config, clock } = deps;
  const started = clock.now();
  const size = fileSize(config.input);
  // The largest files: a first pass finds the duplicates through temporary files (the run's
  // pre-flight), so no table of every id is held. Otherwise the table of ids grows once, to the
  // file's rows foreseen from its size (guid-set.ts).
  const large = foreseeRows(config.input, size) > (deps.partitionAboveRows ?? PARTITION_ABOVE_ROWS);
  const known = large ? (await scanInput(config, size, { partitionAboveRows: 0 })).duplicates : undefined;
  const table = known ? undefined : idTableForFile(size);
  const input = await openInput(config.input, {
    map: config.map,
    dateAgreed: config.dateAgreed,
    onBytes: (chunk) => table?.sawBytes(chunk.length),
  });
  const writer = createResultsWriter({
    out: config.out,
    columns: input.header.columns,
    format: input.header,
    // The main thread parses and checks; quoting the results on it too would halve its speed.
    thread: true,
  });
  const classify = createClassifier({
    dateFormat: config.dateFormat,
    ...(known ? { duplicates: known } : { ids: table?.ids }),
  });
  // Checked here, row by row, rather than by reading the validation file back afterwards.
  const dates = createDateFormatCheck(config.dateFormat);
  let total = 0;
  try {
    // Each chunk's rows are checked and queued synchronously; the disk is waited for once per
    // chunk, not once per row (validate is the pre-flight users re-run on their largest files).
    for await (const rows of input.batches()) {
      for (const row of rows) {
        table?.sawRow();
        const classified = classify(row);
        // What would be sent: the date as UTC, the templateId when --template-id names it.
        const facts =
          "acceptance" in classified
            ? {
                sourceRow: row.sourceRow,
                dateSent: classified.acceptance.dateAgreed,
                templateId: config.templateId,
              }
            : { sourceRow: row.sourceRow };
        const outcome = "outcome" in classified ? classified.outcome : validOutcome(row.rowNumber);
        dates.observe((row.fields.dateAgreed ?? "").trim(), outcome.errorCode ?? "");
        writer.put(row.rowNumber, row.cells, outcome, facts);
      }
      total += rows.length;
      await writer.ready();
    }
    await writer.commit();
  } catch (err) {
    writer.discard();
    throw err;
  } finally {
    input.close();
    table?.ids.release();
  }
  deps.logger.info({ event: "validate-end", rows: total, byStatus: writer.counts.byStatus });
  return {
    config,
    total,
    counts: writer.counts,
    requests: 0,
    throttled: 0,
    elapsedMs: clock.now() - started,
    resumed: false,
    resumable: false,
    finishedNow: total,
    dateWarning: dates.warning(),
  };
}

/** The input's size in bytes, or 0 when it cannot be read (openInput then says why). */
function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
