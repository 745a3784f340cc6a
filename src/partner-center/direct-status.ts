// A customer's direct acceptance of the MCA (docs/partner-center-api.md "Direct acceptance"):
// GET /v1/customers/{customer-tenant-id}/directSignedMicrosoftCustomerAgreementStatus answers
// {"isSigned": true|false}; a customer who accepted in the Microsoft 365 admin center needs no
// confirmation from the partner.

/** isSigned of a verdict-checked answer (verdict.ts made sure it is a boolean); undefined otherwise. */
export function parseDirectStatus(body: string): boolean | undefined {
  try {
    const parsed = JSON.parse(body) as { isSigned?: unknown } | null;
    return typeof parsed?.isSigned === "boolean" ? parsed.isSigned : undefined;
  } catch {
    return undefined;
  }
}
