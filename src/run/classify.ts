import { createValidator } from "../validate.js";
import type { Acceptance, InputRow, Outcome } from "../types.js";
import type { DateFormat } from "../validate.js";
import { GuidSet } from "./guid-set.js";
import { duplicateOutcome, invalidOutcome } from "./outcomes.js";

/** A row decided without the API (invalid, duplicate), or the acceptance to send. */
export type Classified = { readonly outcome: Outcome } | { readonly acceptance: Acceptance };

/**
 * Validation plus duplicate detection, identical in `validate`, the pre-flight and the run.
 * A valid row whose customer id a valid row had earlier is skipped. Invalid rows never count:
 * a bad row followed by its corrected copy sends the copy (and the bad row goes to the failed file).
 */
export function createClassifier(options: {
  dateFormat?: DateFormat;
  /** Rows the file holds, when the pre-flight counted them: the set of ids is sized once for all. */
  expectedRows?: number;
}): (row: InputRow) => Classified {
  const validate = createValidator(options);
  // Typed-array set: a plain Set<string> of hundreds of thousands of ids costs several times
  // the memory on the V8 heap (docs/performance.md has the figures). Sized from the row count,
  // it never grows: growing holds the old and the new table at once.
  const seen = new GuidSet(options.expectedRows);
  return (row) => {
    const checked = validate(row);
    if ("problems" in checked) return { outcome: invalidOutcome(row.rowNumber, checked.problems) };
    if (seen.addOrHas(checked.ok.customerTenantId)) return { outcome: duplicateOutcome(row.rowNumber) };
    return { acceptance: checked.ok };
  };
}
