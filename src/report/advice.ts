// What to do about rows of an error code: the one error table's advice (src/error-codes.ts),
// else that of the rows' status (src/statuses.ts).
import { adviceOf } from "../error-codes.js";
import { STATUSES, isStatus } from "../statuses.js";

export function adviceFor(code: string, statuses: Iterable<string>): string {
  const known = adviceOf(code);
  if (known) return known;
  for (const status of statuses) if (isStatus(status)) return STATUSES[status].advice;
  return "Read the errorMessage column of these rows.";
}
