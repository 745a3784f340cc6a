// The records that travel through the pipeline:
// file → InputRow → Checked (Acceptance | problems) → attempts → Outcome → results file.

/** The fields the API needs, as matched from the input headers. */
export const FIELDS = [
  "customerTenantId",
  "firstName",
  "lastName",
  "email",
  "phoneNumber",
  "dateAgreed",
] as const;
export type Field = (typeof FIELDS)[number];

/**
 * Columns the tool appends to every results row, in contract order, and where each comes from:
 * the row's Outcome or what it sends (RowFacts). The writer (output/results.ts), the journal's
 * packed record of an outcome (run/recorded.ts) and the report readers all derive from this one
 * table. `satisfies ColumnSources` makes it name every field of Outcome and RowFacts: a field
 * added to either without a column here fails to compile.
 */
export const RESULT_COLUMN_SOURCES = {
  rowNumber: "outcome",
  status: "outcome",
  userId: "outcome",
  httpStatus: "outcome",
  errorCode: "outcome",
  errorMessage: "outcome",
  attempts: "outcome",
  requestId: "outcome",
  correlationId: "outcome",
  completedAt: "outcome",
  sourceRow: "facts",
  dateSent: "facts",
  templateId: "facts",
  recordedDateAgreed: "outcome",
} as const satisfies ColumnSources;

/** One entry per field of `O` (from the outcome) and of `F` (from the row's facts), no other. */
export type ColumnSources<O = Outcome, F = RowFacts> = { readonly [K in keyof O]-?: "outcome" } & {
  readonly [K in keyof F]-?: "facts";
};

export type ResultColumn = keyof typeof RESULT_COLUMN_SOURCES;
export const RESULT_COLUMNS = Object.keys(RESULT_COLUMN_SOURCES) as readonly ResultColumn[];

/** The Outcome fields the journal records besides the row number (its key) and the status (a tag). */
export type RecordedField = Exclude<keyof Outcome, "rowNumber" | "status">;
export const RECORDED_FIELDS = RESULT_COLUMNS.filter(
  (column): column is RecordedField =>
    RESULT_COLUMN_SOURCES[column] === "outcome" && column !== "rowNumber" && column !== "status",
);

import type { Status } from "./statuses.js";

/** Local error codes of the contract (API errors use the API's numeric code). */
export type LocalCode =
  | "invalid-customer-id"
  | "missing-first-name"
  | "missing-last-name"
  | "invalid-email"
  | "invalid-phone"
  | "invalid-date"
  | "ambiguous-date"
  | "future-date"
  | "duplicate-customer"
  | "already-confirmed"
  | "timeout"
  | "network-error"
  | "auth-failed"
  | "interrupted"
  | "invalid-characters"
  | "unexpected-response"
  | "accepted-directly"
  | "not-attested"
  | "redirect"
  | "600061-older-template"
  | "600061-unverified";

/** One data row of the input, as read. */
export interface InputRow {
  /** 1-based index of the data row (header not counted). */
  readonly rowNumber: number;
  /** Physical line of the file where the record starts (1-based, header is line 1). */
  readonly line: number;
  /** The cells of the input's own columns (result columns dropped), in header order. */
  readonly cells: readonly string[];
  /** The matched field values (formula escaping already removed), keyed by field. */
  readonly fields: Readonly<Partial<Record<Field, string>>>;
  /** Row number in the original input of a re-run chain (undefined: a re-run row without one). */
  readonly sourceRow?: number;
  /** A row of Microsoft's bulk tool file not marked True in PartnerAttestationCompleted: never sent. */
  readonly notAttested?: true;
}

/** A row that passed validation: exactly what is sent. */
export interface Acceptance {
  readonly customerTenantId: string; // lower-case GUID without braces
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phoneNumber?: string; // absent when empty
  readonly dateAgreed: string; // UTC, YYYY-MM-DDTHH:mm:ss.sssZ
}

export interface Problem {
  readonly code: LocalCode;
  readonly message: string;
}

export type Checked = { readonly ok: Acceptance } | { readonly problems: readonly Problem[] };

/**
 * What a row is and sends, beside its outcome (the last three result columns): its row in the
 * original input of a re-run chain, and the dateAgreed and templateId sent (or that would be).
 */
export interface RowFacts {
  readonly sourceRow?: number;
  readonly dateSent?: string;
  readonly templateId?: string;
}

/** The result of one row; exactly one per input row. */
export interface Outcome {
  readonly rowNumber: number;
  readonly status: Status;
  readonly userId?: string;
  readonly httpStatus?: number;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly attempts: number;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly completedAt?: string;
  /** The dateAgreed Partner Center holds for a record already there (600061, --skip-confirmed). */
  readonly recordedDateAgreed?: string;
}
