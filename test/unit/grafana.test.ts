// The Grafana dashboard shipped with the Helm chart must only query metrics the scanner exports.
// The exposition is taken from a scanner whose stat sources report every well-known key, so the
// panels for Redis, Postgres, the audit queue and the model are checked too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Firewall } from '../../scanner/firewall.js';
import { WELL_KNOWN_STATS } from '../../scanner/observability/metrics.js';
import { Observability } from '../../scanner/observability/observability.js';
import { Distribution } from '../../scanner/observability/sources.js';
import { REPO_ROOT } from '../harness/scanner-process.js';

const DASHBOARD = join(REPO_ROOT, 'charts', 'prompt-firewall', 'dashboards', 'prompt-firewall-scanner.json');
const HISTOGRAMS: Record<string, string[]> = { model: ['batch_size', 'inference_seconds'] };

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

/** Names of the series a /metrics text exposes (histograms as _bucket, _sum and _count). */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (m[2] === 'histogram' || m[2] === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
    else names.add(m[1]);
  }
  return names;
}

describe('Grafana dashboard', () => {
  it('parses, and every panel query uses metrics that /metrics exports', async () => {
    const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[] };
    assert.equal(dash.uid, 'prompt-firewall-scanner');
    const ids = dash.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');

    const fw = await Firewall.create({ env: {} });
    const obs = new Observability(fw, pino({ level: 'silent' }));
    for (const [name, keys] of Object.entries(WELL_KNOWN_STATS)) {
      const histograms = HISTOGRAMS[name] ?? [];
      const stats = Object.fromEntries(Object.keys(keys).filter((k) => !histograms.includes(k)).map((k) => [k, 0]));
      const dists = Object.fromEntries(histograms.map((k) => [k, new Distribution([1, 2])]));
      obs.addSource({ name, stats: () => stats, distributions: () => dists });
    }
    const exposed = exposedNames(await obs.metrics.registry.metrics());
    obs.close();

    const queries = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    assert.ok(queries.length >= 15, `${queries.length} queries`);
    const missing: string[] = [];
    for (const { panel, expr } of queries) {
      const names = expr.match(/\b(?:promptfirewall|process|nodejs)_[a-z0-9_]+\b/g) ?? [];
      assert.ok(names.length > 0, `${panel}: ${expr} names no metric`);
      for (const n of names) if (!exposed.has(n)) missing.push(`${panel}: ${n}`);
    }
    assert.deepEqual(missing, []);
    for (const wanted of ['Requests per second', 'Latency (server-side)', 'Verdicts per second', 'Top detectors', 'Top categories', 'Cache lookups answered by layer', 'Audit queue'])
      assert.ok(dash.panels.some((p) => p.title === wanted), wanted);
  });
});
