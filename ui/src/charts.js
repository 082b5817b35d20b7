// Metric charts with uPlot (vendored, global `uPlot`): many runs overlaid, seed groups as mean ± std bands.
// The server downsamples (/api/v1/series: min/max/last per bucket), so a chart never holds more than a few
// thousand points per run however long the history is.
import { getJson } from './api.js';
import { h } from './dom.js';

export const PALETTE = ['#2b5fab', '#d9534f', '#3a9d5d', '#e6a23c', '#8e44ad', '#16a2b8', '#c0392b', '#7f8c8d', '#d35400', '#2c3e50'];

/** Every chart drawn on this page, for tests and debugging: {key, plot, points}. */
window.reproCharts = window.reproCharts || [];

export function loadLines(runs, key, axis, buckets = 1000) {
  return getJson('/api/v1/series', { run: runs.join(','), key, x: axis, buckets });
}

export function loadBand(runs, key, axis, buckets = 500) {
  return getJson('/api/v1/series/band', { runs: runs.join(','), key, x: axis, buckets });
}

/**
 * Aligns columns that each have their own x into one table for uPlot: rows sorted by x, a row per distinct x unless one
 * column has two points at the same x (then each gets its own row, so no point is lost).
 */
export function align(columns) {
  const entries = [];
  columns.forEach((c, s) => c.x.forEach((x, i) => entries.push([x, s, c.y[i], entries.length])));
  entries.sort((a, b) => a[0] - b[0] || a[3] - b[3]);
  const xs = [];
  const ys = columns.map(() => []);
  let filled = null;
  for (const [x, s, y] of entries) {
    if (xs.length === 0 || xs[xs.length - 1] !== x || filled.has(s)) {
      xs.push(x);
      ys.forEach((col) => col.push(null));
      filled = new Set();
    }
    ys[s][xs.length - 1] = y;
    filled.add(s);
  }
  return [xs, ...ys];
}

function scaleX(axis, x) {
  return axis === 'step' ? x : x.map((v) => v / 1000);
}

function withAlpha(color, alpha) {
  const n = parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/**
 * Draws lines ([{label, x, y}]) and bands ([{label, x, mean, std}]) into container.
 * axis: 'step' | 'time' (epoch ms, drawn as dates) | 'relative' (ms since the run started, drawn in seconds).
 */
export function draw(container, { key, axis, lines = [], bands = [], height = 320, title }) {
  const columns = [];
  const series = [{ label: axis === 'step' ? 'step' : axis === 'time' ? 'time' : 'seconds' }];
  const uBands = [];
  let color = 0;
  for (const line of lines) {
    const stroke = PALETTE[color++ % PALETTE.length];
    columns.push({ x: scaleX(axis, line.x), y: line.y });
    series.push({ label: line.label, stroke, width: 1.5, spanGaps: true, points: { show: false } });
  }
  for (const band of bands) {
    const stroke = PALETTE[color++ % PALETTE.length];
    const x = scaleX(axis, band.x);
    const lo = band.mean.map((m, i) => (m === null ? null : m - (band.std[i] ?? 0)));
    const hi = band.mean.map((m, i) => (m === null ? null : m + (band.std[i] ?? 0)));
    const first = series.length;
    columns.push({ x, y: band.mean }, { x, y: lo }, { x, y: hi });
    series.push(
      { label: `${band.label} mean`, stroke, width: 2, spanGaps: true, points: { show: false } },
      { label: `${band.label} −std`, stroke: withAlpha(stroke, 0.35), width: 0.5, spanGaps: true, points: { show: false } },
      { label: `${band.label} +std`, stroke: withAlpha(stroke, 0.35), width: 0.5, spanGaps: true, points: { show: false } },
    );
    uBands.push({ series: [first + 2, first + 1], fill: withAlpha(stroke, 0.18) });
  }

  container.replaceChildren();
  const points = columns.reduce((n, c) => n + c.y.filter((v) => v !== null && v !== undefined).length, 0);
  container.dataset.points = String(points);
  if (points === 0) {
    container.append(h('p.muted', `No points of ${key} to draw.`));
    return null;
  }

  const data = align(columns);
  const width = Math.max(320, container.clientWidth || 800);
  const plot = new uPlot({
    title,
    width,
    height,
    series,
    bands: uBands,
    scales: { x: { time: axis === 'time' } },
    axes: [{ label: axis === 'step' ? 'step' : axis === 'time' ? '' : 'seconds since start' }, { label: key }],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
  }, data, container);
  container.dataset.ready = '1';
  window.reproCharts.push({ key, plot, points });
  if (typeof ResizeObserver !== 'undefined') {
    new ResizeObserver(() => {
      const w = Math.max(320, container.clientWidth);
      if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height });
    }).observe(container);
  }
  return plot;
}
