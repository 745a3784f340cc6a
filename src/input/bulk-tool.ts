// Files of Microsoft's retired MCA bulk attestation tool (docs/cli.md "Files of Microsoft's bulk
// attestation tool"): its fetch step wrote CustomerAgreementRecords.csv with the columns below,
// and it sent only the rows marked True in PartnerAttestationCompleted, with the date of sending
// as dateAgreed. LastAgreementDate is the date of the customer's *previous* agreement: it is
// never the acceptance date, so dateAgreed comes from --date-agreed.
import { InputFileError } from "../errors.js";
import type { Field } from "../types.js";
import { normalizeHeader, type HeaderMatch } from "./headers.js";

const BULK_TOOL_COLUMNS = [
  "CustomerTenantId",
  "FirstName",
  "LastName",
  "Email",
  "PhoneNumber",
  "LastAgreementDate",
  "PartnerAttestationCompleted",
  "CustomerAccountLink",
] as const;

const ORIGIN =
  "this is a CustomerAgreementRecords.csv of Microsoft's retired bulk attestation tool (its LastAgreementDate is the customer's previous agreement, never the acceptance date)";

/** How the rows of a file get their dateAgreed and whether each is to be sent at all. */
export interface DateAgreedPlan {
  /** Required fields still missing once --date-agreed is counted. */
  readonly missing: readonly Field[];
  /** The PartnerAttestationCompleted column (a bulk tool file), else -1. */
  readonly attestedAt: number;
  /** --date-agreed: every row's dateAgreed. */
  readonly constant?: string;
}

/** The header is the bulk tool's: all of its columns, by name (case, spaces, `_` and `-` aside). */
function isBulkToolHeader(record: readonly string[]): boolean {
  const names = new Set(record.map(normalizeHeader));
  return BULK_TOOL_COLUMNS.every((column) => names.has(normalizeHeader(column)));
}

/**
 * Where dateAgreed comes from: a column of the file, or --date-agreed (never both); for a bulk
 * tool file --date-agreed is required and LastAgreementDate can never be mapped to it.
 */
export function planDateAgreed(
  file: string,
  line: number,
  record: readonly string[],
  match: HeaderMatch,
  dateAgreed: string | undefined,
): DateAgreedPlan {
  const normalized = record.map(normalizeHeader);
  const bulk = isBulkToolHeader(record);
  const attestedAt = bulk ? normalized.indexOf(normalizeHeader("PartnerAttestationCompleted")) : -1;
  const column = match.fieldColumn.dateAgreed;
  if (bulk && column !== undefined && normalized[column] === normalizeHeader("LastAgreementDate"))
    throw new InputFileError(
      file,
      `${ORIGIN}: LastAgreementDate cannot be sent as dateAgreed; drop that --map and pass --date-agreed DATE, the date the customers accepted`,
      line,
    );
  if (dateAgreed !== undefined && column !== undefined)
    throw new InputFileError(
      file,
      `--date-agreed is given, but the file has its own dateAgreed column "${record[column]}": use one or the other`,
      line,
    );
  if (bulk && dateAgreed === undefined)
    throw new InputFileError(
      file,
      `${ORIGIN}: it has no dateAgreed column; pass --date-agreed DATE (YYYY-MM-DD), the date the customers accepted the MCA. Only rows marked True in PartnerAttestationCompleted are sent`,
      line,
    );
  const missing = dateAgreed === undefined ? match.missing : match.missing.filter((f) => f !== "dateAgreed");
  return dateAgreed === undefined ? { missing, attestedAt } : { missing, attestedAt, constant: dateAgreed };
}

/** A bulk tool row is sent only when marked True ("True"/"true", as .NET writes a bool). */
export function isAttested(record: readonly string[], attestedAt: number): boolean {
  return attestedAt < 0 || (record[attestedAt] ?? "").trim().toLowerCase() === "true";
}
