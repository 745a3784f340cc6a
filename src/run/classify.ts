import { createValidator } from "../validate.js";
import type { Acceptance, InputRow, Outcome } from "../types.js";
import type { DateFormat } from "../validate.js";
import { GuidSet } from "../guid-set.js";
import { duplicateOutcome, invalidOutcome, notAttestedOutcome } from "./outcomes.js";

/** A row decided without the API (invalid, duplicate), or the acceptance to send. */
export type Classified =
  { readonly outcome: Outcome; readonly duplicate?: true } | { readonly acceptance: Acceptance };

/** Row numbers, as the pre-flight found them to be duplicates. */
export interface RowNumbers {
  has(rowNumber: number): boolean;
}

/**
 * Validation plus duplicate detection, identical in `validate`, the pre-flight and the run.
 * A valid row whose customer id a valid row had earlier is skipped. Invalid rows never count:
 * a bad row followed by its corrected copy sends the copy (and the bad row goes to the failed file).
 */
export function createClassifier(options: {
  dateFormat?: DateFormat;
  /**
   * The duplicates, when a pass over the same file already found them (the run's pre-flight):
   * then no table of ids is held, only these row numbers.
   */
  duplicates?: RowNumbers;
  /** Otherwise, the table of ids to fill (a new one by default). */
  ids?: GuidSet;
}): (row: InputRow) => Classified {
  const validate = createValidator(options);
  const known = options.duplicates;
  // Typed-array set: a plain Set<string> of hundreds of thousands of ids costs several times
  // the memory on the V8 heap (docs/performance.md has the figures).
  const seen = known ? undefined : (options.ids ?? new GuidSet());
  return (row) => {
    // Not attested in Microsoft's bulk tool file: never sent, whatever else the row holds.
    if (row.notAttested) return { outcome: notAttestedOutcome(row.rowNumber) };
    const checked = validate(row);
    if ("problems" in checked) return { outcome: invalidOutcome(row.rowNumber, checked.problems) };
    const duplicate = seen ? seen.addOrHas(checked.ok.customerTenantId) : known?.has(row.rowNumber);
    if (duplicate) return { outcome: duplicateOutcome(row.rowNumber), duplicate: true };
    return { acceptance: checked.ok };
  };
}
