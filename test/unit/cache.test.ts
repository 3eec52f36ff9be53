import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TieredCache } from '../../scanner/cache/tiered.js';
import { cacheKey } from '../../scanner/cache/key.js';
import type { CacheLayer, Detection } from '../../scanner/cache/types.js';

const detection = (score: number): Detection => ({ findings: [{ detector: 't', category: 'jailbreak', score, spans: [], message: 'm' }] });
const l1 = { enabled: true, maxEntries: 2, ttlSeconds: 60 };

/** An in-memory lower tier: the tiering logic is what is under test here, not Redis. */
class MapLayer implements CacheLayer {
  readonly map = new Map<string, Detection>();
  gets = 0;
  constructor(readonly name: 'l2' | 'l3') {}
  async get(key: string) {
    this.gets++;
    return this.map.get(key);
  }
  set(key: string, value: Detection) {
    this.map.set(key, value);
  }
}

describe('cache key', () => {
  it('depends on text, direction, policy and model versions', () => {
    const base = cacheKey('hello', 'prompt', 'p1', 'm1');
    assert.equal(base, cacheKey('hello', 'prompt', 'p1', 'm1'));
    for (const other of [cacheKey('hello!', 'prompt', 'p1', 'm1'), cacheKey('hello', 'response', 'p1', 'm1'), cacheKey('hello', 'prompt', 'p2', 'm1'), cacheKey('hello', 'prompt', 'p1', 'm2')])
      assert.notEqual(other, base);
  });
});

describe('tiered cache', () => {
  it('computes on a miss, then serves L1', async () => {
    const c = new TieredCache(l1);
    let computed = 0;
    const r = await c.resolve('k', async () => (computed++, detection(0.5)));
    assert.equal(r.source, 'miss');
    assert.equal(c.peek('k')?.findings[0].score, 0.5);
    assert.equal(computed, 1);
    assert.equal(c.stats.hits.l1, 1);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const c = new TieredCache(l1);
    for (const k of ['a', 'b']) await c.resolve(k, async () => detection(0.1));
    c.peek('a');
    await c.resolve('c', async () => detection(0.1));
    assert.ok(c.peek('a'));
    assert.equal(c.peek('b'), undefined);
  });

  it('expires entries after the TTL', async () => {
    const c = new TieredCache({ enabled: true, maxEntries: 10, ttlSeconds: 1 });
    await c.resolve('k', async () => detection(0.1));
    assert.ok(c.peek('k'));
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(c.peek('k'), undefined);
  });

  it('shares one computation between concurrent identical lookups', async () => {
    const c = new TieredCache(l1);
    let computed = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const compute = async () => {
      computed++;
      await gate;
      return detection(0.7);
    };
    const all = Promise.all([c.resolve('k', compute), c.resolve('k', compute), c.resolve('k', compute)]);
    release();
    const results = await all;
    assert.equal(computed, 1);
    assert.equal(c.stats.shared, 2);
    assert.ok(results.every((r) => r.value.findings[0].score === 0.7));
  });

  it('promotes a lower-tier hit to the faster tiers', async () => {
    const l2 = new MapLayer('l2');
    const l3 = new MapLayer('l3');
    l3.map.set('k', detection(0.9));
    const c = new TieredCache(l1, [l2, l3]);
    const r = await c.resolve('k', async () => assert.fail('must not compute'));
    assert.equal(r.source, 'l3');
    assert.ok(l2.map.has('k'));
    assert.ok(c.peek('k'));
  });

  it('fills every tier after a computation, but never caches a detection with errors', async () => {
    const l2 = new MapLayer('l2');
    const c = new TieredCache(l1, [l2]);
    await c.resolve('ok', async () => detection(0.2));
    assert.ok(l2.map.has('ok'));
    await c.resolve('bad', async () => ({ findings: [], errors: [{ detector: 'm', code: 'detector_timeout' as const, message: 'x' }] }));
    assert.equal(l2.map.has('bad'), false);
    assert.equal(c.peek('bad'), undefined);
  });

  it('can be disabled', async () => {
    const c = new TieredCache({ ...l1, enabled: false });
    await c.resolve('k', async () => detection(0.2));
    assert.equal(c.peek('k'), undefined);
  });
});
