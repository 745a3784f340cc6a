// The audit report: one self-contained HTML page (inline style and SVG, no script, no URL
// fetched) from a merged re-run chain and what the runs' logs recorded. It opens on its verdict
// (verdict.ts), then what to do about each problem, the rows, and the runs' evidence.
// Everything from a file or a server goes through `html`, which escapes it.
import path from "node:path";
import { meaningOf } from "../error-codes.js";
import { adviceFor } from "./advice.js";
import { timelineChart } from "./chart.js";
import { html, Markup } from "./html.js";
import type { Digest } from "./digest.js";
import type { ChainFile, MergedChain } from "./merge.js";
import { ROWS_HERE, rowBodies, rowsSection } from "./rows.js";
import type { RunLog, RunMetadata } from "./run-log.js";
import { filterClass, statusInfo, statusOrder } from "./statuses.js";
import { STYLE } from "./style.js";
import { verdictOf, type Verdict } from "./verdict.js";

interface ReportInput {
  readonly toolVersion: string;
  readonly generatedAt: string;
  readonly chain: MergedChain;
  readonly digest: Digest;
  /** The log of each file of the chain, where one was found. */
  readonly logs: readonly (RunLog | undefined)[];
  readonly finalFile?: string;
  /** A run's own report, or the `report` command's final one: written into the page for the command to tell. */
  readonly kind?: "run" | "final";
}

const NEED_WORDS = { "to-fix": "fix, then re-run", "re-run-later": "re-run later", done: "nothing" } as const;

/** Within confirmed: recorded by this run, or already on record (600061); an audit reads them apart. */
function confirmedHow(digest: Digest): string {
  const { "new-record": fresh, "already-on-record": already } = digest.confirmedBy;
  return `: ${fresh} new ${fresh === 1 ? "record" : "records"}, ${already} already on record`;
}

function statusTable(digest: Digest): Markup {
  const counts = [...digest.byStatus].sort((a, b) => statusOrder(a[0]) - statusOrder(b[0]));
  return html`<table id="status-counts">
    <thead>
      <tr>
        <th>status</th>
        <th class="num">rows</th>
        <th>to do</th>
        <th>meaning</th>
      </tr>
    </thead>
    <tbody>
      ${counts.map(
        ([status, n]) =>
          html`<tr data-status="${status}">
            <td><span class="${`status s-${filterClass(status)}`}">${status}</span></td>
            <td class="num">${n}</td>
            <td>${NEED_WORDS[statusInfo(status).need]}</td>
            <td>${statusInfo(status).meaning}${status === "confirmed" ? confirmedHow(digest) : ""}</td>
          </tr> `,
      )}
    </tbody>
    <tfoot>
      <tr>
        <th>total</th>
        <th class="num" id="total-rows">${digest.total}</th>
        <th></th>
        <th></th>
      </tr>
    </tfoot>
  </table>`;
}

const orNot = (value: string | undefined) =>
  value ? html`<span class="mono">${value}</span>` : html`<span class="muted">not recorded</span>`;

/** The signed-in user the token named (its upn; never the token), beside the partner tenant. */
function signedInUserItem(m: RunMetadata): Markup {
  return html`<dt>signed-in user (token upn)</dt>
    <dd>${orNot(m.signedInUser)}</dd>`;
}

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
    ${signedInUserItem(m)}
    <dt>credentials from</dt>
    <dd>${orNot(m.tokenSource)}</dd>
    <dt>options</dt>
    <dd>
      ${
        options.length === 0
          ? html`<span class="muted">not recorded</span>`
          : html`<details>
              <summary>${options.length} settings</summary>
              <div class="wide">
                <table class="options">
                  ${options.map(
                    ([k, v]) =>
                      html`<tr>
                        <th>${k}</th>
                        <td class="mono">${v}</td>
                      </tr>`,
                  )}
                </table>
              </div>
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

function problemsSection(digest: Digest, wide: (markup: Markup) => Markup): Markup {
  const list = digest.problems;
  if (list.length === 0)
    return html`<h2 id="problems">Problems</h2>
      <p>None: no row has an error code.</p>`;
  return html`<h2 id="problems">Problems and notes</h2>
    ${wide(
      html`<table id="problems-table">
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
                <td class="meaning">${meaningOf(p.code) ?? (p.sample || "see the errorMessage column")}</td>
                <td>${adviceFor(p.code, p.statuses)}</td>
              </tr> `,
          )}
        </tbody>
      </table>`,
    )}`;
}

/** The verdict of the chain: interrupted when its last run stopped and can be resumed. */
function verdictFor(input: ReportInput): Verdict {
  const last = input.logs[input.chain.files.length - 1]?.metadata;
  return verdictOf(
    input.digest.byStatus,
    last?.resumeCommand ? { resumeCommand: last.resumeCommand } : undefined,
  );
}

/**
 * The whole page, handed to `write` piece by piece: the listed rows a hundred at a time, so a
 * page of thousands of rows is never one string in memory.
 */
export function renderReport(input: ReportInput, write: (piece: string) => void): void {
  const [before, after] = pageAround(input).split(ROWS_HERE.text);
  write(before);
  const layout = { reportColumn: input.chain.reportColumn, chained: input.chain.files.length > 1 };
  for (const body of rowBodies(input.digest.listed, layout)) write(body);
  write(after);
}

function verdictMarkup(verdict: Verdict): Markup {
  return html`<h1 id="verdict" class="${`v-${verdict.kind}`}">
      ${
        verdict.resumeCommand
          ? html`Interrupted: resume with <code>${verdict.resumeCommand}</code>`
          : verdict.headline
      }
    </h1>
    ${verdict.detail ? html`<p class="verdict-detail">${verdict.detail}</p>` : ""}`;
}

/** The page with ROWS_HERE where the listed rows go. */
function pageAround(input: ReportInput): string {
  const files = input.chain.files;
  const first = path.basename(files[0].file);
  const wide = (markup: Markup) => html`<div class="wide">${markup}</div>`;
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        />
        <meta name="mca-confirm-report" content="${input.kind ?? "run"}" />
        <title>${`MCA confirmations: ${first}`}</title>
        <style>
          ${new Markup(STYLE)}
        </style>
      </head>
      <body>
        ${verdictMarkup(verdictFor(input))}
        <p class="muted">
          Microsoft Customer Agreement confirmations of
          ${first}${files.length > 1 ? ` and ${files.length - 1} re-run${files.length > 2 ? "s" : ""}` : ""},
          made by mca-confirm ${input.toolVersion} at
          ${input.generatedAt}.${input.finalFile ? html` Final status per row: <span class="mono">${path.basename(input.finalFile)}</span>.` : ""}
        </p>
        ${input.digest.dateWarning ? html`<p class="warning" id="date-warning">${input.digest.dateWarning}</p>` : ""}
        <h2 id="counts">Rows per status</h2>
        ${wide(statusTable(input.digest))} ${problemsSection(input.digest, wide)}
        ${rowsSection(
          input.digest.listed,
          { reportColumn: input.chain.reportColumn, chained: files.length > 1 },
          input.digest.listNote,
        )}
        ${runsSection(input)}
      </body>
    </html> `.text;
}
