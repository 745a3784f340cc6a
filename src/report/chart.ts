// Requests and 429 answers over time as an inline SVG bar chart: no script, no font or image
// to fetch, so it draws the same from an email attachment as from a document store.
import { html, type Markup } from "./html.js";
import type { Timeline } from "./run-log.js";

const WIDTH = 760;
const LEFT = 48;
const RIGHT = 12;
const TOP = 12;
/** Requests above, 429 answers below on a scale of their own: a few 429s beside many requests stay visible. */
const REQUESTS_HEIGHT = 130;
const GAP = 26;
const THROTTLED_HEIGHT = 60;
const BOTTOM = 36;
const HEIGHT = TOP + REQUESTS_HEIGHT + GAP + THROTTLED_HEIGHT + BOTTOM;

function clock(ms: number, withDate: boolean): string {
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 19);
}

function bucketName(ms: number): string {
  return ms < 60_000 ? `${ms / 1000} s` : ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`;
}

/** A rounded top for the y axis, so its labels are whole numbers. */
function niceMax(n: number): number {
  if (n <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / step) * step;
}

interface Panel {
  readonly values: readonly number[];
  readonly top: number;
  readonly height: number;
  readonly className: "req" | "thr";
  readonly caption: string;
  /** Each bar's tooltip. */
  readonly title?: (i: number) => string;
}

/** One bar chart on its own y scale: grid lines at 0, half and the top, and a bar per bucket. */
function panel(p: Panel, barWidth: number): Markup {
  const max = niceMax(Math.max(0, ...p.values));
  const y = (n: number) => p.top + p.height - (n / max) * p.height;
  return html`<text x="${LEFT}" y="${p.top - 3}">${p.caption}</text> ${[0, max / 2, max].map(
      (v) =>
        html`<line
            x1="${LEFT}"
            x2="${WIDTH - RIGHT}"
            y1="${y(v).toFixed(1)}"
            y2="${y(v).toFixed(1)}"
            class="grid"
          /><text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
    )}
    ${p.values.map((n, i) =>
      n > 0 || p.title
        ? html`<rect
            class="${p.className}"
            x="${(LEFT + i * barWidth).toFixed(2)}"
            y="${y(n).toFixed(1)}"
            width="${Math.max(barWidth - 1, 0.5).toFixed(2)}"
            height="${(y(0) - y(n)).toFixed(1)}"
            >${p.title ? html`<title>${p.title(i)}</title>` : ""}</rect
          >`
        : "",
    )}`;
}

export function timelineChart(timeline: Timeline, label: string): Markup {
  const bars = timeline.requests.length;
  const barWidth = (WIDTH - LEFT - RIGHT) / bars;
  const withDate = bars * timeline.bucketMs > 86_400_000;
  const ticks = Math.min(6, bars);
  const xTicks = Array.from({ length: ticks + 1 }, (_, i) => Math.round((i * bars) / ticks));
  const name = bucketName(timeline.bucketMs);
  const totalRequests = timeline.requests.reduce((a, b) => a + b, 0);
  const totalThrottled = timeline.throttled.reduce((a, b) => a + b, 0);
  const at = (i: number) => clock(timeline.startMs + i * timeline.bucketMs, withDate);
  const throttledTop = TOP + REQUESTS_HEIGHT + GAP;
  return html`<figure class="chart">
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      width="${WIDTH}"
      height="${HEIGHT}"
      role="img"
      aria-label="${`${label}: ${totalRequests} requests, ${totalThrottled} answered 429, per ${name}`}"
    >
      <title>${label}: requests and 429 answers per ${name}</title>
      ${panel(
        {
          values: timeline.requests,
          top: TOP,
          height: REQUESTS_HEIGHT,
          className: "req",
          caption: "requests sent",
          title: (i) =>
            `${at(i)} UTC: ${timeline.requests[i]} requests, ${timeline.throttled[i]} answered 429`,
        },
        barWidth,
      )}
      ${panel(
        {
          values: timeline.throttled,
          top: throttledTop,
          height: THROTTLED_HEIGHT,
          className: "thr",
          caption: `answered 429 (own scale)`,
        },
        barWidth,
      )}
      ${xTicks.map(
        (i, k) =>
          html`<text
            x="${(LEFT + i * barWidth).toFixed(1)}"
            y="${HEIGHT - BOTTOM + 16}"
            text-anchor="${k === 0 ? "start" : k === ticks ? "end" : "middle"}"
            >${at(i)}</text
          >`,
      )}
      <text x="${LEFT}" y="${HEIGHT - 4}">${`UTC; each bar: ${name}`}</text>
    </svg>
    <figcaption>
      <span class="key req"></span> requests sent (${totalRequests}) <span class="key thr"></span> answered
      429, throttled (${totalThrottled}), on a scale of their own below; per ${name}
    </figcaption>
  </figure>`;
}
