import { RunStoppedError } from "../errors.js";
import { callWithRetries, type Session } from "./call.js";

interface TemplateItem {
  templateId?: unknown;
  agreementType?: unknown;
  type?: unknown;
  versionRank?: unknown;
}

function typeOf(item: TemplateItem): string {
  const type = item.agreementType ?? item.type;
  return typeof type === "string" ? type : "";
}

/**
 * The current template of `agreementType` from a metadata answer: items of that type
 * (named `agreementType` or, in some documents, `type`), lowest versionRank first.
 */
export function pickTemplate(body: string, agreementType: string): string | undefined {
  let items: TemplateItem[];
  try {
    const parsed = JSON.parse(body) as { items?: TemplateItem[] };
    items = Array.isArray(parsed.items) ? parsed.items : [];
  } catch {
    return undefined;
  }
  const wanted = agreementType.toLowerCase();
  const rank = (i: TemplateItem) =>
    typeof i.versionRank === "number" ? i.versionRank : Number.MAX_SAFE_INTEGER;
  const best = items
    .filter((i) => typeOf(i).toLowerCase() === wanted)
    .filter((i) => typeof i.templateId === "string" && /^[0-9a-f-]{36}$/i.test(i.templateId))
    .sort((a, b) => rank(a) - rank(b))[0];
  return best ? (best.templateId as string).toLowerCase() : undefined;
}

/** Looks the templateId up once, retrying transient errors; RunStoppedError when it cannot. */
export async function resolveTemplateId(s: Session, agreementType: string): Promise<string> {
  const { result } = await callWithRetries(s, { what: "metadata" }, (ids) =>
    s.client.getAgreementMetadata(agreementType, ids),
  );
  if (result.end === "fatal") throw result.error;
  if (result.end === "ok") {
    const id = pickTemplate(result.verdict.body, agreementType);
    if (id) return id;
    throw new RunStoppedError(
      `The API lists no current ${agreementType} template; check --agreement-type or pass --template-id.`,
      "template-unresolved",
    );
  }
  const v = result.verdict;
  const why = v
    ? ` (${v.kind === "retryable" && !v.httpStatus ? v.code : `HTTP ${v.httpStatus}`}: ${v.message})`
    : "";
  throw new RunStoppedError(
    `The ${agreementType} templateId could not be looked up${why}; nothing was sent. Try again later, or pass --template-id.`,
    "template-unresolved",
  );
}
