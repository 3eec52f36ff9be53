import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Firewall } from '../../scanner/firewall.js';
import { parseScanRequest } from '../../scanner/scan/request.js';
import { RecentBlocks } from '../../scanner/observability/events.js';
import { Observability } from '../../scanner/observability/observability.js';
import { Distribution, SourceRegistry, statsOf, type StatSource } from '../../scanner/observability/sources.js';
import { RollingWindow } from '../../scanner/observability/window.js';
import type { ScanEvent, ScanResult } from '../../scanner/scan/scanner.js';

const silent = pino({ level: 'silent' });

async function setup(env: Record<string, string> = {}) {
  const fw = await Firewall.create({ env });
  const obs = new Observability(fw, silent, { processMetrics: false });
  const scan = (input: string) => fw.scanner.scan(parseScanRequest({ input }, fw.policy.policy.limits), { id: 'req-1' });
  return { fw, obs, scan, metrics: () => obs.metrics.registry.metrics() };
}

/** Value of one sample line of the Prometheus text format. */
function sample(text: string, line: string): number | undefined {
  const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
}

describe('metrics', () => {
  it('counts scans by verdict and cache layer, detections by detector and category, and reads cache stats', async () => {
    const { obs, scan, metrics } = await setup({ PF_POLICY_CATEGORIES_INVISIBLE_TEXT_ACTION: 'block' });
    await scan('plain text');
    await scan('hid\u200bden');
    await scan('hid\u200bden');
    const text = await metrics();
    assert.equal(sample(text, 'promptfirewall_scans_total{verdict="allow",direction="prompt",cache="miss"}'), 1);
    assert.equal(sample(text, 'promptfirewall_scans_total{verdict="block",direction="prompt",cache="miss"}'), 1);
    assert.equal(sample(text, 'promptfirewall_scans_total{verdict="block",direction="prompt",cache="l1"}'), 1);
    assert.equal(sample(text, 'promptfirewall_detections_total{detector="invisible",category="invisible_text"}'), 2);
    assert.equal(sample(text, 'promptfirewall_cache_hits_total{layer="l1"}'), 1);
    assert.equal(sample(text, 'promptfirewall_cache_misses_total'), 2);
    assert.equal(sample(text, 'promptfirewall_cache_entries{layer="l1"}'), 2);
    assert.equal(sample(text, 'promptfirewall_scan_duration_seconds_count{cache="l1"}'), 1);
    assert.match(text, /promptfirewall_policy_info\{policy_version="[0-9a-f]{12}",mode="enforce",fail_mode="closed",model_version="[^"]*"\} 1/);
    assert.match(text, /# TYPE promptfirewall_cache_hits_total counter/);
    obs.close();
  });

  it('exports every stat source key as a counter or gauge and its distributions as histograms', async () => {
    const { obs, metrics } = await setup();
    const batch = new Distribution([1, 2, 4, 8]);
    for (const n of [1, 3, 3, 16]) batch.observe(n);
    let queued = 5;
    const model: StatSource = { name: 'model', stats: () => ({ queue_depth: queued }), distributions: () => ({ batch_size: batch }) };
    obs.addSource(model);
    obs.addSource({ name: 'redis', stats: () => ({ errors_total: 3, circuit_open: 1 }) });
    queued = 7;
    const text = await metrics();
    assert.equal(sample(text, 'promptfirewall_model_queue_depth'), 7);
    assert.match(text, /# TYPE promptfirewall_redis_errors_total counter/);
    assert.match(text, /# TYPE promptfirewall_redis_circuit_open gauge/);
    assert.match(text, /# HELP promptfirewall_redis_circuit_open 1 while the circuit breaker/);
    assert.equal(sample(text, 'promptfirewall_redis_errors_total'), 3);
    assert.match(text, /# TYPE promptfirewall_model_batch_size histogram/);
    assert.equal(sample(text, 'promptfirewall_model_batch_size_bucket{le="1"}'), 1);
    assert.equal(sample(text, 'promptfirewall_model_batch_size_bucket{le="4"}'), 3);
    assert.equal(sample(text, 'promptfirewall_model_batch_size_bucket{le="8"}'), 3);
    assert.equal(sample(text, 'promptfirewall_model_batch_size_bucket{le="+Inf"}'), 4);
    assert.equal(sample(text, 'promptfirewall_model_batch_size_sum'), 23);
    assert.equal(sample(text, 'promptfirewall_model_batch_size_count'), 4);
    obs.addSource(statsOf('audit', () => ({ queued: 2, written: 10, spoolBytes: 512, up: 1, state: 'ok' }), ['queued', 'spoolBytes', 'up']));
    const audit = await metrics();
    assert.match(audit, /# TYPE promptfirewall_audit_written_total counter/);
    assert.match(audit, /# HELP promptfirewall_audit_written_total Audit records written to Postgres/);
    assert.equal(sample(audit, 'promptfirewall_audit_written_total'), 10);
    assert.match(audit, /# TYPE promptfirewall_audit_spool_bytes gauge/);
    assert.equal(sample(audit, 'promptfirewall_audit_queued'), 2);
    assert.ok(!audit.includes('promptfirewall_audit_state'), 'non-numeric fields are left out');
    assert.throws(() => obs.addSource({ name: 'redis', stats: () => ({}) }), /already registered/);
    assert.throws(() => new SourceRegistry().add({ name: 'Bad-Name', stats: () => ({}) }), /snake_case/);
    obs.close();
  });
});

describe('rolling window', () => {
  const result = (verdict: ScanResult['verdict'], detector?: string): ScanResult =>
    ({ verdict, findings: detector ? [{ detector, category: 'invisible_text', score: 1, spans: [], message: '' }] : [] }) as unknown as ScanResult;

  it('gives per-second rates, latency quantiles, verdicts, findings and cache shares', () => {
    let now = 1_000_000;
    const cache = { hits: { l1: 0, l2: 0, l3: 0 }, misses: 0, shared: 0 };
    const w = new RollingWindow(cache, 5, () => now);
    for (let i = 1; i <= 100; i++) w.request(i / 10, i === 100 ? 503 : 200); // 0.1 … 10 ms
    w.scan(result('allow'));
    w.scan(result('block', 'invisible'));
    cache.hits.l1 = 3;
    cache.misses = 1;
    now += 2000;
    w.tick();
    const s = w.series();
    assert.deepEqual(s.t, [1000]);
    assert.deepEqual(s.rps, [50]);
    assert.deepEqual(s.errorsPerSecond, [0.5]);
    assert.ok(Math.abs(s.p50[0]! - 5) / 5 < 0.08, `p50 ${s.p50[0]}`);
    assert.ok(Math.abs(s.p99[0]! - 9.9) / 9.9 < 0.08, `p99 ${s.p99[0]}`);
    assert.deepEqual([s.verdicts.allow[0], s.verdicts.block[0]], [0.5, 0.5]);
    assert.deepEqual([s.cache.l1[0], s.cache.miss[0]], [0.75, 0.25]);
    const sum = w.summary();
    assert.equal(sum.requests, 100);
    assert.deepEqual(sum.topDetectors, [{ detector: 'invisible', scans: 1 }]);
    for (let i = 0; i < 10; i++) {
      now += 1000;
      w.tick();
    }
    assert.equal(w.series().t.length, 5, 'bounded to the window');
    assert.equal(w.summary().requests, 0);
    w.close();
  });
});

describe('recent blocked events', () => {
  const event = (text: string, verdict: ScanResult['verdict'], policyVerdict = verdict): ScanEvent =>
    ({
      request: { input: text, direction: 'prompt' },
      texts: [{ text }],
      context: { clientIp: '10.0.0.1' },
      result: { id: text, verdict, policyVerdict, score: 0.9, cache: 'miss', findings: [{ detector: 'rules', category: 'jailbreak', score: 0.9, spans: [{ start: 0, end: 4 }], message: 'm', rule: 'dan' }] },
      decision: {},
    }) as unknown as ScanEvent;

  it('keeps the newest blocked scans, fingerprints instead of text, and monitor-mode would-blocks', () => {
    const ring = new RecentBlocks(3, 'key-1');
    assert.equal(ring.record(event('fine', 'allow')), undefined);
    for (const t of ['one secret', 'two secret', 'three secret', 'four secret']) ring.record(event(t, 'block'));
    ring.record(event('watched', 'flag', 'block'));
    const recent = ring.recent(10);
    assert.deepEqual(recent.map((e) => e.id), ['watched', 'four secret', 'three secret']);
    assert.equal(recent[0].monitored, true);
    assert.ok(!JSON.stringify(recent.map(({ id: _id, ...rest }) => rest)).includes('secret'), 'no text in events');
    assert.match(recent[1].fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(recent[1].length, 'four secret'.length);
    const again = new RecentBlocks(3, 'key-1');
    assert.equal(again.record(event('four secret', 'block'))!.fingerprint, recent[1].fingerprint, 'same key, same fingerprint');
    const other = new RecentBlocks(3, 'key-2');
    assert.notEqual(other.record(event('four secret', 'block'))!.fingerprint, recent[1].fingerprint, 'keyed');
  });
});
