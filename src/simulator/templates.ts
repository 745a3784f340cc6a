// The agreement metadata the simulator serves from GET /v1/agreements, and the lookups the
// confirmation endpoint needs (is this templateId current, which type is it).

/** One metadata item. Partner Center documents name the type field either way, so both exist. */
export interface AgreementTemplate {
  templateId: string;
  agreementType?: string;
  /** Alternative field name for agreementType, used by some documents (clients must accept both). */
  type?: string;
  agreementLink: string;
  versionRank: number;
}

export const MCA = "MicrosoftCustomerAgreement";
export const CLOUD = "MicrosoftCloudAgreement";
export const CURRENT_MCA_TEMPLATE_ID = "117a77b0-9360-443b-8795-c6dedc750cf9";

/**
 * Defaults: the current MCA (the example of docs/partner-center-api.md), an older MCA that is listed but
 * no longer accepted, and a Cloud Agreement. The CURRENT one uses the field name `type`, so a
 * client that reads only `agreementType` ends up on the old template and every row fails loudly.
 */
export const DEFAULT_TEMPLATES: readonly AgreementTemplate[] = [
  {
    templateId: CURRENT_MCA_TEMPLATE_ID,
    type: MCA,
    agreementLink: "https://aka.ms/customeragreement",
    versionRank: 0,
  },
  {
    templateId: "0b6a2e9c-4f1d-4c3a-9d57-2a6e8f0c1b44",
    agreementType: MCA,
    agreementLink: "https://aka.ms/customeragreement",
    versionRank: 1,
  },
  {
    templateId: "5c6e1f0a-93d2-4b8e-a7f4-1e2d3c4b5a69",
    agreementType: CLOUD,
    agreementLink: "https://aka.ms/cloudagreement",
    versionRank: 0,
  },
];

export function typeOf(template: AgreementTemplate): string {
  return template.agreementType ?? template.type ?? "";
}

const same = (first: string, second: string) => first.toLowerCase() === second.toLowerCase();

/** Lookups over a fixed template list; an index into `all` is what records store. */
export class TemplateCatalog {
  private readonly accepted = new Map<string, number>();

  constructor(readonly all: readonly AgreementTemplate[]) {
    // Only the lowest versionRank of each type is accepted: "old ones are answered 'no longer
    // supported'" (docs/partner-center-api.md), which catches clients that pick the wrong item.
    const best = new Map<string, number>();
    all.forEach((template, index) => {
      const key = typeOf(template).toLowerCase();
      const prev = best.get(key);
      if (prev === undefined || template.versionRank < all[prev].versionRank) best.set(key, index);
    });
    for (const index of best.values()) this.accepted.set(all[index].templateId.toLowerCase(), index);
  }

  /** Items of one agreement type (case-insensitive), in the stored order. */
  ofType(agreementType: string): AgreementTemplate[] {
    return this.all.filter((template) => same(typeOf(template), agreementType));
  }

  /** Index of a template that is accepted for new confirmations, or undefined. */
  acceptedIndex(templateId: string): number | undefined {
    return this.accepted.get(templateId.toLowerCase());
  }

  /** Index of a listed template of a type that is not the current one (records of a retired version). */
  olderIndexOfType(agreementType: string): number | undefined {
    const current = this.currentIndexOfType(agreementType);
    const index = this.all.findIndex((t, i) => i !== current && same(typeOf(t), agreementType));
    return index < 0 ? undefined : index;
  }

  /** Index of the current template of a type (for seeded confirmations). */
  currentIndexOfType(agreementType: string): number | undefined {
    for (const index of this.accepted.values())
      if (same(typeOf(this.all[index]), agreementType)) return index;
    return undefined;
  }
}
