// Reading the customer list page by page, and one customer's confirmations, through the run's
// calls (the same worker slots, rate control, retries and circuit breaker as `run`).

import type {
  Attempt,
  CustomerPageRequest,
  PartnerCenterClient,
  RequestIds,
} from "../partner-center/client.js";
import {
  parseAgreementRecords,
  parseCustomerPage,
  type CustomerSummary,
} from "../partner-center/customer-list.js";
import { parseDirectStatus } from "../partner-center/direct-status.js";
import type { Lookup } from "./select.js";

/** The largest page Partner Center serves (docs/partner-center-api.md "The partner's customers"). */
export const MAX_PAGE_SIZE_ASKED = 500;

/** How one call through the run's machinery ended, as much as `pending` needs to know. */
export type CallAnswer =
  | { readonly kind: "ok"; readonly body: string }
  /** Refused for good, or out of attempts: the message says which and why. */
  | { readonly kind: "failed"; readonly message: string }
  /** The run is stopping (Ctrl-C, the token refused, an outage): its stop says why. */
  | { readonly kind: "stopped" };

export interface PendingCalls {
  call(
    target: { readonly what: "customers" | "list" | "direct"; readonly customerId?: string },
    send: (ids: RequestIds) => Promise<Attempt>,
  ): Promise<CallAnswer>;
  /** Stops the whole listing: the customer list itself cannot be read on. */
  stopListing(message: string): void;
}

interface PageOfCustomers {
  readonly customers: readonly CustomerSummary[];
  /** Items without a usable customer id. */
  readonly unusable: number;
}

/**
 * The pages of the customer list in order, until a page without links.next. Only one page is
 * held at a time. A page that cannot be read after the retries ends the listing (and stops the
 * run): a list with a gap in it would look complete and be wrong.
 */
export async function* customerPages(
  calls: PendingCalls,
  client: PartnerCenterClient,
  pageSize: number,
): AsyncGenerator<PageOfCustomers> {
  let request: CustomerPageRequest | undefined = { size: pageSize };
  let previousToken: string | undefined;
  for (let number = 1; request; number++) {
    const asked = request;
    const answer = await calls.call({ what: "customers" }, (ids) => client.listCustomers(asked, ids));
    if (answer.kind === "stopped") return;
    const page = answer.kind === "ok" ? parseCustomerPage(answer.body) : { problem: answer.message };
    // A server that hands out the token it was just given would page forever.
    const problem =
      "problem" in page
        ? page.problem
        : page.continuationToken !== undefined && page.continuationToken === previousToken
          ? "the next page has the same continuation token as this one"
          : undefined;
    if (problem !== undefined || "problem" in page) {
      calls.stopListing(`page ${number} of the customer list could not be read: ${problem}`);
      return;
    }
    yield { customers: page.customers, unusable: page.unusable };
    previousToken = page.continuationToken;
    request = previousToken === undefined ? undefined : { continuationToken: previousToken };
  }
}

/** The customer's confirmations of the type, an error after the retries, or undefined when the run stops. */
export async function lookupCustomer(
  calls: PendingCalls,
  client: PartnerCenterClient,
  customerId: string,
  agreementType: string,
): Promise<Lookup | undefined> {
  const answer = await calls.call({ what: "list", customerId }, (ids) =>
    client.listAgreements(customerId, agreementType, ids),
  );
  if (answer.kind === "stopped") return undefined;
  if (answer.kind === "failed") return { error: answer.message };
  const records = parseAgreementRecords(answer.body, agreementType);
  return records ? { records } : { error: "the answer is not a list of agreements" };
}

/**
 * Whether the customer accepted the MCA directly (docs/partner-center-api.md "Direct
 * acceptance"): "unread" when the status could not be read after the retries (the customer is
 * then treated as not accepted), undefined when the run stops.
 */
export async function directAcceptance(
  calls: PendingCalls,
  client: PartnerCenterClient,
  customerId: string,
): Promise<boolean | "unread" | undefined> {
  const answer = await calls.call({ what: "direct", customerId }, (ids) =>
    client.directAcceptance(customerId, ids),
  );
  if (answer.kind === "stopped") return undefined;
  if (answer.kind === "failed") return "unread";
  return parseDirectStatus(answer.body) ?? "unread";
}
