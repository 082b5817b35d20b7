// The chart page: one metric of many runs against step, wall-clock time or time since start; runs that differ only in
// their seed (or share the chosen params) can be drawn as one mean ± std band.
import { getJson } from './api.js';
import { h, errorBox, shortId } from './dom.js';
import { draw, loadLines, loadBand } from './charts.js';

const isSeedKey = (k) => /seed/i.test(k);

export async function chartPage(root) {
  const q = new URLSearchParams(location.search);
  const refs = (q.get('runs') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const state = {
    key: q.get('key') || '',
    axis: q.get('x') || 'step',
    bands: q.has('group') || q.get('bands') === '1',
    group: (q.get('group') || '').split(',').filter(Boolean),
  };

  const refsInput = h('input', { name: 'runs', value: refs.join(','), placeholder: 'run ids, prefixes or names, separated by commas', size: 60 });
  const pick = h('form.toolbar', { onsubmit: (e) => { e.preventDefault(); const p = new URLSearchParams(location.search); p.set('runs', refsInput.value); location.search = p; } },
    h('label', 'Runs ', refsInput), h('button', { type: 'submit' }, 'Show'));
  root.replaceChildren(h('h1', 'Chart'), pick);
  if (!refs.length) {
    root.append(h('p.muted', 'Pick runs on the ', h('a', { href: '/' }, 'Runs'), ' page (tick them, then "Chart selected"), or name them above.'));
    return;
  }

  let runs;
  try {
    runs = (await Promise.all(refs.map((r) => getJson(`/api/v1/runs/${encodeURIComponent(r)}`)))).map((a) => a.run);
  } catch (e) {
    root.append(errorBox(e));
    return;
  }

  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.latestMetrics || {})))].sort((a, b) =>
    (a.startsWith('system/') - b.startsWith('system/')) || a.localeCompare(b));
  if (!state.key || !keys.includes(state.key)) state.key = keys[0] || state.key;
  const paramKeys = [...new Set(runs.flatMap((r) => (r.params || []).map((p) => p.key)))].sort();

  const keySelect = h('select', { name: 'key' }, keys.map((k) => h('option', { value: k, selected: k === state.key }, k)));
  const axisSelect = h('select', { name: 'x' }, [['step', 'step'], ['time', 'wall-clock time'], ['relative', 'time since start']]
    .map(([v, label]) => h('option', { value: v, selected: v === state.axis }, label)));
  const bandsBox = h('input', { type: 'checkbox', name: 'bands', checked: state.bands });
  const groupInput = h('input', { name: 'group', value: state.group.join(','), size: 24, placeholder: 'all params but seeds' });
  const controls = h('div.toolbar',
    h('label', 'Metric ', keySelect),
    h('label', 'x ', axisSelect),
    h('label', bandsBox, ' seed groups as mean ± std'),
    h('label', 'grouped by ', groupInput));
  const holder = h('div.chart.big', { dataset: { key: state.key } });
  const note = h('p.muted.chart-note');
  root.append(controls, holder, note);

  for (const el of [keySelect, axisSelect, bandsBox, groupInput]) el.addEventListener('change', update);

  function groupsOf() {
    const by = state.group.length ? state.group : paramKeys.filter((k) => !isSeedKey(k));
    const groups = new Map();
    for (const run of runs) {
      const params = Object.fromEntries((run.params || []).map((p) => [p.key, p.value]));
      const label = by.map((k) => `${k}=${params[k] ?? '∅'}`).join(', ') || 'all runs';
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push(run);
    }
    return groups;
  }

  async function update() {
    state.key = keySelect.value;
    state.axis = axisSelect.value;
    state.bands = bandsBox.checked;
    state.group = groupInput.value.split(',').map((s) => s.trim()).filter(Boolean);
    const p = new URLSearchParams({ runs: refs.join(','), key: state.key, x: state.axis });
    if (state.bands) p.set('bands', '1');
    if (state.group.length) p.set('group', state.group.join(','));
    history.replaceState(null, '', `/chart?${p}`);
    holder.dataset.key = state.key;
    holder.dataset.ready = '';
    if (!state.key) {
      holder.replaceChildren(h('p.muted', 'These runs logged no metrics.'));
      return;
    }
    try {
      const lines = [];
      const bands = [];
      const singles = [];
      if (state.bands) {
        const work = [];
        for (const [label, members] of groupsOf()) {
          if (members.length < 2) { singles.push(...members); continue; }
          work.push(loadBand(members.map((r) => r.id), state.key, state.axis).then((b) =>
            bands.push({ label: `${label} (n=${members.length})`, x: b.x, mean: b.mean, std: b.std })));
        }
        await Promise.all(work);
      } else {
        singles.push(...runs);
      }
      if (singles.length) {
        const r = await loadLines(singles.map((s) => s.id), state.key, state.axis);
        for (const s of r.series) lines.push({ label: `${s.name} ${shortId(s.run)}`, x: s.x, y: s.y });
      }
      const total = runs.length;
      note.textContent = `${total} run${total === 1 ? '' : 's'}; ${bands.length} band${bands.length === 1 ? '' : 's'}, `
        + `${lines.length} line${lines.length === 1 ? '' : 's'}. Long series are downsampled on the server (min, max and last of each bucket).`;
      draw(holder, { key: state.key, axis: state.axis, lines, bands, height: 420 });
    } catch (e) {
      holder.replaceChildren(errorBox(e));
    }
  }

  update();
}
