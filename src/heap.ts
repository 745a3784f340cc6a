// V8's heap, tuned from inside the process: node's own command line is the user's, so the
// flags that size the heap are set here, at run time (docs/performance.md "Memory of a large run").
import v8 from "node:v8";

/** How often the young generation's size is looked at (a few microseconds each time). */
const CHECK_EVERY_MS = 10;

function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Keeps V8's young generation from growing past `maxBytes` (both semi-spaces). Its maximum
 * (`--max-semi-space-size`) is read only when the heap is set up, but the factor it grows by is
 * read at each growth: once the generation has reached `maxBytes` it is told to grow by 1×, and
 * by V8's default 2× again should V8 have shrunk it. A growth that slips in before a check
 * (two in one interval) keeps the larger size: memory, never behaviour, is what is at stake.
 * The checks last as long as the process and never keep it alive.
 */
export function capYoungGeneration(maxBytes: number): void {
  let frozen = false;
  const check = () => {
    const freeze = youngGenerationBytes() >= maxBytes;
    if (freeze === frozen) return;
    frozen = freeze;
    v8.setFlagsFromString(`--semi-space-growth-factor=${freeze ? 1 : 2}`);
  };
  check();
  setInterval(check, CHECK_EVERY_MS).unref();
}
