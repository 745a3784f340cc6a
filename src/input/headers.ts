// Header matching: which input column holds which field, and which columns are ours to drop.
import { UsageError } from "../errors.js";
import { FIELDS, RESULT_COLUMNS, type Field } from "../types.js";

/** Case-insensitive, ignoring whitespace, `_` and `-` (docs/cli.md "The input file"). */
export function normalizeHeader(h: string): string {
  return h.toLowerCase().replace(/[\s_-]+/g, "");
}

/** Normalized header (field name or alias) → field. */
export const HEADER_ALIASES: ReadonlyMap<string, Field> = new Map<string, Field>([
  ...FIELDS.map((f) => [normalizeHeader(f), f] as [string, Field]),
  ["customerid", "customerTenantId"],
  ["tenantid", "customerTenantId"],
  ["emailaddress", "email"],
  ["phone", "phoneNumber"],
  ["acceptancedate", "dateAgreed"],
]);

const REQUIRED_FIELDS: readonly Field[] = FIELDS.filter((f) => f !== "phoneNumber");

const RESULT_HEADERS: ReadonlySet<string> = new Set(RESULT_COLUMNS);

/**
 * Parses `--map "Tenant=customerTenantId,Signed on=dateAgreed"` into normalized header → field.
 * Field names are matched like headers (so case-insensitive; aliases accepted).
 */
export function parseMap(spec: string): Map<string, Field> {
  const map = new Map<string, Field>();
  const mapped = new Map<Field, string>();
  for (const part of spec.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.lastIndexOf("=");
    const header = eq > 0 ? part.slice(0, eq).trim() : "";
    const fieldName = eq > 0 ? part.slice(eq + 1).trim() : "";
    if (header === "" || fieldName === "") {
      throw new UsageError(`--map: "${part.trim()}" is not of the form <header>=<field>`);
    }
    const field = HEADER_ALIASES.get(normalizeHeader(fieldName));
    if (field === undefined) {
      throw new UsageError(
        `--map: "${fieldName}" in "${part.trim()}" is not a field; fields are ${FIELDS.join(", ")}`,
      );
    }
    const key = normalizeHeader(header);
    if (map.has(key)) throw new UsageError(`--map: header "${header}" is mapped twice`);
    const other = mapped.get(field);
    if (other !== undefined)
      throw new UsageError(`--map: "${other}" and "${header}" are both mapped to ${field}`);
    map.set(key, field);
    mapped.set(field, header);
  }
  if (map.size === 0)
    throw new UsageError(`--map: "${spec}" maps nothing; use e.g. --map "Tenant=customerTenantId"`);
  return map;
}

export interface HeaderMatch {
  /** Field → index into the header's columns (the file's, result columns not yet dropped). */
  readonly fieldColumn: Partial<Record<Field, number>>;
  /** Indexes of result columns (of an earlier run) to drop. */
  readonly dropped: readonly number[];
  /** Required fields no column matched. */
  readonly missing: readonly Field[];
  /** `--map` headers not found in the file. */
  readonly unusedMap: readonly string[];
  /** Two columns for one field: [field, first column, second column]. */
  readonly conflict?: readonly [Field, string, string];
}

/**
 * Matches header cells to fields. `--map` entries win over the built-in names, so
 * `--map "Tenant=customerTenantId"` with an unrelated `customerId` column is not a conflict.
 */
export function matchHeader(
  columns: readonly string[],
  map: ReadonlyMap<string, Field> = new Map(),
): HeaderMatch {
  const fieldColumn: Partial<Record<Field, number>> = {};
  const dropped: number[] = [];
  const normalized = columns.map(normalizeHeader);
  const explicit = new Set(map.values());
  const usedMap = new Set<string>();
  let conflict: [Field, string, string] | undefined;
  // Result columns are dropped only from a file this tool wrote (a results or failed file,
  // recognised by its exact `rowNumber` and `status` headers), so a CRM's own "Status" or
  // "Error code" column in a first run passes through untouched.
  const names = columns.map((c) => c.trim());
  const ownResults = names.includes("rowNumber") && names.includes("status");
  normalized.forEach((n, i) => {
    let field = map.get(n);
    if (field !== undefined) usedMap.add(n);
    else {
      field = HEADER_ALIASES.get(n);
      if (field !== undefined && explicit.has(field)) return; // passes through untouched
    }
    if (field === undefined) {
      if (ownResults && RESULT_HEADERS.has(names[i])) dropped.push(i);
      return;
    }
    const before = fieldColumn[field];
    if (before !== undefined) conflict ??= [field, columns[before] ?? "", columns[i] ?? ""];
    else fieldColumn[field] = i;
  });
  const missing = REQUIRED_FIELDS.filter((f) => fieldColumn[f] === undefined);
  const unusedMap = [...map.keys()].filter((k) => !usedMap.has(k));
  return conflict
    ? { fieldColumn, dropped, missing, unusedMap, conflict }
    : { fieldColumn, dropped, missing, unusedMap };
}
