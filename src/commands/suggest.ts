/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment), so
 * "vaildate" is one step from "validate", as a typist would count it.
 */
export function editDistance(from: string, to: string): number {
  const rows = from.length + 1;
  const cols = to.length + 1;
  const distance: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: cols }, (_, col) => (row === 0 ? col : col === 0 ? row : 0)),
  );
  for (let row = 1; row < rows; row++) {
    for (let col = 1; col < cols; col++) {
      const cost = from[row - 1] === to[col - 1] ? 0 : 1;
      let best = Math.min(
        distance[row - 1][col] + 1,
        distance[row][col - 1] + 1,
        distance[row - 1][col - 1] + cost,
      );
      if (row > 1 && col > 1 && from[row - 1] === to[col - 2] && from[row - 2] === to[col - 1])
        best = Math.min(best, distance[row - 2][col - 2] + 1);
      distance[row][col] = best;
    }
  }
  return distance[rows - 1][cols - 1];
}

/**
 * The known name nearest to a mistyped one, when it is near enough to be what was meant: one
 * edit for short names, two for names of six letters or more (a longer name hides more typos
 * before an unrelated name comes as close). Ties go to the first in `known`.
 */
export function nearestName(word: string, known: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  const allowed = typed.length >= 6 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const name of known) {
    const distance = editDistance(typed, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean --concurrency?)`, or nothing. */
export function didYouMean(word: string, known: readonly string[], prefix = ""): string {
  const bare = word.slice(prefix.length);
  const near = nearestName(bare, known);
  return near === undefined ? "" : ` (did you mean ${prefix}${near}?)`;
}
