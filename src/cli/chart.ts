/**
 * A percentile-distribution chart as a standalone SVG, drawn from encoded HDR
 * histograms: x is the percentile on the usual "nines" scale (50%, 90%, 99%,
 * 99.9% evenly spaced, i.e. log10(1 / (1 - p))), y is latency on a log scale,
 * so microseconds and a 500 ms target fit on one chart. An optional dashed
 * line marks the p99 threshold.
 */
import * as hdr from 'hdr-histogram-js';

export interface ChartSeries {
  label: string;
  /** hdr-compressed-base64, values in microseconds. */
  encoded: string;
}

export interface ChartOptions {
  title: string;
  thresholdMs?: number;
  thresholdLabel?: string;
}

interface Point {
  nines: number;
  ms: number;
}

const PLOT_WIDTH = 540;
const HEIGHT = 460;
const FONT_PX = 12;
const TITLE_FONT_PX = 15;
const PLOT = { left: 80, top: 50, bottom: 60 };
/** Legend: a 22 px colour swatch 14 px right of the plot, its text 6 px after it, 16 px of margin after the text. */
const LEGEND = { swatchGap: 14, swatchWidth: 22, textGap: 6, margin: 16 };
/** The least right margin, so short legends keep the chart's usual proportions. */
const MIN_RIGHT = 200;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
/** Latencies are drawn no lower than 1 us: zero has no place on a log axis. */
const FLOOR_MS = 0.001;

/**
 * A generous width estimate for sans-serif text: 0.62 em per character covers
 * digits (0.56 em), lower case and most capitals in the common sans faces, so
 * a legend sized by it is not clipped by the viewBox whichever font renders it.
 */
export function estimateTextWidthPx(text: string, fontPx: number): number {
  return text.length * fontPx * 0.62;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Points from p0 up to the last percentile the sample count can resolve, plus the max. */
function percentilePoints(encoded: string): { points: Point[]; count: number } {
  const h = hdr.decodeFromCompressedBase64(encoded);
  const count = h.totalCount;
  if (count === 0) return { points: [], count };
  const maxNines = Math.max(1, Math.log10(count));
  const points: Point[] = [];
  for (let nines = 0; nines < maxNines; nines += 0.1) {
    const percentile = 100 * (1 - 10 ** -nines);
    points.push({ nines, ms: Math.max(FLOOR_MS, h.getValueAtPercentile(percentile) / 1000) });
  }
  points.push({ nines: maxNines, ms: Math.max(FLOOR_MS, h.maxValue / 1000) });
  return { points, count };
}

function unitLabel(ms: number): string {
  if (ms < 1) return `${Number((ms * 1000).toPrecision(3))} us`;
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

function nineLabel(nines: number): string {
  return nines === 0 ? '0%' : `${Number((100 * (1 - 10 ** -nines)).toFixed(Math.max(0, nines - 2)))}%`;
}

export function percentileChartSvg(series: readonly ChartSeries[], options: ChartOptions): string {
  const decoded = series.map((s) => ({ ...s, ...percentilePoints(s.encoded) })).filter((s) => s.points.length > 0);
  const all = decoded.flatMap((s) => s.points);
  const values = all.map((p) => p.ms);
  if (options.thresholdMs !== undefined) values.push(Math.max(FLOOR_MS, options.thresholdMs));
  const yMin = Math.floor(Math.log10(Math.min(...values, 1)));
  const yMax = Math.max(yMin + 1, Math.ceil(Math.log10(Math.max(...values, FLOOR_MS))));
  const xMax = Math.max(2, Math.ceil(Math.max(...all.map((p) => p.nines), 0)));
  const legendLabels = decoded.map((s) => `${s.label} (n=${s.count})`);
  const legendTextPx = Math.max(0, ...legendLabels.map((l) => estimateTextWidthPx(l, FONT_PX)));
  // The right margin grows with the longest legend label, the width with the title, so nothing falls outside the viewBox.
  const right = Math.max(MIN_RIGHT, Math.ceil(LEGEND.swatchGap + LEGEND.swatchWidth + LEGEND.textGap + legendTextPx + LEGEND.margin));
  const width = Math.max(PLOT.left + PLOT_WIDTH + right, Math.ceil(estimateTextWidthPx(options.title, TITLE_FONT_PX) + 2 * LEGEND.margin));
  const plotW = width - PLOT.left - right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const x = (nines: number): number => PLOT.left + (nines / xMax) * plotW;
  const y = (ms: number): number => PLOT.top + plotH - ((Math.log10(Math.max(ms, FLOOR_MS)) - yMin) / (yMax - yMin)) * plotH;
  const f = (n: number): string => n.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="sans-serif" font-size="${FONT_PX}">`);
  out.push(`<rect width="${width}" height="${HEIGHT}" fill="#fff"/>`);
  out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="${TITLE_FONT_PX}">${escapeXml(options.title)}</text>`);
  for (let e = yMin; e <= yMax; e++) {
    const ms = 10 ** e;
    out.push(`<line x1="${PLOT.left}" x2="${PLOT.left + plotW}" y1="${f(y(ms))}" y2="${f(y(ms))}" stroke="#ddd"/>`);
    out.push(`<text x="${PLOT.left - 8}" y="${f(y(ms) + 4)}" text-anchor="end">${escapeXml(unitLabel(ms))}</text>`);
  }
  for (let n = 0; n <= xMax; n++) {
    out.push(`<line x1="${f(x(n))}" x2="${f(x(n))}" y1="${PLOT.top}" y2="${PLOT.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${f(x(n))}" y="${PLOT.top + plotH + 18}" text-anchor="middle">${nineLabel(n)}</text>`);
  }
  out.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${PLOT.left + plotW / 2}" y="${HEIGHT - 16}" text-anchor="middle">percentile</text>`);
  out.push(`<text transform="translate(18 ${PLOT.top + plotH / 2}) rotate(-90)" text-anchor="middle">latency (log scale)</text>`);

  if (options.thresholdMs !== undefined) {
    const ty = f(y(options.thresholdMs));
    out.push(`<line x1="${PLOT.left}" x2="${PLOT.left + plotW}" y1="${ty}" y2="${ty}" stroke="#000" stroke-dasharray="6 4"/>`);
    const label = options.thresholdLabel ?? `threshold ${unitLabel(options.thresholdMs)}`;
    out.push(`<text x="${PLOT.left + 6}" y="${f(y(options.thresholdMs) - 6)}">${escapeXml(label)}</text>`);
  }

  decoded.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${f(x(p.nines))} ${f(y(p.ms))}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = PLOT.top + 10 + i * 20;
    const swatchX = PLOT.left + plotW + LEGEND.swatchGap;
    out.push(`<line x1="${swatchX}" x2="${swatchX + LEGEND.swatchWidth}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text class="legend" x="${swatchX + LEGEND.swatchWidth + LEGEND.textGap}" y="${ly + 4}">${escapeXml(legendLabels[i] ?? s.label)}</text>`);
  });
  if (decoded.length === 0) out.push(`<text x="${PLOT.left + plotW / 2}" y="${PLOT.top + plotH / 2}" text-anchor="middle">no samples</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
