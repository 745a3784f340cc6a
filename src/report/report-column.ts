// The column the report names each customer by besides its tenant id: the first input column
// the operator knows the customer by (a company name, a CRM id), never a contact field
// (docs/cli.md "The HTML report"). `--report-column NAME` chooses it; else it is guessed from the
// header. A column that holds contact data is refused even when asked for: the report travels.
import { UsageError } from "../errors.js";
import { HEADER_ALIASES, normalizeHeader } from "../input/headers.js";
import type { Field } from "../types.js";

const CONTACT_FIELDS: ReadonlySet<Field> = new Set(["firstName", "lastName", "email", "phoneNumber"]);
/** Headers that hold a person's contact data although no field was matched to them. */
const CONTACT_LIKE =
  /e-?mail|phone|mobile|\btel\b|fax|contact|first.?name|last.?name|surname|given.?name|full.?name|person|address|upn/i;
/** Headers an operator knows a customer by, preferred in this order of appearance. */
const KNOWN_BY =
  /company|organi[sz]ation|customer|account|crm|client|business|domain|reference|\bref\b|name|\bid\b/i;

interface ReportColumn {
  readonly index: number;
  readonly name: string;
}

function isContact(name: string, index: number, fieldColumn: Readonly<Partial<Record<Field, number>>>) {
  for (const field of CONTACT_FIELDS) if (fieldColumn[field] === index) return true;
  const alias = HEADER_ALIASES.get(normalizeHeader(name));
  return (alias !== undefined && CONTACT_FIELDS.has(alias)) || CONTACT_LIKE.test(name);
}

/**
 * The report column among the input columns `header[0..inputColumns)`: the first whose name says
 * it names a customer (KNOWN_BY); undefined when none
 * fits. A `requested` column that is missing or holds contact data is a usage error.
 */
export function chooseReportColumn(options: {
  readonly header: readonly string[];
  readonly inputColumns: number;
  readonly fieldColumn: Readonly<Partial<Record<Field, number>>>;
  readonly requested?: string;
}): ReportColumn | undefined {
  const { header, fieldColumn, requested } = options;
  const names = header.slice(0, options.inputColumns).map((h) => h.trim());
  if (requested !== undefined) {
    // By its header, or by a field name or alias ("phone") naming the column matched to it.
    const alias = HEADER_ALIASES.get(normalizeHeader(requested));
    const byName = names.findIndex((n) => normalizeHeader(n) === normalizeHeader(requested));
    const index = byName >= 0 ? byName : alias !== undefined ? (fieldColumn[alias] ?? -1) : -1;
    if (index < 0 || index >= names.length)
      throw new UsageError(
        `--report-column "${requested}" is not a column of the input (its columns: ${names.join(", ")})`,
      );
    if (isContact(names[index], index, fieldColumn))
      throw new UsageError(
        `--report-column "${requested}" holds contact data, which the report leaves out; choose a column such as a company name or CRM id`,
      );
    return { index, name: names[index] };
  }
  const field = new Set(Object.values(fieldColumn));
  const candidates = names
    .map((name, index) => ({ name, index }))
    .filter(({ name, index }) => name !== "" && !field.has(index) && !isContact(name, index, fieldColumn));
  return candidates.find((c) => KNOWN_BY.test(c.name));
}
