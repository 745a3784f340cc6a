// The report's rows table: the rows that need action first, grouped by status, each group cut
// into bodies of ROWS_PER_BODY rows. The page has no script: radio buttons before the table
// hide the bodies of other statuses (style.ts), and a body off screen is neither laid out nor
// painted (content-visibility), so a page of ten thousand rows opens and filters at once in
// a browser (test/report-browser.test.ts). The "needs action" filter is selected on opening.
import { html, Markup } from "./html.js";
import type { ReportRow } from "./merge.js";
import { maskContacts } from "./privacy.js";
import { FILTER_STATUSES, filterClass, needsAction } from "./statuses.js";

/** Rows per table body: the unit the browser skips when off screen, and hides when filtered out. */
const ROWS_PER_BODY = 100;
/** A row's height before the browser has laid it out (one line of text). */
const ROW_PX = 26;

interface RowsLayout {
  /** The report column's header, when the rows have one. */
  readonly reportColumn?: string;
  /** Rows of a chain also show the run that decided them. */
  readonly chained: boolean;
}

interface Column {
  readonly header: string;
  readonly className: string;
  /** CSS grid track. */
  readonly track: string;
  /** Its least width, in em: the table scrolls inside itself below the sum. */
  readonly minEm: number;
}

function columnsOf(layout: RowsLayout): Column[] {
  return [
    { header: "row", className: "num", track: "4.5em", minEm: 4.5 },
    ...(layout.reportColumn
      ? [{ header: layout.reportColumn, className: "label", track: "minmax(9em, 1fr)", minEm: 9 }]
      : []),
    { header: "customerTenantId", className: "mono", track: "22em", minEm: 22 },
    { header: "status", className: "", track: "6.5em", minEm: 6.5 },
    { header: "errorCode", className: "code", track: "minmax(8em, 11em)", minEm: 8 },
    { header: "errorMessage", className: "msg", track: "minmax(16em, 3fr)", minEm: 16 },
    ...(layout.chained ? [{ header: "run", className: "num", track: "3.5em", minEm: 3.5 }] : []),
  ];
}

function rowMarkup(r: ReportRow, layout: RowsLayout): Markup {
  const message = r.errorMessage && maskContacts(r.errorMessage, r.contact);
  const label = layout.reportColumn && r.label && maskContacts(r.label, r.contact);
  // One line per row, no indentation: a page of ten thousand rows stays a few MB.
  // prettier-ignore
  return html`<tr><td class="num">${r.sourceRow}</td>${layout.reportColumn ? html`<td class="label">${label}</td>` : ""}<td class="mono">${r.customerId}</td><td><span class="status">${r.status}</span></td><td class="code">${r.errorCode}</td><td class="msg">${message}</td>${layout.chained ? html`<td class="num">${r.fileIndex + 1}</td>` : ""}</tr>
`;
}

/** The listed rows by filter class, in the order of the status table (those needing action first). */
function groupsOf(rows: readonly ReportRow[]): [string, ReportRow[]][] {
  const groups = new Map<string, ReportRow[]>(FILTER_STATUSES.map((s) => [s, []]));
  for (const r of rows) groups.get(filterClass(r.status))!.push(r);
  return [...groups].filter(([, list]) => list.length > 0);
}

/** The table bodies, one piece of markup each, for the page to write one at a time. */
export function* rowBodies(rows: readonly ReportRow[], layout: RowsLayout): Generator<string> {
  for (const [status, list] of groupsOf(rows)) {
    const className = `s-${status}${needsAction(status) ? " act" : ""}`;
    for (let start = 0; start < list.length; start += ROWS_PER_BODY) {
      const part = list.slice(start, start + ROWS_PER_BODY);
      yield html`<tbody
        class="${className}"
        style="${`contain-intrinsic-size: auto ${part.length * ROW_PX}px`}"
      >
        ${part.map((r) => rowMarkup(r, layout))}
      </tbody> `.text;
    }
  }
}

function filterControls(rows: readonly ReportRow[]): Markup {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(filterClass(r.status), (counts.get(filterClass(r.status)) ?? 0) + 1);
  const action = rows.filter((r) => needsAction(r.status)).length;
  const radio = (id: string, label: string, checked = false) =>
    html`<input
        class="filter"
        type="radio"
        name="status-filter"
        id="${`show-${id}`}"
        value="${id}"
        ${checked ? new Markup("checked") : ""}
      /><label for="${`show-${id}`}">${label}</label> `;
  return html`${radio("action", `needs action (${action})`, true)}
  ${FILTER_STATUSES.filter((s) => counts.has(s)).map((s) => radio(s, `${s} (${counts.get(s) ?? 0})`))}
  ${radio("all", `all listed (${rows.length})`)}`;
}

/**
 * Where the row bodies go in the page. Values are escaped, so no text from a file or a server
 * can spell this comment: only the page's own markup holds it, once.
 */
export const ROWS_HERE = new Markup("<!--listed rows-->");

export function rowsSection(rows: readonly ReportRow[], layout: RowsLayout, note?: string): Markup {
  const columns = columnsOf(layout);
  const minEm = columns.reduce((n, c) => n + c.minEm, 0) + columns.length * 1.2;
  const style = `--columns: ${columns.map((c) => c.track).join(" ")}; min-width: ${minEm}em`;
  const noAction = rows.every((r) => !needsAction(r.status));
  return html`<h2 id="rows">Rows</h2>
    <p class="muted">
      One row per row of the original input (row: its number there, sourceRow), the latest status of each.
      Names, emails and phone numbers are left out; they are in the results file. Show:
    </p>
    ${note ? html`<p class="note">${note}</p>` : ""}
    <div class="rows">
      ${filterControls(rows)}
      <div class="rows-scroll">
        <table id="rows-table" style="${style}">
          <thead>
            <tr>
              ${columns.map((c) => html`<th class="${c.className}">${c.header}</th>`)}
            </tr>
          </thead>
          ${
            noAction
              ? html`<tbody class="act none-left">
                  <tr>
                    <td class="empty">No row needs action.</td>
                  </tr>
                </tbody>`
              : ""
          }
          ${ROWS_HERE}
        </table>
      </div>
    </div>`;
}
