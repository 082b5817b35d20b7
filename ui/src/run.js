// One run: params with provenance, code (commit, branch, dirty and the diff), data inputs, environment, seed ledger,
// verdict, logs, artifacts, and a chart per metric.
import { getJson, getText, download, token } from './api.js';
import { h, num, time, duration, bytes, statusBadge, verdictBadge, errorBox, section, table, shortId, spanMs } from './dom.js';
import { draw, loadLines } from './charts.js';

const enc = encodeURIComponent;

export async function runPage(root, ref) {
  root.replaceChildren(h('p.muted', 'Loading run…'));
  let answer;
  try {
    answer = await getJson(`/api/v1/runs/${enc(ref)}`);
  } catch (e) {
    root.replaceChildren(h('h1', 'Run'), errorBox(e));
    return;
  }
  const run = answer.run;
  const id = run.id;
  document.title = `${run.name} · repro`;
  const endMs = run.endTime ? new Date(run.endTime) - new Date(run.startTime) : null;

  const metrics = Object.keys(run.latestMetrics || {}).sort((a, b) =>
    (a.startsWith('system/') - b.startsWith('system/')) || a.localeCompare(b));
  const charts = h('div.charts');
  const diffHolder = h('div.diff-holder');
  const logHolder = h('div.log-holder', h('p.muted', 'Loading log…'));

  root.replaceChildren(...[
    h('div.run-head',
      h('h1', run.name, ' ', statusBadge(run.status), ' ', verdictBadge(run.verdict)),
      h('p.muted', h('code.run-id', id), ` · experiment ${run.experiment} · ${answer.lifecycleStage || 'active'}`),
      h('div.actions',
        h('a.button', { href: `/chart?runs=${enc(id)}${metrics[0] ? `&key=${enc(metrics[0])}` : ''}` }, 'Chart'),
        h('a.button', { href: `/compare?a=${enc(id)}` }, 'Compare with…'))),
    overview(run, endMs),
    section('Metrics', metrics.length ? null : h('p.muted', 'No metrics logged.'), metrics.length ? metricTable(run, metrics) : null, charts),
    section('Params', paramsTable(run)),
    run.tags && Object.keys(run.tags).length ? section('Tags', table(['tag', 'value'], Object.entries(run.tags))) : null,
    section('Code', code(run), diffHolder),
    section('Data inputs', inputs(run, answer.datasets || [])),
    section('Seed', seed(run)),
    run.verdict ? section('Verdict', verdict(run.verdict)) : null,
    section('Environment', environment(run.environment || {})),
    (run.warnings || []).length ? section('Warnings', h('ul', run.warnings.map((w) => h('li', w)))) : null,
    section('Artifacts', artifacts(id, run.artifacts || [])),
    section('Log', logHolder),
  ].filter(Boolean));

  if (run.code?.diffSha256) {
    getText(`/api/v1/runs/${enc(id)}/code/diff`).then((text) => {
      diffHolder.replaceChildren(text === null ? h('p.muted', 'The diff object is not in the store.') : diffView(text));
    }).catch((e) => diffHolder.replaceChildren(errorBox(e)));
  }

  if (run.logSha256) {
    getText(`/api/v1/runs/${enc(id)}/logs`).then((text) => {
      logHolder.replaceChildren(text === null || text === '' ? h('p.muted', 'No log stored for this run.') : h('pre.log', text));
    }).catch((e) => logHolder.replaceChildren(errorBox(e)));
  } else {
    logHolder.replaceChildren(h('p.muted', run.status === 'RUNNING' ? 'The log is stored when the run ends.' : 'No log stored for this run.'));
  }

  for (const key of metrics.slice(0, 24)) {
    const holder = h('div.chart', { dataset: { key } });
    charts.append(h('div.chart-box', h('h3', key), holder));
    loadLines([id], key, 'step', 600)
      .then((r) => draw(holder, { key, axis: 'step', height: 220, lines: r.series.map((s) => ({ label: key, x: s.x, y: s.y })) }))
      .catch((e) => holder.replaceChildren(errorBox(e)));
  }
}

function kv(rows) {
  return h('dl.kv', rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', k), h('dd', v)]));
}

function overview(run, endMs) {
  return section('Overview', kv([
    ['started', time(run.startTime)],
    ['ended', time(run.endTime)],
    ['duration', duration(endMs ?? spanMs(run.duration))],
    ['exit code', run.exitCode ?? null],
    ['signal', run.signal],
    ['command', (run.command || []).length ? h('code', run.command.join(' ')) : null],
    ['directory', run.workingDirectory],
    ['user', run.userId],
    ['lineage', [run.lineage?.group && `group ${run.lineage.group}`,
      run.lineage?.reproductionOf && `reproduction of ${shortId(run.lineage.reproductionOf)}`,
      run.lineage?.resumedFrom && `resumed from ${shortId(run.lineage.resumedFrom)}`].filter(Boolean).join(' · ')],
  ]));
}

function metricTable(run, metrics) {
  return table(['metric', 'last value', 'step', 'time'], metrics.map((k) => {
    const p = run.latestMetrics[k];
    return [k, h('span.num', num(p.value)), p.step, p.timestampMs ? time(new Date(p.timestampMs).toISOString()) : ''];
  }), 'grid metrics');
}

function paramsTable(run) {
  const params = run.params || [];
  if (!params.length) return h('p.muted', 'No params.');
  return table(['param', 'value', 'source'], params.map((p) => [p.key, h('code', p.value), h(`span.source.source-${p.source}`, p.source)]), 'grid params');
}

function code(run) {
  const c = run.code || {};
  if (!c.isGitRepository) return h('p.muted', 'Not started in a git repository.');
  return kv([
    ['commit', h('code', c.commit || 'unknown')],
    ['branch', c.branch],
    ['remote', c.remoteUrl],
    ['tree', c.dirty ? h('span.badge.dirty', 'DIRTY') : h('span.badge.clean', 'clean')],
    ['untracked', (c.untracked || []).length ? h('ul', c.untracked.map((u) => h('li', `${u.path} (${bytes(u.size)})`))) : null],
    ['warnings', (c.warnings || []).length ? c.warnings.join('; ') : null],
  ]);
}

function diffView(text) {
  return h('details.diff', { open: true }, h('summary', 'Uncommitted changes (git diff HEAD)'),
    h('pre.diff', text.split('\n').map((line) => h(`span.${line.startsWith('+++') || line.startsWith('---') ? 'file'
      : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : 'ctx'}`, line + '\n'))));
}

function inputs(run, datasets) {
  const rows = (run.inputs || []).map((i) => [h('code', i.path), h('code', shortId(i.rootHash)), i.fileCount, bytes(i.totalBytes)]);
  const parts = [];
  if (rows.length) parts.push(table(['path', 'root hash', 'files', 'size'], rows, 'grid inputs'));
  if (datasets.length) {
    parts.push(table(['dataset', 'digest', 'source'], datasets.map((d) => [d.name, h('code', d.digest), `${d.sourceType}: ${d.source}`])));
  }
  return parts.length ? parts : h('p.muted', 'No data inputs recorded.');
}

function seed(run) {
  const ledger = run.seedLedger || [];
  return [
    kv([['seed', h('code', String(run.seed))], ['source', run.seedSource], ['deterministic', run.deterministic ? 'yes' : 'no'],
      ['threads', run.threads ?? null]]),
    ledger.length
      ? table(['stream', 'key', 'draws'], ledger.map((s) => [s.name, h('code', s.key), s.draws]), 'grid ledger')
      : h('p.muted', 'No random streams recorded.'),
  ];
}

function verdict(v) {
  return [
    h('p', verdictBadge(v), ' ', v.summary),
    (v.metrics || []).length ? table(['metric', 'original', 'reproduced', 'bit-equal', 'within tolerance', 'first divergent step'],
      v.metrics.map((m) => [m.key, num(m.original), num(m.reproduced), m.bitEqualSeries ? 'yes' : 'no', m.withinTolerance ? 'yes' : 'no',
        m.firstDivergentStep ?? ''])) : null,
    (v.possibleCauses || []).length ? h('ul', v.possibleCauses.map((c) => h('li', c))) : null,
  ];
}

function environment(e) {
  return kv([
    ['os', [e.os, e.distribution].filter((x) => x && x !== 'unknown').join(' · ')],
    ['kernel', e.kernel],
    ['architecture', e.architecture],
    ['host', e.hostname],
    ['cpu', `${e.cpuModel || ''}${e.logicalCores ? ` (${e.logicalCores} logical cores)` : ''}`],
    ['cpu flags', (e.cpuFlags || []).join(' ')],
    ['memory', e.memoryBytes ? bytes(e.memoryBytes) : null],
    ['container', e.container],
    ['.NET', e.dotnetRuntime],
    ['gpu', e.gpuSummary],
    ['python', e.python ? `${e.python.version} (${e.python.executable}), ${Object.keys(e.python.packages || {}).length} packages` : null],
    ['variables', Object.keys(e.variables || {}).length ? table(['variable', 'value'], Object.entries(e.variables)) : null],
  ]);
}

function artifacts(id, list) {
  if (!list.length) return h('p.muted', 'No artifacts.');
  return table(['path', 'size', 'sha256'], list.map((a) => {
    const url = `/api/v1/runs/${enc(id)}/artifacts/${a.path.split('/').map(enc).join('/')}`;
    const name = a.path.split('/').pop();
    return [h('a.artifact', {
      href: url, download: name,
      onclick: (e) => { if (token()) { e.preventDefault(); download(url, name); } },
    }, a.path), bytes(a.size), h('code', shortId(a.sha256))];
  }), 'grid artifacts');
}
