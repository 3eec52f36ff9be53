import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../../scanner/cache/disk.js';
import type { Detection } from '../../scanner/cache/types.js';

const detection = (score: number): Detection => ({ findings: [{ detector: 'd', category: 'pii', score, spans: [{ start: 0, end: 3 }], message: 'm' }] });

describe('disk cache (L3)', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'pf-l3-'));

  it('serves what it stored, also after reopening (a restarted container keeps its emptyDir)', async () => {
    const d = dir();
    const a = new DiskCache({ dir: d, ttlSeconds: 60, maxEntries: 100, sizeLimitBytes: 64 << 20 });
    a.set('k', detection(0.5));
    await a.flush();
    assert.deepEqual(await a.get('k'), detection(0.5));
    assert.equal(await a.get('other'), undefined);
    await a.close();
    const b = new DiskCache({ dir: d, ttlSeconds: 60, maxEntries: 100, sizeLimitBytes: 64 << 20 });
    assert.deepEqual(await b.get('k'), detection(0.5));
    assert.deepEqual(b.stats, { hits: 1, misses: 0, errors: 0, expired: 0, evicted: 0 });
    await b.close();
    rmSync(d, { recursive: true, force: true });
  });

  it('expires entries after the TTL and evicts the oldest beyond maxEntries', async () => {
    let now = 1_000_000;
    const d = dir();
    const c = new DiskCache({ dir: d, ttlSeconds: 10, maxEntries: 100, sizeLimitBytes: 64 << 20, now: () => now });
    for (let i = 0; i < 150; i++) {
      now++;
      c.set(`k${i}`, detection(0.1));
    }
    await c.sweep();
    await c.sweep();
    assert.ok(c.size <= 100, `size ${c.size}`);
    assert.equal(await c.get('k0'), undefined, 'the oldest went first');
    assert.ok(await c.get('k149'));
    assert.ok(c.stats.evicted >= 50);
    now += 20_000;
    assert.equal(await c.get('k149'), undefined, 'expired entries are misses at once');
    await c.sweep();
    assert.equal(c.size, 0);
    assert.ok(c.stats.expired > 0);
    await c.close();
    rmSync(d, { recursive: true, force: true });
  });

  it('keeps an entry rewritten after its first expiry was queued', async () => {
    let now = 0;
    const d = dir();
    const c = new DiskCache({ dir: d, ttlSeconds: 10, maxEntries: 100, sizeLimitBytes: 64 << 20, now: () => now });
    c.set('k', detection(0.1));
    now = 5000;
    c.set('k', detection(0.2));
    await c.sweep();
    now = 12_000; // past the first expiry, before the second
    await c.sweep();
    assert.deepEqual(await c.get('k'), detection(0.2));
    await c.close();
    rmSync(d, { recursive: true, force: true });
  });
});
