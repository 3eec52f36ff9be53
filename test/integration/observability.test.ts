// A real scanner process: /metrics in the Prometheus text format with route/status/verdict labels,
// the dashboard's data, and logs that carry request ids but never the scanned text.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startScanner, type ScannerProcess } from '../harness/scanner-process.js';
import { waitFor } from '../harness/servers.js';

const SECRET_TEXT = 'zebra-quokka-platypus';

describe('observability of a running scanner', () => {
  let s: ScannerProcess;
  before(async () => {
    // One detection thread whatever the machine: the model's counters come from it.
    s = await startScanner({ env: { LOG_LEVEL: 'debug', PF_POLICY_CATEGORIES_INVISIBLE_TEXT_ACTION: 'block', PF_DETECTION_THREADS: '1' } });
    const scan = (input: string, id: string) =>
      fetch(`${s.url}/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify({ input }) });
    await scan(`${SECRET_TEXT} allowed`, 'req-allowed');
    await scan(`${SECRET_TEXT}\u200b blocked`, 'req-blocked');
    await fetch(`${s.url}/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input": 1}' });
  });
  after(async () => {
    await s?.stop();
  });

  it('serves Prometheus metrics with route, status and verdict labels', async () => {
    const r = await fetch(`${s.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    assert.match(text, /promptfirewall_http_request_duration_seconds_count\{route="\/v1\/scan",method="POST",status="200",verdict="block"\} 1/);
    assert.match(text, /promptfirewall_http_request_duration_seconds_count\{route="\/v1\/scan",method="POST",status="400",verdict="none"\} 1/);
    assert.match(text, /promptfirewall_http_request_duration_seconds_bucket\{le="0\.0001",/);
    assert.match(text, /promptfirewall_scans_total\{verdict="allow",direction="prompt",cache="miss"\} 1/);
    // The built-in model's batches, counted in the detection thread: two scans, each at least one window.
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.ok(sample('promptfirewall_model_batches_total') >= 1, 'model batches');
    assert.ok(sample('promptfirewall_model_items_total') >= 2, 'model windows');
    assert.equal(sample('promptfirewall_model_batch_size_count'), sample('promptfirewall_model_batches_total'));
    assert.match(text, /^promptfirewall_model_inference_seconds_bucket\{le="0\.001"\} \d+/m);
    assert.equal(sample('promptfirewall_model_queue_depth'), 0);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m);
  });

  it('serves the dashboard data: window, events without text', async () => {
    const d = await waitFor(async () => {
      const body = (await (await fetch(`${s.url}/v1/dashboard/data`)).json()) as { summary: { scans: number }; events: Array<{ reqId?: string; id: string }> };
      return body.summary.scans >= 2 && body;
    }, 5000, 'scans in the window');
    assert.equal(d.events.length, 1);
    assert.equal(d.events[0].id, 'req-blocked');
    assert.ok(!JSON.stringify(d).includes(SECRET_TEXT));
  });

  it('logs each request at debug and each blocked scan at info, with ids and never the text', async () => {
    const lines = await waitFor(async () => {
      const l = s.logs().split('\n').filter((x) => x.startsWith('{')).map((x) => JSON.parse(x) as Record<string, unknown>);
      return l.some((x) => x.msg === 'request' && x.reqId === 'req-blocked') && l;
    }, 5000, 'the request log line');
    const request = lines.find((x) => x.msg === 'request' && x.reqId === 'req-blocked')!;
    assert.equal(request.level, 20);
    assert.equal(request.route, '/v1/scan');
    assert.equal(request.status, 200);
    assert.equal(request.verdict, 'block');
    assert.equal(typeof request.ms, 'number');
    const blocked = lines.find((x) => x.msg === 'scan blocked')!;
    assert.equal(blocked.level, 30);
    assert.equal(blocked.reqId, 'req-blocked');
    assert.match(String(blocked.fingerprint), /^[0-9a-f]{16}$/);
    assert.ok(!s.logs().includes(SECRET_TEXT), 'the scanned text never reaches the logs');
  });
});
