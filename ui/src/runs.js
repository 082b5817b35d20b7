// The runs table: filter (MLflow search syntax, checked by the server), sort by any column (server-side order_by),
// columns to show (remembered), group by params with mean ± std per group, paging, and picking runs to chart or compare.
// Grouped, the table lists one page of runs under their groups, and each group's figures come from /api/v1/groups, which
// groups every matching run on the server (not only the ones listed).
import { getJson } from './api.js';
import { h, num, time, duration, statusBadge, verdictBadge, shortId } from './dom.js';

const COLUMNS_KEY = 'repro.columns';
const PAGE = 50;
const GROUPED_PAGE = 1000;

const FIXED = [
  { id: 'name', label: 'Run', order: 'attributes.run_name' },
  { id: 'status', label: 'Status', order: 'attributes.status' },
  { id: 'verdict', label: 'Verdict' },
  { id: 'start', label: 'Started', order: 'attributes.start_time' },
  { id: 'duration', label: 'Duration' },
];

/** `params.lr`, or params.`my key` when the key needs quoting in a filter or order_by. */
export function field(kind, key) {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) ? `${kind}.${key}` : `${kind}.\`${key.replaceAll('`', '')}\``;
}

function storedColumns() {
  try {
    const v = JSON.parse(localStorage.getItem(COLUMNS_KEY) || 'null');
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

function valueOf(run, col) {
  const [kind, ...rest] = col.split('.');
  const key = rest.join('.');
  const bag = kind === 'params' ? run.params : kind === 'metrics' ? run.metrics : run.tags;
  return bag ? bag[key] : undefined;
}

function labelOf(col) {
  const i = col.indexOf('.');
  return col.slice(i + 1);
}

export async function runsPage(root) {
  const q = new URLSearchParams(location.search);
  const state = {
    filter: q.get('filter') || '',
    order: q.get('order_by') || 'attributes.start_time DESC',
    group: (q.get('group') || '').split(',').filter(Boolean),
    experiment: q.get('experiment_id') || '',
    pageSize: Math.min(1000, Math.max(1, Number(q.get('page_size')) || PAGE)),
    tokens: [null],
    page: 0,
    runs: [],
    next: null,
    selected: new Set(),
    selectedGroups: new Set(),
    columns: storedColumns(),
  };

  const filterInput = h('input.filter', {
    type: 'search', name: 'filter', value: state.filter, spellcheck: false, autocomplete: 'off',
    placeholder: "params.lr = '0.01' and metrics.acc > 0.9 and tags.team = 'vision'",
  });
  const filterError = h('div.error.filter-error', { role: 'alert', hidden: true });
  const groupError = h('div.error.group-error', { role: 'alert', hidden: true });
  const experimentSelect = h('select', { name: 'experiment', title: 'experiment' }, h('option', { value: '' }, 'All experiments'));
  const form = h('form.toolbar', {
    onsubmit: (e) => {
      e.preventDefault();
      state.filter = filterInput.value.trim();
      state.experiment = experimentSelect.value;
      restart();
    },
  }, experimentSelect, filterInput, h('button', { type: 'submit' }, 'Search'));
  experimentSelect.addEventListener('change', () => form.requestSubmit());

  const columnsBox = h('details.menu.columns', h('summary', 'Columns'));
  const groupBox = h('details.menu.group', h('summary', 'Group by'));
  const chartButton = h('button', { type: 'button', disabled: true, onclick: chartSelected }, 'Chart selected');
  const compareButton = h('button', { type: 'button', disabled: true, onclick: compareSelected }, 'Compare');
  const info = h('span.muted.count');
  const actions = h('div.toolbar', columnsBox, groupBox, chartButton, compareButton, info);
  const tableHolder = h('div.table-holder');
  const prev = h('button', { type: 'button', disabled: true, onclick: () => go(state.page - 1) }, '← Previous');
  const next = h('button', { type: 'button', disabled: true, onclick: () => go(state.page + 1) }, 'Next →');
  const pager = h('div.pager', prev, h('span.page-label'), next);

  root.replaceChildren(h('h1', 'Runs'), form, filterError, actions, groupError, tableHolder, pager);

  getJson('/api/v1/experiments').then((r) => {
    for (const e of r.experiments || []) {
      experimentSelect.append(h('option', { value: e.id, selected: e.id === state.experiment }, e.name));
    }
  }).catch(() => { /* the table shows any real error */ });

  function syncUrl() {
    const p = new URLSearchParams();
    if (state.filter) p.set('filter', state.filter);
    if (state.order && state.order !== 'attributes.start_time DESC') p.set('order_by', state.order);
    if (state.group.length) p.set('group', state.group.join(','));
    if (state.experiment) p.set('experiment_id', state.experiment);
    if (state.pageSize !== PAGE) p.set('page_size', String(state.pageSize));
    const url = location.pathname + (p.toString() ? `?${p}` : '');
    history.replaceState(null, '', url);
  }

  function restart() {
    state.tokens = [null];
    state.page = 0;
    state.selected.clear();
    state.selectedGroups.clear();
    load();
  }

  function go(page) {
    state.page = page;
    load();
  }

  async function load() {
    syncUrl();
    tableHolder.classList.add('loading');
    const grouped = state.group.length > 0;
    // Both calls start at once; a bad filter fails both with the same message, shown once under the filter.
    const stats = grouped
      ? getJson('/api/v1/groups', {
        filter: state.filter,
        experiment_id: state.experiment,
        by: state.group.map((k) => field('params', k)).join(','),
      }).then((g) => ({ ok: g }), (e) => ({ error: e }))
      : Promise.resolve(null);
    try {
      const r = await getJson('/api/v1/runs', {
        filter: state.filter,
        order_by: state.order,
        experiment_id: state.experiment,
        max_results: grouped ? GROUPED_PAGE : state.pageSize,
        page_token: state.tokens[state.page],
      });
      const g = await stats;
      filterError.hidden = true;
      filterInput.classList.remove('invalid');
      state.runs = r.runs || [];
      state.next = r.nextPageToken || null;
      state.tokens[state.page + 1] = state.next;
      state.groupStats = g && g.ok ? g.ok : null;
      groupError.hidden = !(g && g.error);
      groupError.textContent = g && g.error ? `Group figures are unavailable: ${g.error.message}` : '';
      render();
    } catch (e) {
      await stats;
      groupError.hidden = true;
      state.groupStats = null;
      filterError.hidden = false;
      filterError.replaceChildren(e.message);
      // "Invalid filter at position N: ..." (1-based): point at it under the filter.
      const at = /position (\d+)/.exec(e.message);
      if (at && state.filter) {
        const pos = Math.max(0, Math.min(state.filter.length, Number(at[1]) - 1));
        filterError.append(h('span.caret', `\n${state.filter}\n${' '.repeat(pos)}^`));
      }
      filterInput.classList.add('invalid');
      state.runs = [];
      render();
    } finally {
      tableHolder.classList.remove('loading');
    }
  }

  function available() {
    const keys = { params: new Set(), metrics: new Set(), tags: new Set() };
    for (const run of state.runs) {
      for (const kind of Object.keys(keys)) {
        for (const k of Object.keys(run[kind] || {})) {
          if (kind === 'tags' && k.startsWith('mlflow.')) continue;
          keys[kind].add(k);
        }
      }
    }
    return Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, [...v].sort()]));
  }

  function columns(avail) {
    if (state.columns) return state.columns;
    return [...avail.params.slice(0, 6).map((k) => `params.${k}`), ...avail.metrics.slice(0, 6).map((k) => `metrics.${k}`)];
  }

  function renderMenus(avail, shown) {
    const choose = (kind) => avail[kind].map((k) => {
      const col = `${kind}.${k}`;
      return h('label', h('input', {
        type: 'checkbox', name: col, checked: shown.includes(col),
        onchange: (e) => {
          const now = columns(avail).filter((c) => c !== col);
          if (e.target.checked) now.push(col);
          state.columns = now;
          localStorage.setItem(COLUMNS_KEY, JSON.stringify(now));
          render();
        },
      }), ` ${k}`);
    });
    columnsBox.replaceChildren(h('summary', `Columns (${shown.length})`), h('div.menu-body',
      ['params', 'metrics', 'tags'].map((kind) => avail[kind].length
        ? h('fieldset', h('legend', kind), choose(kind)) : null),
      h('button.link', { type: 'button', onclick: () => { state.columns = null; localStorage.removeItem(COLUMNS_KEY); render(); } }, 'Reset')));
    columnsBox.open = columnsBox.open || false;

    groupBox.replaceChildren(h('summary', state.group.length ? `Group by: ${state.group.join(', ')}` : 'Group by'),
      h('div.menu-body', avail.params.length ? h('fieldset', h('legend', 'params'), avail.params.map((k) => h('label', h('input', {
        type: 'checkbox', name: `group.${k}`, checked: state.group.includes(k),
        onchange: (e) => {
          state.group = e.target.checked ? [...state.group, k] : state.group.filter((g) => g !== k);
          restart();
        },
      }), ` ${k}`))) : h('p.muted', 'No params to group by.')));
  }

  function header(avail, shown) {
    const [orderField, dir] = state.order.split(/\s+(?=(?:ASC|DESC)$)/i);
    const sortable = (label, order) => {
      if (!order) return h('th', label);
      const active = orderField === order;
      const desc = active && /desc/i.test(dir || '');
      return h('th.sortable', {
        dataset: { order }, title: `Sort by ${order}`, 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none',
        onclick: () => {
          state.order = `${order} ${active && !desc ? 'DESC' : active ? 'ASC' : order.startsWith('metrics.') ? 'DESC' : 'ASC'}`;
          restart();
        },
      }, label, active ? (desc ? ' ▼' : ' ▲') : '');
    };
    return h('thead', h('tr',
      h('th.select', ''),
      FIXED.map((c) => sortable(c.label, c.order)),
      shown.map((col) => {
        const [kind] = col.split('.');
        return sortable(h('span', h('span.kind', kind === 'params' ? 'p' : kind === 'metrics' ? 'm' : 't'), labelOf(col)),
          field(kind, labelOf(col)));
      })));
  }

  function runRow(run, shown) {
    const box = h('input', {
      type: 'checkbox', name: 'select', value: run.id, checked: state.selected.has(run.id),
      onchange: (e) => { if (e.target.checked) state.selected.add(run.id); else state.selected.delete(run.id); updateActions(); },
    });
    return h('tr.run', { dataset: { run: run.id } },
      h('td.select', box),
      h('td.name', h('a', { href: `/runs/${run.id}` }, run.name || shortId(run.id)), h('span.muted.id', ` ${shortId(run.id)}`)),
      h('td', statusBadge(run.status)),
      h('td', verdictBadge(run.verdict)),
      h('td.time', time(run.startTime)),
      h('td.num', duration(run.durationMs)),
      shown.map((col) => {
        const v = valueOf(run, col);
        return h(col.startsWith('metrics.') ? 'td.num' : 'td', { dataset: { col } }, col.startsWith('metrics.') ? num(v) : v ?? '');
      }));
  }

  /** "lr=0.1, batch=(none)": a group's label, from its value of each grouped param (null when its runs lack it). */
  function groupLabel(key) {
    return state.group.map((k, i) => `${k}=${key[i] ?? '(none)'}`).join(', ');
  }

  function metricCell(col, stat) {
    if (!stat || !stat.n) return h('td.num.stat', { dataset: { col, n: 0 } }, '');
    const std = stat.std ?? '';
    return h('td.num.stat', { dataset: { col, mean: stat.mean, std, n: stat.n }, title: `n = ${stat.n}, min ${num(stat.min)}, max ${num(stat.max)}` },
      std === '' ? num(stat.mean) : `${num(stat.mean)} ± ${num(stat.std)}`);
  }

  function groupRows(shown) {
    // The listed runs, by group; the groups and their figures are the server's (every matching run).
    const listed = new Map();
    for (const run of state.runs) {
      const key = JSON.stringify(state.group.map((k) => run.params?.[k] ?? null));
      if (!listed.has(key)) listed.set(key, []);
      listed.get(key).push(run);
    }
    const groups = (state.groupStats?.groups || []).map((g) => ({ key: g.key, count: g.runs, metrics: g.metrics }));
    const known = new Set(groups.map((g) => JSON.stringify(g.key)));
    // Runs logged after the figures were computed (or figures missing): groups without figures, after the rest.
    for (const key of listed.keys()) {
      if (!known.has(key)) groups.push({ key: JSON.parse(key), count: null, metrics: null });
    }

    const rows = [];
    state.groups = new Map();
    for (const group of groups) {
      const label = groupLabel(group.key);
      const runs = listed.get(JSON.stringify(group.key)) || [];
      state.groups.set(label, runs);
      const ids = runs.map((r) => r.id);
      const count = group.count ?? runs.length;
      const box = h('input', {
        type: 'checkbox', name: 'select-group', value: label, checked: state.selectedGroups.has(label), disabled: runs.length === 0,
        onchange: (e) => {
          if (e.target.checked) state.selectedGroups.add(label); else state.selectedGroups.delete(label);
          for (const id of ids) { if (e.target.checked) state.selected.add(id); else state.selected.delete(id); }
          render();
        },
      });
      rows.push(h('tr.group', { dataset: { group: label, runs: ids.join(','), count } },
        h('td.select', box),
        h('td.name', { colSpan: FIXED.length }, h('strong', label),
          h('span.muted', ` — ${count} run${count === 1 ? '' : 's'}${runs.length < count ? ` (${runs.length} listed)` : ''}`)),
        shown.map((col) => {
          if (!col.startsWith('metrics.')) {
            const values = [...new Set(runs.map((r) => valueOf(r, col)).filter((v) => v !== undefined))];
            return h('td', { dataset: { col } }, values.length === 1 ? values[0] : values.length ? `${values.length} values` : '');
          }
          return metricCell(col, group.metrics?.[labelOf(col)]);
        })));
      for (const run of runs) rows.push(runRow(run, shown));
    }
    return rows;
  }

  function render() {
    const avail = available();
    const shown = columns(avail);
    renderMenus(avail, shown);
    const body = state.group.length ? groupRows(shown) : state.runs.map((r) => runRow(r, shown));
    if (state.runs.length === 0) {
      body.push(h('tr.empty', h('td', { colSpan: FIXED.length + shown.length + 1 }, state.filter ? 'No run matches the filter.' : 'No runs yet.')));
    }
    tableHolder.replaceChildren(h('table.grid.runs', header(avail, shown), h('tbody', body)));
    const listed = `${state.runs.length} run${state.runs.length === 1 ? '' : 's'}${state.next ? ' on this page' : ''}`;
    const stats = state.group.length ? state.groupStats : null;
    info.textContent = stats
      ? `${stats.runCount} run${stats.runCount === 1 ? '' : 's'} in ${stats.groups.length} group${stats.groups.length === 1 ? '' : 's'}`
        + ` (mean ± std over all of them); ${listed}`
      : listed;
    prev.disabled = state.page === 0;
    next.disabled = !state.next;
    pager.querySelector('.page-label').textContent = `page ${state.page + 1}`;
    updateActions();
  }

  function updateActions() {
    chartButton.disabled = state.selected.size === 0;
    compareButton.disabled = !(state.selected.size === 2 || state.selectedGroups.size === 2);
    compareButton.textContent = state.selectedGroups.size === 2 ? 'Compare groups' : 'Compare';
  }

  function firstMetric() {
    const shownMetric = (state.columns || []).find((c) => c.startsWith('metrics.'));
    if (shownMetric) return labelOf(shownMetric);
    return available().metrics[0] || '';
  }

  function chartSelected() {
    const p = new URLSearchParams({ runs: [...state.selected].join(',') });
    const key = firstMetric();
    if (key) p.set('key', key);
    if (state.group.length) p.set('group', state.group.join(','));
    location.href = `/chart?${p}`;
  }

  function compareSelected() {
    if (state.selectedGroups.size === 2) {
      const [ga, gb] = [...state.selectedGroups];
      const [a, b] = [ga, gb].map((g) => state.groups.get(g).map((r) => r.id).join(','));
      const p = new URLSearchParams({ a, b, na: ga, nb: gb });
      const metric = firstMetric();
      if (metric) p.set('metric', metric);
      location.href = `/compare?${p}`;
      return;
    }
    const [a, b] = [...state.selected];
    location.href = `/compare?${new URLSearchParams({ a, b })}`;
  }

  load();
}
