// Scenario (d)'s matrix: every limiter shape of test/helpers/rate-matrix.ts run through the same
// virtual-time run of the engine as test/rate-matrix.test.ts (the simulator's own limiter classes), one
// line per case, then the worst case for each figure.
import { runRateCase, type RateFigures } from "../test/helpers/rate-run.js";
import { matrixCases, TARGET } from "../test/helpers/rate-matrix.js";

export interface NamedFigures extends RateFigures {
  name: string;
}

export async function printRateMatrix(
  print: (line: string) => void,
): Promise<{ share: NamedFigures; throttled: NamedFigures }> {
  let worstShare: NamedFigures | undefined;
  let worstThrottled: NamedFigures | undefined;
  for (const c of matrixCases()) {
    const f: NamedFigures = { ...(await runRateCase(c)), name: c.name };
    const miss = f.share < TARGET.share || f.throttledShare > TARGET.throttled ? "  BELOW TARGET" : "";
    print(
      `${c.name}: ${(f.share * 100).toFixed(1)}% of the limit, ${(f.throttledShare * 100).toFixed(1)}% answered 429 ` +
        `(${f.rows} rows, ${(f.elapsedMs / 1000).toFixed(1)} s for an ideal ${(f.idealMs / 1000).toFixed(1)} s)${miss}`,
    );
    if (!worstShare || f.share < worstShare.share) worstShare = f;
    if (!worstThrottled || f.throttledShare > worstThrottled.throttledShare) worstThrottled = f;
  }
  print(`worst share of the limit: ${(worstShare!.share * 100).toFixed(1)}% (${worstShare!.name})`);
  print(`worst 429 share: ${(worstThrottled!.throttledShare * 100).toFixed(1)}% (${worstThrottled!.name})`);
  return { share: worstShare!, throttled: worstThrottled! };
}
