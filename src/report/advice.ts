import { STATUSES, isStatus } from "../statuses.js";

// What to do about each error code, next to what it means (ERROR_MEANINGS in the summary):
// the report is read by someone deciding the next step, often days after the run.
const BY_CODE: Readonly<Record<string, string>> = {
  "600061": "Nothing: the confirmation is on record.",
  "600002": "Check the date and --date-format; dates are sent as UTC. Correct the row and re-run.",
  "900118": "Check the customerTenantId against Partner Center, correct it and re-run.",
  "60003": "Check the customerTenantId against Partner Center, correct it and re-run.",
  "20002":
    "Check in Partner Center that this customer is yours (a reseller relationship); remove the row if not.",
  "800002": "Read the errorMessage of these rows; correct the row and re-run.",
  "duplicate-customer": "Nothing: the first valid row of this customer was sent.",
  "already-confirmed": "Nothing: the customer already has this confirmation.",
  "ambiguous-date": "Run again with --date-format (for example DD/MM/YYYY).",
  "invalid-date": "Correct the date, or pass the --date-format the file uses, and re-run.",
  "future-date": "Correct the date (it must not be after today) and re-run.",
  "auth-failed": "Sign in again (mca-confirm login) or renew the token, then continue with --resume.",
  interrupted: "Continue with --resume, or re-run the failed file.",
  "HTTP 429": "Re-run the failed file later, or with a lower --max-rpm.",
};

export function adviceFor(code: string, statuses: Iterable<string>): string {
  const known = BY_CODE[code];
  if (known) return known;
  for (const status of statuses) if (isStatus(status)) return STATUSES[status].advice;
  return "Read the errorMessage column of these rows.";
}
