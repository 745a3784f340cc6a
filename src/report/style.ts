// The report's stylesheet, inlined into the page (no file to fetch). Besides looks it holds the
// status filter: radio buttons placed before the rows table hide the rows of other statuses,
// so the filter works with scripts disabled (mail viewers and document stores often disable them).

/** Statuses the filter knows; a status outside these (a hand-edited file) counts as "other". */
export const FILTER_STATUSES = [
  "confirmed",
  "skipped",
  "valid",
  "invalid",
  "rejected",
  "failed",
  "not-run",
  "other",
] as const;

const filterRules = FILTER_STATUSES.map(
  (s) => `#show-${s}:checked ~ table tbody tr:not(.s-${s}) { display: none; }`,
).join("\n");

export const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #1b1f24; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.muted { color: #57606a; }
.warning { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
#rows-table td.mono, #problems-table td.mono { white-space: nowrap; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 6px 0; }
dl.meta dt { color: #57606a; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.status { display: inline-block; padding: 0 6px; border-radius: 8px; background: #eaeef2; }
.s-confirmed .status, .status.s-confirmed { background: #dafbe1; }
.s-skipped .status, .status.s-skipped, .s-valid .status, .status.s-valid { background: #ddf4ff; }
.s-invalid .status, .status.s-invalid, .s-rejected .status, .status.s-rejected { background: #ffebe9; }
.s-failed .status, .status.s-failed, .s-not-run .status, .status.s-not-run { background: #fff8c5; }
.filters { margin: 6px 0; }
.filters label { margin-right: 14px; }
input.filter { margin: 0 4px 0 0; vertical-align: middle; }
figure.chart { margin: 8px 0; }
figure.chart svg text { font-size: 11px; fill: #57606a; }
figure.chart .grid { stroke: #eaeef2; }
figure.chart rect.req, .key.req { fill: #8cb4e6; background: #8cb4e6; }
figure.chart rect.thr, .key.thr { fill: #cf222e; background: #cf222e; }
.key { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; }
${filterRules}
@media print { input.filter, .filters { display: none; } }
`;
