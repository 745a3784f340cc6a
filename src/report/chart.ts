// Requests and 429 answers over time as an inline SVG bar chart: no script, no font or image
// to fetch, so it draws the same from an email attachment as from a document store.
import { html, type Markup } from "./html.js";
import type { Timeline } from "./run-log.js";

const WIDTH = 760;
const HEIGHT = 220;
const LEFT = 48;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 36;

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

export function timelineChart(timeline: Timeline, label: string): Markup {
  const bars = timeline.requests.length;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const top = niceMax(Math.max(...timeline.requests));
  const barWidth = plotWidth / bars;
  const y = (n: number) => TOP + plotHeight - (n / top) * plotHeight;
  const spanMs = bars * timeline.bucketMs;
  const withDate = spanMs > 86_400_000;
  const ticks = Math.min(6, bars);
  const xTicks = Array.from({ length: ticks + 1 }, (_, i) => Math.round((i * bars) / ticks));
  const name = bucketName(timeline.bucketMs);
  const totalRequests = timeline.requests.reduce((a, b) => a + b, 0);
  const totalThrottled = timeline.throttled.reduce((a, b) => a + b, 0);
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
      ${[0, top / 2, top].map(
        (v) =>
          html`<line
              x1="${LEFT}"
              x2="${WIDTH - RIGHT}"
              y1="${y(v).toFixed(1)}"
              y2="${y(v).toFixed(1)}"
              class="grid"
            /><text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
      )}
      ${timeline.requests.map((n, i) => {
        const x = (LEFT + i * barWidth).toFixed(2);
        const w = Math.max(barWidth - 1, 0.5).toFixed(2);
        const at = clock(timeline.startMs + i * timeline.bucketMs, withDate);
        const t = timeline.throttled[i];
        return html`<rect
            class="req"
            x="${x}"
            y="${y(n).toFixed(1)}"
            width="${w}"
            height="${(y(0) - y(n)).toFixed(1)}"
            ><title>${`${at} UTC: ${n} requests, ${t} answered 429`}</title></rect
          >${
            t > 0
              ? html`<rect
                  class="thr"
                  x="${x}"
                  y="${y(t).toFixed(1)}"
                  width="${w}"
                  height="${(y(0) - y(t)).toFixed(1)}"
                />`
              : ""
          }`;
      })}
      ${xTicks.map(
        (i, k) =>
          html`<text
            x="${(LEFT + i * barWidth).toFixed(1)}"
            y="${HEIGHT - BOTTOM + 16}"
            text-anchor="${k === 0 ? "start" : k === ticks ? "end" : "middle"}"
            >${clock(timeline.startMs + i * timeline.bucketMs, withDate)}</text
          >`,
      )}
      <text x="${LEFT}" y="${HEIGHT - 4}">${`UTC; each bar: ${name}`}</text>
    </svg>
    <figcaption>
      <span class="key req"></span> requests sent (${totalRequests}) <span class="key thr"></span> answered
      429, throttled (${totalThrottled}); per ${name}
    </figcaption>
  </figure>`;
}
