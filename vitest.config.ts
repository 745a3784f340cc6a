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

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: "waiting",
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
