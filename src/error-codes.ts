// Every error code the tool writes, declared once: what it means (the summary's "most frequent
// problems", the report's problems table) and, where there is one, what to do about it (the
// report, read by someone deciding the next step, often days after the run). API codes are
// those of docs/partner-center-api.md "Errors"; the local ones are listed in docs/cli.md "The
// results file". Rows that ran out of attempts on answers without an API code count under
// their HTTP status (output/results.ts).

interface ErrorCodeInfo {
  readonly meaning: string;
  readonly advice?: string;
}

const ERROR_CODES: Readonly<Record<string, ErrorCodeInfo>> = {
  "600061": {
    meaning: "confirmation already on record (counted as confirmed)",
    advice: "Nothing: the confirmation is on record.",
  },
  "600061-older-template": {
    meaning:
      "the contact's record is of an older template: enter the person who accepted the current version",
  },
  "600061-unverified": {
    meaning: "600061, but no record of this contact could be read: check it in Partner Center",
  },
  "600002": {
    meaning: "date of agreement is in the future (check time zones: dates are sent as UTC)",
    advice: "Check the date and --date-format; dates are sent as UTC. Correct the row and re-run.",
  },
  "900118": {
    meaning: "invalid customer id",
    advice: "Check the customerTenantId against Partner Center, correct it and re-run.",
  },
  "800002": {
    meaning: "the API refused the request input",
    advice: "Read the errorMessage of these rows; correct the row and re-run.",
  },
  "20002": {
    meaning: "no commerce relationship with this customer (not your CSP customer)",
    advice:
      "Check in Partner Center that this customer is yours (a reseller relationship); remove the row if not.",
  },
  "60003": {
    meaning: "customer tenant not found",
    advice: "Check the customerTenantId against Partner Center, correct it and re-run.",
  },
  "invalid-customer-id": { meaning: "customerTenantId is not a GUID" },
  "missing-first-name": { meaning: "firstName is empty" },
  "missing-last-name": { meaning: "lastName is empty" },
  "invalid-email": { meaning: "email is not a valid address" },
  "invalid-phone": { meaning: "phoneNumber has characters other than digits, +, spaces, -, . and ()" },
  "invalid-date": {
    meaning: "dateAgreed is not a real date",
    advice: "Correct the date, or pass the --date-format the file uses, and re-run.",
  },
  "ambiguous-date": {
    meaning: "dateAgreed could be day/month or month/day: pass --date-format",
    advice: "Run again with --date-format (for example DD/MM/YYYY).",
  },
  "future-date": {
    meaning: "dateAgreed is in the future",
    advice: "Correct the date (it must not be after today) and re-run.",
  },
  "duplicate-customer": {
    meaning: "customer appears on an earlier row",
    advice: "Nothing: the first valid row of this customer was sent.",
  },
  "already-confirmed": {
    meaning: "customer already has this confirmation (--skip-confirmed)",
    advice: "Nothing: the customer already has this confirmation.",
  },
  "accepted-directly": {
    meaning: "customer accepted the MCA directly in the Microsoft 365 admin center (--skip-confirmed)",
  },
  "not-attested": {
    meaning: "not marked True in PartnerAttestationCompleted (Microsoft bulk tool file): never sent",
  },
  timeout: { meaning: "no answer within --timeout" },
  "network-error": { meaning: "connection failed or was reset" },
  "auth-failed": {
    meaning: "the API refused the credentials",
    advice: "Sign in again (mca-confirm login) or renew the token, then continue with --resume.",
  },
  interrupted: {
    meaning: "the run was interrupted",
    advice: "Continue with --resume, or re-run the failed file.",
  },
  "HTTP 429": {
    meaning: "throttled on every attempt: re-run the failed file later, or lower --max-rpm",
    advice: "Re-run the failed file later, or with a lower --max-rpm.",
  },
  "HTTP 408": { meaning: "the API timed out on every attempt" },
  "HTTP 500": { meaning: "server error on every attempt" },
  "HTTP 502": { meaning: "bad gateway on every attempt" },
  "HTTP 503": { meaning: "service unavailable on every attempt" },
  "HTTP 504": { meaning: "gateway timeout on every attempt" },
};

/** What `code` means, or undefined for a code the table does not know (the row's message tells). */
export function meaningOf(code: string): string | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code].meaning : undefined;
}

/** What to do about rows of `code`, when the table says. */
export function adviceOf(code: string): string | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code].advice : undefined;
}
