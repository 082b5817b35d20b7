// Two runs side by side (the content of `repro diff`) or two groups of runs (`repro compare`).
import { getJson } from './api.js';
import { h, num, errorBox, section, table, shortId } from './dom.js';

export async function comparePage(root) {
  const q = new URLSearchParams(location.search);
  const a = q.get('a') || '';
  const b = q.get('b') || '';
  const metric = q.get('metric') || '';
  const groups = a.includes(',') || b.includes(',') || metric !== '';

  const inputA = h('input', { name: 'a', value: a, placeholder: 'run, or runs id1,id2,… / sweep group', size: 36 });
  const inputB = h('input', { name: 'b', value: b, placeholder: 'the other side', size: 36 });
  const inputMetric = h('input', { name: 'metric', value: metric, placeholder: 'metric (groups only)', size: 16 });
  const form = h('form.toolbar', {
    onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams({ a: inputA.value.trim(), b: inputB.value.trim() });
      if (inputMetric.value.trim()) p.set('metric', inputMetric.value.trim());
      location.search = p;
    },
  }, h('label', 'A ', inputA), h('label', 'B ', inputB), h('label', 'metric ', inputMetric), h('button', { type: 'submit' }, 'Compare'));
  root.replaceChildren(h('h1', groups ? 'Compare groups' : 'Compare runs'), form);
  if (!a || !b) {
    root.append(h('p.muted', 'Two runs: their differences in data, params, code, seed, command, environment and results. '
      + 'Two groups (comma-separated runs or a sweep group, with a metric): is A better than B across seeds?'));
    return;
  }
  const out = h('div.compare');
  root.append(out);
  try {
    if (groups) {
      if (!metric) throw new Error('Comparing groups needs a metric: fill in "metric".');
      const label = (side, name) => name || (side.includes(',')
        ? `${side.split(',').length} runs (${side.split(',').map(shortId).join(', ')})` : side);
      out.append(groupReport(await getJson('/api/v1/compare', { a, b, metric }), metric, label(a, q.get('na')), label(b, q.get('nb'))));
    } else {
      out.append(diffReport(await getJson('/api/v1/diff', { a, b })));
    }
  } catch (e) {
    out.append(errorBox(e));
  }
}

function diffReport(d) {
  const link = (id) => h('a', { href: `/runs/${id}` }, shortId(id));
  const items = d.differences || [];
  const byCategory = new Map();
  for (const i of items) {
    if (!byCategory.has(i.category)) byCategory.set(i.category, []);
    byCategory.get(i.category).push(i);
  }
  return h('div.diff-report',
    h('p', 'A ', link(d.left), ' · B ', link(d.right), ' ',
      d.identical ? h('span.badge.verdict-identical', 'IDENTICAL RECORDS') : h('span.badge.verdict-diverged', `${items.length} DIFFERENCE${items.length === 1 ? '' : 'S'}`)),
    [...byCategory].map(([category, list]) => section(category,
      table(['what', 'A', 'B', 'note'], list.map((i) => [i.key, i.left ?? h('span.muted', '(absent)'), i.right ?? h('span.muted', '(absent)'), i.note ?? '']),
        `grid differences category-${category}`))),
    (d.metrics || []).length ? section('Results', table(['metric', 'A final', 'B final', 'B − A', 'series'], d.metrics.map((m) => [
      m.key, num(m.leftFinal), num(m.rightFinal),
      typeof m.leftFinal === 'number' && typeof m.rightFinal === 'number' ? num(m.rightFinal - m.leftFinal) : '',
      m.firstDivergentStep !== null && m.firstDivergentStep !== undefined ? `first differs at step ${m.firstDivergentStep}` : 'identical',
    ]), 'grid results')) : null);
}

function groupReport(c, metric, labelA, labelB) {
  // The server names each side by what it was given (for runs, their ids); show the shorter labels instead.
  let sentence = String(c.sentence || '');
  for (const [name, label] of [[c.options?.nameA, labelA], [c.options?.nameB, labelB]]) {
    if (name && label) sentence = sentence.replaceAll(name, label);
  }
  const side = (name, s) => [name, s.count, num(s.mean), num(s.standardDeviation), s.meanInterval ? `${num(s.meanInterval.lower)} … ${num(s.meanInterval.upper)}` : '',
    num(s.min), num(s.median), num(s.max)];
  return h('div.group-report',
    h('p.sentence', h(`span.badge.comparison-${String(c.verdict).toLowerCase()}`, String(c.verdict).toUpperCase()), ' ', sentence),
    section(metric, table(['group', 'n', 'mean', 'std', 'mean 95% CI', 'min', 'median', 'max'],
      [side(labelA || c.options?.nameA || 'A', c.a), side(labelB || c.options?.nameB || 'B', c.b)], 'grid groups')),
    section('Tests', table(['statistic', 'value'], [
      ['difference of means (A − B)', num(c.difference)],
      ['95% CI (Welch)', `${num(c.differenceInterval?.lower)} … ${num(c.differenceInterval?.upper)}`],
      ['Welch t, df, p', `${num(c.welch?.t)}, ${num(c.welch?.degreesOfFreedom)}, ${num(c.welch?.pValue)}`],
      ['Mann-Whitney U, p', `${num(c.mannWhitney?.u)}, ${num(c.mannWhitney?.pValue)}${c.mannWhitney?.exact ? ' (exact)' : ''}`],
      ["Hedges' g", num(c.hedgesG)],
      ['bootstrap 95% CI', `${num(c.bootstrapInterval?.lower)} … ${num(c.bootstrapInterval?.upper)}`],
      ['seeds per side for 80% power', c.requiredSeedsPerSide ?? ''],
    ])));
}
