// Traces: spans collected in-process (InMemorySpanExporter) must form the tree of the data path,
// and a real scanner process configured only by OTEL_* variables must export to an OTLP endpoint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { tracing as sdk } from '@opentelemetry/sdk-node';
import { Firewall } from '../../scanner/firewall.js';
import { serve, type RunningServer } from '../../scanner/http/server.js';
import { Observability } from '../../scanner/observability/observability.js';
import { startTracing, stopTracing, tracingRequested, withSpan, NOOP_SPAN } from '../../scanner/observability/tracing.js';
import { startScanner } from '../harness/scanner-process.js';
import { waitFor } from '../harness/servers.js';

describe('tracing configuration', () => {
  it('is off unless the environment names an exporter or an OTLP endpoint', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_SERVICE_NAME: 'x' }), false);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none' }), false);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'console,otlp' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }), false);
  });

  it('withSpan is a passthrough while tracing is off', async () => {
    assert.equal(withSpan('x', (span) => (assert.equal(span, NOOP_SPAN), 42)), 42);
    assert.equal(await withSpan('y', async () => 'done'), 'done');
    assert.throws(() => withSpan('z', () => { throw new Error('boom'); }), /boom/);
  });
});

describe('spans of a scan request', () => {
  const exporter = new sdk.InMemorySpanExporter();
  // Detectors on the event loop, and in a detection thread (whose timings become spans here).
  const servers: RunningServer[] = [];
  before(async () => {
    assert.equal(await startTracing({ env: {}, spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] }), true);
    for (const detectionThreads of [0, 1]) {
      const fw = await Firewall.create({ env: { PF_POLICY_CATEGORIES_INVISIBLE_TEXT_ACTION: 'block' }, detectionThreads });
      const log = pino({ level: 'silent' });
      const obs = new Observability(fw, log, { processMetrics: false });
      servers.push(await serve(fw, log, { port: 0, host: '127.0.0.1', routes: obs.routes(), middleware: [obs.middleware] }));
    }
  });
  after(async () => {
    for (const s of servers) await s.shutdown();
    await stopTracing();
  });

  for (const [i, where] of ['on the event loop', 'in a detection thread'].entries())
    it(`nests normalise, cache and detector spans under scan under the request, continuing the caller trace (detectors ${where})`, async () => {
      const traceId = `4bf92f3577b34da6a3ce929d0e0e473${i}`;
      const r = await fetch(`${servers[i].url}/v1/scan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        body: JSON.stringify({ input: 'hidden\u200bword' }),
      });
      assert.equal(((await r.json()) as { verdict: string }).verdict, 'block');
      const spans = await waitFor(async () => {
        const s = exporter.getFinishedSpans().filter((x) => x.spanContext().traceId === traceId);
        return s.some((x) => x.name === 'POST /v1/scan') && s;
      }, 5000, 'the request span');
      const byName = (name: string) => {
        const found = spans.filter((s) => s.name === name);
        assert.equal(found.length, 1, `one ${name} span, got ${spans.map((s) => s.name).join(', ')}`);
        return found[0];
      };
      const parentOf = (name: string) => byName(name).parentSpanContext?.spanId;
      const request = byName('POST /v1/scan');
      assert.equal(request.parentSpanContext?.spanId, '00f067aa0ba902b7', 'the caller span is the parent');
      assert.equal(request.attributes['http.route'], '/v1/scan');
      assert.equal(request.attributes['http.response.status_code'], 200);
      assert.equal(request.attributes['promptfirewall.verdict'], 'block');
      const scan = byName('scan');
      assert.equal(parentOf('scan'), request.spanContext().spanId);
      for (const child of ['normalise', 'cache.l1', 'cache.lookup', 'detector.invisible']) assert.equal(parentOf(child), scan.spanContext().spanId, child);
      assert.equal(parentOf('detect'), byName('cache.lookup').spanContext().spanId);
      const cachedDetectors = spans.filter((x) => x.name.startsWith('detector.') && x.parentSpanContext?.spanId === byName('detect').spanContext().spanId);
      assert.deepEqual(cachedDetectors.map((x) => x.name).sort(), ['detector.adversarial-suffix', 'detector.canary', 'detector.classifier', 'detector.pii', 'detector.rules', 'detector.secrets'].sort());
      const batch = byName('model.batch');
      assert.equal(parentOf('model.batch'), byName('detector.classifier').spanContext().spanId, 'the model batch is under the classifier');
      assert.ok(Number(batch.attributes['promptfirewall.model.batch_size']) >= 1);
      const t = (x: { startTime: [number, number] }) => x.startTime[0] * 1e3 + x.startTime[1] / 1e6;
      assert.ok(t(batch) >= t(byName('detect')) - 1, 'timed inside the detection');
      assert.equal(byName('cache.l1').attributes['promptfirewall.cache.hit'], false);
      assert.equal(scan.attributes['promptfirewall.cache'], 'miss');
    });

  it('ends a span when the promise settles and records a failure', async () => {
    exporter.reset();
    await assert.rejects(
      withSpan('outer', () => withSpan('inner', async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('model crashed');
      })),
      /model crashed/,
    );
    const inner = exporter.getFinishedSpans().find((s) => s.name === 'inner')!;
    const outer = exporter.getFinishedSpans().find((s) => s.name === 'outer')!;
    assert.equal(inner.parentSpanContext?.spanId, outer.spanContext().spanId);
    assert.equal(inner.status.code, 2);
    assert.equal(inner.events[0]?.name, 'exception');
  });
});

describe('a scanner process configured by OTEL_* variables', () => {
  let collector: Server;
  const received: Array<{ path: string; body: string }> = [];
  before(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });
  after(() => collector.close());

  it('exports request spans over OTLP/HTTP to the configured endpoint', async () => {
    const port = (collector.address() as { port: number }).port;
    const s = await startScanner({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'pf-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        PF_AUDIT_ENABLED: 'true', // the embedded store: its batches are traced too
      },
    });
    try {
      await fetch(`${s.url}/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hello' }) });
      const trace = await waitFor(async () => received.find((r) => r.path === '/v1/traces' && r.body.includes('POST /v1/scan')), 15_000, 'an OTLP export');
      assert.match(trace.body, /pf-under-test/);
      // The batch processor may export a request's spans in more than one batch (a busy machine
      // misses the 100 ms schedule): look at every export so far.
      const all = received.filter((r) => r.path === '/v1/traces').map((r) => r.body).join('\n');
      assert.match(all, /"name":"normalise"/);
      // The audit log writes its batch in a trace of its own.
      const flush = await waitFor(async () => {
        const bodies = received.filter((r) => r.path === '/v1/traces').map((r) => r.body).join('\n');
        return /"name":"audit\.flush"/.test(bodies) && bodies;
      }, 60_000, 'an audit.flush span');
      assert.match(flush, /promptfirewall\.audit\.records/);
      assert.match(s.logs(), /"tracing":true/);
    } finally {
      await s.stop();
    }
  });
});
