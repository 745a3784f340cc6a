// The report's stylesheet, inlined into the page (no file to fetch). Besides looks it holds the
// status filter: radio buttons placed before the rows table hide the table bodies of other
// statuses, so the filter works with scripts disabled (mail viewers and document stores often
// disable them). The page itself never scrolls sideways: wide tables scroll inside themselves.
import { STATUS_LIST, STATUSES } from "../statuses.js";
import { FILTER_STATUSES } from "./statuses.js";

/** One rule per colour of the status table (src/statuses.ts), its statuses in table order. */
const statusColours = [...new Set(STATUS_LIST.map((status) => STATUSES[status].colour))]
  .map((colour) => {
    const selectors = STATUS_LIST.filter((status) => STATUSES[status].colour === colour).map(
      (status) => `.s-${status} .status, .status.s-${status}`,
    );
    return `${selectors.join(", ")} { background: ${colour}; }`;
  })
  .join("\n");

const filterRules = [
  ...FILTER_STATUSES.map((s) => `#show-${s}:checked ~ .rows-scroll tbody:not(.s-${s}) { display: none; }`),
  "#show-action:checked ~ .rows-scroll tbody:not(.act) { display: none; }",
  "#show-action:not(:checked) ~ .rows-scroll tbody.none-left { display: none; }",
].join("\n");

export const STYLE = `
html { -webkit-text-size-adjust: 100%; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 16px auto; padding: 0 16px; color: #1b1f24; max-width: 1100px; overflow-wrap: break-word; }
h1 { font-size: 22px; margin: 0 0 2px; }
h1.v-complete { color: #1a7f37; }
h1.v-action { color: #a40e26; }
h1.v-interrupted { color: #9a6700; }
.verdict-detail { font-size: 15px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.muted { color: #57606a; }
.warning { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; }
.wide { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 16px; margin: 6px 0; }
dl.meta dt { color: #57606a; }
dl.meta dd { margin: 0; min-width: 0; }
.status { display: inline-block; padding: 0 6px; border-radius: 8px; background: #eaeef2; }
${statusColours}
.rows { margin: 6px 0; }
input.filter { margin: 0 4px 0 0; vertical-align: middle; }
input.filter + label { margin-right: 14px; white-space: nowrap; }
input.filter:checked + label { font-weight: 600; }
.rows-scroll { max-height: 75vh; overflow: auto; border: 1px solid #d0d7de; margin-top: 6px; }
#rows-table, #rows-table thead, #rows-table tbody { display: block; margin: 0; }
#rows-table { overflow-wrap: normal; }
#rows-table tr { display: grid; grid-template-columns: var(--columns); }
#rows-table th, #rows-table td { border-width: 0 0 1px 0; min-width: 0; }
#rows-table thead { position: sticky; top: 0; z-index: 1; background: #f6f8fa; box-shadow: 0 1px 0 #d0d7de; }
#rows-table tbody { content-visibility: auto; }
#rows-table td.mono { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#rows-table td.msg, #rows-table td.label { overflow-wrap: break-word; }
#rows-table td.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
#rows-table td.empty { grid-column: 1 / -1; color: #57606a; }
figure.chart { margin: 8px 0; }
figure.chart svg { max-width: 100%; height: auto; }
figure.chart svg text { font-size: 11px; fill: #57606a; }
figure.chart .grid { stroke: #eaeef2; }
figure.chart rect.req, .key.req { fill: #8cb4e6; background: #8cb4e6; }
figure.chart rect.thr, .key.thr { fill: #cf222e; background: #cf222e; }
.key { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; }
${filterRules}
@media print { input.filter, input.filter + label { display: none; } .rows-scroll { max-height: none; overflow: visible; } }
`;
