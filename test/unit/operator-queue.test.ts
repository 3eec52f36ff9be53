import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RateLimiter, WorkQueue } from '../../operator/queue.js';
import { readFlags } from '../../operator/flags.js';
import { CHART_RBAC_FILE, clusterRules, RBAC_FILE, renderChartRbacTpl, renderRbacYaml } from '../../operator/rbac.js';
import { CHILD_KINDS } from '../../operator/desired/kinds.js';

describe('operator work queue', () => {
  it('queues a key once, and processes a key re-added while in flight again afterwards, never concurrently', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(q.length, 2);
    const first = await q.get();
    assert.equal(first, 'a');
    q.add('a'); // changed while processing
    assert.equal(q.length, 1, 'not queued while in flight');
    assert.equal(await q.get(), 'b');
    q.done('b');
    q.done('a');
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
  });

  it('a waiting worker gets a key added later; shutdown releases waiting workers', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    const idle = q.get();
    q.add('y');
    q.done('x');
    q.add('z');
    q.shutDown();
    assert.equal(await idle, 'y');
    assert.equal(await q.get(), undefined, 'no new work after shutdown');
  });

  it('addAfter delivers later; an earlier pending delay wins', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 30);
    q.addAfter('k', 5_000);
    assert.equal(q.length, 0);
    const t0 = Date.now();
    assert.equal(await q.get(), 'k');
    assert.ok(Date.now() - t0 < 1000);
  });

  it('rate limiter: exponential per-key backoff up to the cap, reset by forget, plus an overall bucket', () => {
    const r = new RateLimiter({ baseDelayMs: 100, maxDelayMs: 1000, qps: 1000, burst: 1000 });
    assert.deepEqual([r.when('a'), r.when('a'), r.when('a'), r.when('a'), r.when('a')], [100, 200, 400, 800, 1000]);
    assert.equal(r.when('b'), 100, 'keys back off independently');
    r.forget('a');
    assert.equal(r.when('a'), 100);
    const slow = new RateLimiter({ baseDelayMs: 1, qps: 10, burst: 2 });
    const now = Date.now();
    const delays = [slow.when('x', now), slow.when('y', now), slow.when('z', now)];
    assert.deepEqual(delays.slice(0, 2), [1, 1]);
    assert.ok(Math.abs(delays[2] - 100) < 1, `third retry waits for a token: ${delays[2]}`);
  });
});

describe('operator flags and RBAC', () => {
  it('flags win over environment variables, which win over defaults', () => {
    const f = readFlags(['--namespaces', 'a,b'], { PF_OPERATOR_NAMESPACES: 'c', PF_OPERATOR_WORKERS: '8' });
    assert.equal(f.namespaces, 'a,b');
    assert.equal(f.workers, '8');
    assert.equal(f['leader-elect'], 'true');
    assert.equal(f['lease-duration'], '15');
  });

  it('deploy/rbac/operator.yaml is generated from operator/rbac.ts (run `npm run rbac` if this fails)', () => {
    assert.equal(readFileSync(RBAC_FILE, 'utf8'), renderRbacYaml());
  });

  it("the Helm chart's templates/_rbac-rules.tpl is generated from operator/rbac.ts (run `npm run rbac` if this fails)", () => {
    assert.equal(readFileSync(CHART_RBAC_FILE, 'utf8'), renderChartRbacTpl());
  });

  it('grants every child kind; on Secrets only get and create (the keys Secret), never list, watch or change', () => {
    const rules = clusterRules();
    for (const k of CHILD_KINDS) assert.ok(rules.some((r) => r.apiGroups.includes(k.group) && r.resources.includes(k.plural) && r.verbs.includes('patch')), k.kind);
    const secretVerbs = rules.filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets')).flatMap((r) => r.verbs);
    assert.deepEqual(secretVerbs.sort(), ['create', 'get']);
    assert.ok(!rules.some((r) => r.verbs.includes('*') || r.resources.includes('*')));
  });
});
