// A few DOM and formatting helpers shared by the pages.

/** h('tag.class', {attrs}, ...children): builds an element. Strings become text nodes; null/false children are skipped. */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs !== undefined && attrs !== null && attrs !== false && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** A number for a table: up to 6 significant digits, exponent for very large or small values. */
export function num(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v; // "NaN", "Infinity" as the API writes them
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').slice(0, 19);
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} m`;
}

/** "00:00:01.5000000" (TimeSpan) or milliseconds → milliseconds. */
export function spanMs(span) {
  if (typeof span === 'number') return span;
  if (!span) return null;
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(span);
  return m ? ((+(m[1] || 0) * 24 + +m[2]) * 3600 + +m[3] * 60 + +m[4]) * 1000 : null;
}

export function bytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function statusBadge(status) {
  const s = String(status || 'unknown').toUpperCase();
  return h(`span.badge.status-${s.toLowerCase()}`, { title: 'status' }, s);
}

export function verdictBadge(verdict) {
  if (!verdict) return null;
  const kind = String(verdict.kind || verdict.label || '').toUpperCase();
  return h(`span.badge.verdict-${kind.toLowerCase()}`, { title: verdict.summary || 'verdict' }, kind);
}

export function shortId(id) {
  return String(id || '').slice(0, 8);
}

export function errorBox(e) {
  return h('div.error', { role: 'alert' }, e && e.message ? e.message : String(e));
}

export function section(title, ...children) {
  return h('section.card', h('h2', title), ...children);
}

export function table(headers, rows, cls) {
  return h(`table.${cls || 'grid'}`,
    h('thead', h('tr', headers.map((x) => h('th', x)))),
    h('tbody', rows.map((r) => h('tr', r.map((c) => h('td', c === null || c === undefined ? '' : c))))));
}
