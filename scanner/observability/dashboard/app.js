// The scanner dashboard: polls v1/dashboard/data (relative to the page) every two seconds and
// redraws with uPlot. No build step and nothing loaded from elsewhere, so it runs in an air-gapped
// cluster. Text from the server is only ever set with textContent.
/* global uPlot */
'use strict';

const POLL_MS = 2000;
const COLORS = { allow: '#3fb950', flag: '#d29922', redact: '#58a6ff', block: '#f85149', accent: '#a371f7', muted: '#8a97a6' };
const AXIS = { stroke: '#8a97a6', grid: { stroke: '#26313d', width: 1 }, ticks: { stroke: '#26313d', width: 1 } };

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'style') Object.assign(e.style, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};
const fmt = (x, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(digits));

function chart(id, series, yOpts = {}) {
  const host = $(id);
  const opts = {
    width: Math.max(300, host.clientWidth - 16),
    height: 220,
    series: [{}, ...series.map((s) => ({ spanGaps: false, width: 1.5, points: { show: false }, ...s }))],
    axes: [{ ...AXIS }, { ...AXIS, size: 56, ...yOpts.axis }],
    scales: { x: { time: true }, y: { range: yOpts.range ?? ((_u, min, max) => [0, Math.max(max * 1.1, yOpts.minMax ?? 1)]) } },
    legend: { live: true },
  };
  const data = [[], ...series.map(() => [])];
  const u = new uPlot(opts, data, host);
  return { u, host };
}

const charts = {
  rps: chart('chart-rps', [
    { label: 'requests/s', stroke: COLORS.accent, fill: 'rgba(163,113,247,0.12)' },
    { label: '5xx/s', stroke: COLORS.block },
  ]),
  latency: chart(
    'chart-latency',
    [
      { label: 'p50', stroke: COLORS.allow, value: (_u, v) => (v === null ? '–' : `${fmt(v, 2)} ms`) },
      { label: 'p95', stroke: COLORS.flag, value: (_u, v) => (v === null ? '–' : `${fmt(v, 2)} ms`) },
      { label: 'p99', stroke: COLORS.block, value: (_u, v) => (v === null ? '–' : `${fmt(v, 2)} ms`) },
    ],
    { minMax: 1 },
  ),
  verdicts: chart('chart-verdicts', [
    { label: 'allow', stroke: COLORS.allow },
    { label: 'flag', stroke: COLORS.flag },
    { label: 'redact', stroke: COLORS.redact },
    { label: 'block', stroke: COLORS.block },
  ]),
  cache: chart(
    'chart-cache',
    [
      { label: 'L1', stroke: COLORS.allow },
      { label: 'L2', stroke: COLORS.redact },
      { label: 'L3', stroke: COLORS.accent },
      { label: 'miss', stroke: COLORS.muted },
    ],
    { range: [0, 100] },
  ),
};

function update(name, data) {
  const c = charts[name];
  c.u.setData(data);
  c.host.dataset.points = String(data[0].length);
}

const pct = (xs) => xs.map((x) => (x === null ? null : Math.round(x * 1000) / 10));

function renderInfo(d) {
  const info = $('info');
  info.replaceChildren();
  for (const [k, v] of [
    ['version', d.version],
    ['policy', d.policyVersion],
    ['mode', d.mode],
    ['uptime', `${Math.floor(d.uptimeSeconds / 60)} min`],
    ['L1 entries', d.cacheEntries],
  ])
    info.append(el('dt', {}, k), el('dd', {}, v));
}

function renderTiles(d) {
  const s = d.series;
  const last = (xs) => (xs.length ? xs[xs.length - 1] : null);
  const sum = d.summary;
  const blocked = sum.scans ? (100 * sum.verdicts.block) / sum.scans : null;
  const lookups = sum.cache.l1 + sum.cache.l2 + sum.cache.l3 + sum.cache.miss;
  const tiles = [
    ['requests/s (last second)', fmt(last(s.rps), 0)],
    ['p99 latency (window)', sum.latency.p99 === null ? '–' : `${fmt(sum.latency.p99, 2)} ms`],
    ['p50 latency (window)', sum.latency.p50 === null ? '–' : `${fmt(sum.latency.p50, 2)} ms`],
    [`scans (last ${Math.round(sum.seconds / 60)} min)`, sum.scans],
    ['blocked', blocked === null ? '–' : `${fmt(blocked)} %`],
    ['L1 hit ratio', lookups ? `${fmt((100 * sum.cache.l1) / lookups)} %` : '–'],
  ];
  $('tiles').replaceChildren(...tiles.map(([k, v]) => el('div', { class: 'tile' }, el('div', { class: 'v' }, v), el('div', { class: 'k' }, k))));
}

function renderBars(id, rows, key) {
  const host = $(id);
  if (!rows.length) return host.replaceChildren(el('li', { class: 'empty' }, 'nothing found in this window'));
  const max = Math.max(...rows.map((r) => r.scans));
  host.replaceChildren(
    ...rows.map((r) => el('li', {}, el('span', { class: 'bar', style: { width: `${(100 * r.scans) / max}%` } }), el('span', {}, r[key]), el('span', {}, r.scans))),
  );
}

function kvTable(stats) {
  return el('table', { class: 'kv' }, ...Object.entries(stats).map(([k, v]) => el('tr', {}, el('td', {}, k.replace(/_/g, ' ')), el('td', {}, fmt(v, Number.isInteger(v) ? 0 : 3)))));
}

function renderSources(d) {
  const { audit, ...others } = d.sources;
  $('audit').replaceChildren(audit ? kvTable(audit) : el('p', { class: 'empty' }, 'not configured — the audit log reports its queue here once it is enabled'));
  const names = Object.keys(others);
  $('sources').replaceChildren(
    ...(names.length ? names.map((n) => el('div', {}, el('div', { class: 'sub' }, n), kvTable(others[n]))) : [el('p', { class: 'empty' }, 'no shared components (Redis, Postgres, model) registered')]),
  );
}

function renderEvents(events) {
  const body = $('events').tBodies[0];
  if (!events.length) return body.replaceChildren(el('tr', {}, el('td', { colspan: '8', class: 'empty' }, 'no blocked scans yet')));
  body.replaceChildren(
    ...events.map((e) =>
      el(
        'tr',
        {},
        el('td', { class: 'mono' }, new Date(e.time).toLocaleTimeString()),
        el('td', {}, el('span', { class: `verdict ${e.monitored ? 'flag' : e.verdict}` }, e.monitored ? 'would block' : e.verdict)),
        el('td', {}, fmt(e.score, 2)),
        el('td', {}, e.findings.map((f) => `${f.category} (${f.detector}${f.rule ? `/${f.rule}` : ''} ${fmt(f.score, 2)})`).join(', ')),
        el('td', { class: 'mono' }, e.fingerprint),
        el('td', {}, e.length),
        el('td', {}, e.cache),
        el('td', {}, [e.app, e.clientIp].filter(Boolean).join(' · ') || '–'),
      ),
    ),
  );
}

async function poll() {
  const status = $('status');
  try {
    const r = await fetch('v1/dashboard/data', { cache: 'no-store' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const d = await r.json();
    const s = d.series;
    update('rps', [s.t, s.rps, s.errorsPerSecond]);
    update('latency', [s.t, s.p50, s.p95, s.p99]);
    update('verdicts', [s.t, s.verdicts.allow, s.verdicts.flag, s.verdicts.redact, s.verdicts.block]);
    update('cache', [s.t, pct(s.cache.l1), pct(s.cache.l2), pct(s.cache.l3), pct(s.cache.miss)]);
    renderInfo(d);
    renderTiles(d);
    renderBars('top-detectors', d.summary.topDetectors, 'detector');
    renderBars('top-categories', d.summary.topCategories, 'category');
    renderSources(d);
    renderEvents(d.events);
    status.dataset.state = 'live';
    status.textContent = `live · ${new Date(d.generatedAt).toLocaleTimeString()}`;
  } catch (err) {
    status.dataset.state = 'error';
    status.textContent = `no data: ${err.message}`;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

window.addEventListener('resize', () => {
  for (const c of Object.values(charts)) c.u.setSize({ width: Math.max(300, c.host.clientWidth - 16), height: 220 });
});

poll();
