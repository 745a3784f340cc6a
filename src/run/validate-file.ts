import type { RunConfig } from "../config.js";
import { openInput } from "../input/read.js";
import type { Logger } from "../log.js";
import { createResultsWriter } from "../output/results.js";
import type { Clock } from "./clock.js";
import { createClassifier } from "./classify.js";
import type { RunReport } from "./pipeline.js";

/** `validate`: the run's parsing and checks, no network; every row `valid`, `invalid` or `skipped`. */
export async function validateFile(deps: {
  config: RunConfig;
  logger: Logger;
  clock: Clock;
  now?: () => number;
}): Promise<RunReport> {
  const { config, clock } = deps;
  const started = clock.now();
  const input = await openInput(config.input, { map: config.map });
  const writer = createResultsWriter({
    out: config.out,
    columns: input.header.columns,
    format: input.header,
  });
  const classify = createClassifier({ dateFormat: config.dateFormat, now: deps.now });
  let total = 0;
  try {
    for await (const row of input.rows()) {
      total++;
      const c = classify(row);
      const outcome =
        "outcome" in c ? c.outcome : { rowNumber: row.rowNumber, status: "valid" as const, attempts: 0 };
      const wait = writer.put(row.rowNumber, row.cells, outcome);
      if (wait) await wait;
    }
    await writer.commit();
  } catch (err) {
    writer.discard();
    throw err;
  } finally {
    input.close();
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
  };
}
