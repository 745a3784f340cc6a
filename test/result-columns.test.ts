import { describe, expect, expectTypeOf, it } from "vitest";
import { RecordedOutcomes } from "../src/run/recorded.js";
import {
  RECORDED_FIELDS,
  RESULT_COLUMN_SOURCES,
  RESULT_COLUMNS,
  type ColumnSources,
  type Outcome,
  type RecordedField,
  type RowFacts,
} from "../src/types.js";

// The results columns are declared once (src/types.ts RESULT_COLUMN_SOURCES); the writer and
// the journal's record of an outcome derive from it. These checks run under `tsc -p
// tsconfig.test.json` (npm run lint): a `@ts-expect-error` that no longer meets an error fails it.

describe("the one definition of the results columns", () => {
  it("names every field of Outcome and RowFacts, and a wider Outcome fails to compile", () => {
    const same: ColumnSources = RESULT_COLUMN_SOURCES;
    // @ts-expect-error an Outcome field that no column names (so the journal would not record it)
    const widerOutcome: ColumnSources<Outcome & { readonly extra?: string }> = RESULT_COLUMN_SOURCES;
    // @ts-expect-error a RowFacts field that no column names
    const widerFacts: ColumnSources<Outcome, RowFacts & { readonly extra?: string }> = RESULT_COLUMN_SOURCES;
    expectTypeOf<keyof typeof RESULT_COLUMN_SOURCES>().toEqualTypeOf<keyof Outcome | keyof RowFacts>();
    expectTypeOf<RecordedField>().toEqualTypeOf<Exclude<keyof Outcome, "rowNumber" | "status">>();
    expect([same, widerOutcome, widerFacts].every((table) => table === RESULT_COLUMN_SOURCES)).toBe(true);
  });

  it("keeps the contract order of the columns", () => {
    expect(RESULT_COLUMNS).toEqual([
      "rowNumber",
      "status",
      "userId",
      "httpStatus",
      "errorCode",
      "errorMessage",
      "attempts",
      "requestId",
      "correlationId",
      "completedAt",
      "sourceRow",
      "dateSent",
      "templateId",
      "recordedDateAgreed",
    ]);
  });

  it("the journal keeps every Outcome field through its packed record", () => {
    expect(RECORDED_FIELDS).toEqual(
      RESULT_COLUMNS.filter(
        (c) => RESULT_COLUMN_SOURCES[c] === "outcome" && c !== "rowNumber" && c !== "status",
      ),
    );
    const full: Required<Outcome> = {
      rowNumber: 7,
      status: "confirmed",
      userId: "abcdef01-5111-4000-8000-000000000007",
      httpStatus: 201,
      errorCode: "600061",
      errorMessage: "already recorded",
      attempts: 2,
      requestId: "00000000-0000-4000-8000-000000000007",
      correlationId: "00000000-0000-4000-8000-000000001007",
      completedAt: "2025-03-04T05:06:07.089Z",
      recordedDateAgreed: "2024-01-02T00:00:00.000Z",
    };
    const recorded = new RecordedOutcomes();
    recorded.set(full);
    expect(recorded.get(7)).toEqual(full);
  });
});
