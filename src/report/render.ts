// The audit report: one self-contained HTML page (inline style and SVG, no script, no URL
// fetched) from a merged re-run chain and what the runs' logs recorded. Everything from a file
// or a server goes through `html`, which escapes it.
import path from "node:path";
import { ERROR_MEANINGS } from "../output/summary.js";
import { adviceFor } from "./advice.js";
import { timelineChart } from "./chart.js";
import { html, Markup } from "./html.js";
import type { Digest } from "./digest.js";
import type { ChainFile, MergedChain, ReportRow } from "./merge.js";
import type { RunLog, RunMetadata } from "./run-log.js";
import { FILTER_STATUSES, STYLE } from "./style.js";

export interface ReportInput {
  readonly toolVersion: string;
  readonly generatedAt: string;
  readonly chain: MergedChain;
  readonly digest: Digest;
  /** The log of each file of the chain, where one was found. */
  readonly logs: readonly (RunLog | undefined)[];
  readonly finalFile?: string;
}

const STATUS_MEANINGS: Readonly<Record<string, string>> = {
  confirmed: "the API recorded the confirmation (or already had it)",
  skipped: "duplicate row, or already confirmed",
  valid: "checked, would be sent (dry run or validate)",
  invalid: "failed the checks; never sent",
  rejected: "the API refused it for good",
  failed: "attempts used up on passing errors",
  "not-run": "the run stopped before this row",
};

/** Within confirmed: recorded by this run, or already on record (600061); an audit reads them apart. */
function confirmedHow(digest: Digest): string {
  const { "new-record": fresh, "already-on-record": already } = digest.confirmedBy;
  return `: ${fresh} new ${fresh === 1 ? "record" : "records"}, ${already} already on record`;
}

const filterClass = (status: string) =>
  (FILTER_STATUSES as readonly string[]).includes(status) ? status : "other";

function statusTable(digest: Digest): Markup {
  const counts = [...digest.byStatus].sort(
    (a, b) =>
      FILTER_STATUSES.indexOf(filterClass(a[0]) as never) -
      FILTER_STATUSES.indexOf(filterClass(b[0]) as never),
  );
  return html`<table id="status-counts">
    <thead>
      <tr>
        <th>status</th>
        <th class="num">rows</th>
        <th>meaning</th>
      </tr>
    </thead>
    <tbody>
      ${counts.map(
        ([status, n]) =>
          html`<tr class="${`s-${filterClass(status)}`}" data-status="${status}">
            <td><span class="status">${status}</span></td>
            <td class="num">${n}</td>
            <td>${STATUS_MEANINGS[status] ?? ""}${status === "confirmed" ? confirmedHow(digest) : ""}</td>
          </tr> `,
      )}
    </tbody>
    <tfoot>
      <tr>
        <th>total</th>
        <th class="num" id="total-rows">${digest.total}</th>
        <th></th>
      </tr>
    </tfoot>
  </table>`;
}

const orNot = (value: string | undefined) =>
  value ? html`<span class="mono">${value}</span>` : html`<span class="muted">not recorded</span>`;

function metadataList(file: ChainFile, meta: RunMetadata | undefined): Markup {
  const m: RunMetadata = meta ?? { options: {}, sessions: 0 };
  const options = Object.entries(m.options);
  return html`<dl class="meta">
    <dt>results file</dt>
    <dd class="mono">${path.basename(file.file)}</dd>
    <dt>rows</dt>
    <dd>
      ${file.rows} (${Object.entries(file.byStatus).map(([s, n], i) => html`${i ? ", " : ""}${s} ${n}`)})
    </dd>
    <dt>tool version</dt>
    <dd>${orNot(m.version)}</dd>
    <dt>started</dt>
    <dd>${orNot(m.startedAt)}</dd>
    <dt>ended</dt>
    <dd>
      ${orNot(m.endedAt)}${m.sessions > 1 ? ` (resumed ${m.sessions - 1} times)` : ""}${m.stop ? ` (stopped: ${m.stop})` : ""}
    </dd>
    <dt>input file</dt>
    <dd>${orNot(m.input && path.basename(m.input))}</dd>
    <dt>input sha256</dt>
    <dd>${orNot(m.inputSha256)}</dd>
    <dt>templateId</dt>
    <dd>${orNot(m.templateId)}</dd>
    <dt>base URL</dt>
    <dd>${orNot(m.baseUrl)}</dd>
    <dt>partner tenant (token tid)</dt>
    <dd>${orNot(m.partnerTenantId)}</dd>
    <dt>credentials from</dt>
    <dd>${orNot(m.tokenSource)}</dd>
    <dt>options</dt>
    <dd>
      ${
        options.length === 0
          ? html`<span class="muted">not recorded</span>`
          : html`<details>
              <summary>${options.length} settings</summary>
              <table class="options">
                ${options.map(
                  ([k, v]) =>
                    html`<tr>
                      <th>${k}</th>
                      <td class="mono">${v}</td>
                    </tr>`,
                )}
              </table>
            </details>`
      }
    </dd>
  </dl>`;
}

function runsSection(input: ReportInput): Markup {
  const files = input.chain.files;
  return html`<h2 id="runs">${files.length > 1 ? `Runs (a re-run chain of ${files.length})` : "Run"}</h2>
    ${files.map((file, i) => {
      const log = input.logs[i];
      return html`<section class="run">
        <h3>${files.length > 1 ? `Run ${i + 1}: ` : ""}${path.basename(file.file)}</h3>
        ${metadataList(file, log?.metadata)}
        ${log?.timeline ? timelineChart(log.timeline, `Run ${i + 1}`) : html`<p class="muted">No log with request times was found for this run (looked for ${path.basename(file.file)}.log).</p>`}
      </section>`;
    })}`;
}

function problemsSection(digest: Digest): Markup {
  const list = digest.problems;
  if (list.length === 0)
    return html`<h2 id="problems">Problems</h2>
      <p>None: no row has an error code.</p>`;
  return html`<h2 id="problems">Problems and notes</h2>
    <table id="problems-table">
      <thead>
        <tr>
          <th>errorCode</th>
          <th class="num">rows</th>
          <th>status</th>
          <th>meaning</th>
          <th>what to do</th>
        </tr>
      </thead>
      <tbody>
        ${list.map(
          (p) =>
            html`<tr>
              <td class="mono">${p.code}</td>
              <td class="num">${p.rows}</td>
              <td>${[...p.statuses].join(", ")}</td>
              <td class="meaning">
                ${ERROR_MEANINGS[p.code] ?? (p.sample || "see the errorMessage column")}
              </td>
              <td>${adviceFor(p.code, p.statuses)}</td>
            </tr> `,
        )}
      </tbody>
    </table>`;
}

/** One listed row, on one line: a page of tens of thousands of rows stays a few MB. */
function rowMarkup(r: ReportRow, chained: boolean): Markup {
  // prettier-ignore
  return html`<tr class="${`s-${filterClass(r.status)}`}"><td class="num">${r.rowNumber}</td><td class="num">${r.sourceRow}</td><td class="mono">${r.customerId}</td><td><span class="status">${r.status}</span></td><td class="mono">${r.userId}</td><td class="mono">${r.dateSent}</td><td class="mono">${r.errorCode}</td>${chained ? html`<td class="num">${r.fileIndex + 1}</td>` : ""}</tr>
`;
}

function filterControls(rows: readonly ReportRow[]): Markup {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(filterClass(r.status), (counts.get(filterClass(r.status)) ?? 0) + 1);
  const present = FILTER_STATUSES.filter((s) => counts.has(s));
  return html`<input class="filter" type="radio" name="status-filter" id="show-all" checked /><label
      for="show-all"
      >all (${rows.length})</label
    >
    ${present.map(
      (s) =>
        html`<input class="filter" type="radio" name="status-filter" id="${`show-${s}`}" /><label
            for="${`show-${s}`}"
            >${s} (${counts.get(s) ?? 0})</label
          > `,
    )}`;
}

/**
 * Where the listed rows go in the page. Values are escaped, so no text from a file or a server
 * can spell this comment: only the page's own markup holds it, once.
 */
const ROWS_HERE = new Markup("<!--listed rows-->");
/** Rows made into markup at a time: 20,000 rows at once held about 30 MB of strings. */
const ROWS_PER_PIECE = 500;

function rowsSection(input: ReportInput): Markup {
  const { listed, listNote: note } = input.digest;
  const chained = input.chain.files.length > 1;
  return html`<h2 id="rows">Rows</h2>
    <p class="muted">
      One row per row of the original input${chained ? ", with its latest status across the runs" : ""}.
      Names, emails and phone numbers are left out; they are in the results file. Show:
    </p>
    ${note ? html`<p class="note">${note}</p>` : ""}
    <div class="rows">
      ${filterControls(listed)}
      <table id="rows-table">
        <thead>
          <tr>
            <th class="num">rowNumber</th>
            <th class="num">sourceRow</th>
            <th>customer id</th>
            <th>status</th>
            <th>userId</th>
            <th>dateSent</th>
            <th>errorCode</th>
            ${chained ? html`<th class="num">run</th>` : ""}
          </tr>
        </thead>
        <tbody>
          ${ROWS_HERE}
        </tbody>
      </table>
    </div>`;
}

/**
 * The whole page, handed to `write` piece by piece: the listed rows a few hundred at a time, so a
 * page of tens of thousands of rows is never one string in memory.
 */
export function renderReport(input: ReportInput, write: (piece: string) => void): void {
  const [before, after] = pageAround(input).split(ROWS_HERE.text);
  write(before);
  const listed = input.digest.listed;
  const chained = input.chain.files.length > 1;
  for (let start = 0; start < listed.length; start += ROWS_PER_PIECE) {
    const piece = listed.slice(start, start + ROWS_PER_PIECE).map((r) => rowMarkup(r, chained));
    write(html`${piece}`.text);
  }
  write(after);
}

/** The page with ROWS_HERE where the listed rows go. */
function pageAround(input: ReportInput): string {
  const files = input.chain.files;
  const first = path.basename(files[0].file);
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        />
        <title>${`MCA confirmations: ${first}`}</title>
        <style>
          ${new Markup(STYLE)}
        </style>
      </head>
      <body>
        <h1>Microsoft Customer Agreement confirmations</h1>
        <p class="muted">
          Report of
          ${first}${files.length > 1 ? ` and ${files.length - 1} re-run${files.length > 2 ? "s" : ""}` : ""},
          made by mca-confirm ${input.toolVersion} at
          ${input.generatedAt}.${input.finalFile ? html` Final status per row: <span class="mono">${path.basename(input.finalFile)}</span>.` : ""}
        </p>
        ${input.digest.dateWarning ? html`<p class="warning" id="date-warning">${input.digest.dateWarning}</p>` : ""}
        <h2 id="counts">Rows per status</h2>
        ${statusTable(input.digest)} ${runsSection(input)} ${problemsSection(input.digest)}
        ${rowsSection(input)}
      </body>
    </html> `.text;
}
