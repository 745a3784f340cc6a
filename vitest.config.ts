import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

// Most test files spend their time waiting: on a child process (the built CLI), on a simulator's
// latency or on a Retry-After. They run several at a time, more than the machine has cores
// (vitest's own default is one worker fewer than the cores). The files that measure time or
// memory (a share of a rate limit, a heap ceiling, a page's speed in Chromium, a signal's timing)
// run after them, one at a time, so that nothing else competes with what they measure.
const TIMED = [
  "test/rate-through-the-cli.test.ts",
  "test/heap.test.ts",
  "test/report-browser.test.ts",
  "test/signals-and-exit-codes.test.ts",
];

// The longest files of the waiting group, longest first (durations of a whole `npm test`). They
// start first, so that none of them begins near the end and runs on alone. vitest orders by the
// durations in its cache when it has them, and by file size when it has none, as in a fresh clone
// or CI: this list stands in for that cache.
const LONGEST = [
  "test/resume-after-interruption.test.ts",
  "test/server-cannot-bend-the-record.test.ts",
  "test/faults-and-retries.test.ts",
  "test/lost-answer-recovery.test.ts",
  "test/listing-pending-customers.test.ts",
  "test/monthly-run.test.ts",
  "test/help-and-mistyped-commands.test.ts",
  "test/output-files-and-locks.test.ts",
  "test/audit-trail-across-runs.test.ts",
  "test/rate-matrix.test.ts",
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONGEST.findIndex((name) => file.moduleId.endsWith(`/${name}`));
      return at === -1 ? LONGEST.length : at;
    };
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: the rest keep vitest's own order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    // vitest reads the sequencer of the whole run, not a project's.
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          ...shared,
          name: "waiting",
          // Type-checks the tests while they run, under `npm test` only.
          globalSetup: ["test/helpers/typecheck.ts"],
          include: ["test/**/*.test.ts"],
          exclude: TIMED,
          maxWorkers: 4,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: "timed",
          include: TIMED,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
