import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupCpuQuota, detectionThreads, MAX_DEFAULT_DETECTION_THREADS, modelThreads, usableCpus } from '../../../scanner/classifier/cpu.js';
import { MicroBatcher } from '../../../scanner/classifier/batcher.js';

test('cgroup v2 and v1 CPU quotas are read; unlimited means no quota', () => {
  const v2 = mkdtempSync(join(tmpdir(), 'cg2-'));
  writeFileSync(join(v2, 'cpu.max'), '250000 100000\n');
  assert.equal(cgroupCpuQuota(v2), 2.5);
  writeFileSync(join(v2, 'cpu.max'), 'max 100000\n');
  assert.equal(cgroupCpuQuota(v2), undefined);
  const v1 = mkdtempSync(join(tmpdir(), 'cg1-'));
  mkdirSync(join(v1, 'cpu'));
  writeFileSync(join(v1, 'cpu', 'cpu.cfs_quota_us'), '100000');
  writeFileSync(join(v1, 'cpu', 'cpu.cfs_period_us'), '100000');
  assert.equal(cgroupCpuQuota(v1), 1);
  assert.equal(usableCpus(v1), 1);
  assert.equal(modelThreads({}, v1), 1);
  assert.equal(modelThreads({ PF_MODEL_THREADS: '3' }, v1), 3);
  assert.equal(detectionThreads({}, v1), 0, 'one CPU: detection on the event loop');
  assert.equal(detectionThreads({ PF_DETECTION_THREADS: '2' }, v1), 2);
  assert.equal(detectionThreads({ PF_DETECTION_THREADS: '' }, v1), 0, 'empty is unset');
  writeFileSync(join(v2, 'cpu.max'), '400000 100000\n');
  assert.equal(detectionThreads({}, v2), Math.min(MAX_DEFAULT_DETECTION_THREADS, Math.min(4, usableCpus()) - 1));
});

test('concurrent submissions share a batch; batches never exceed maxItems', async () => {
  const sizes: number[] = [];
  const b = new MicroBatcher<number, number>(
    async (xs) => {
      sizes.push(xs.length);
      await new Promise((r) => setTimeout(r, 5));
      return xs.map((x) => x * 2);
    },
    { maxItems: 8, maxWaitMs: 0, concurrency: 1 },
  );
  const out = await Promise.all(Array.from({ length: 20 }, (_, i) => b.submit(i)));
  assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => i * 2));
  assert.ok(sizes.every((n) => n <= 8));
  assert.ok(sizes.length <= 4, `batches ${sizes}`);
  assert.equal(sizes.reduce((a, n) => a + n, 0), 20);
});

test('a failing run rejects every item of its batch, and later batches still run', async () => {
  let fail = true;
  const b = new MicroBatcher<number, number>(
    async (xs) => {
      if (fail) throw new Error('boom');
      return xs;
    },
    { maxItems: 4, maxWaitMs: 0, concurrency: 1 },
  );
  await assert.rejects(Promise.all([b.submit(1), b.submit(2)]), /boom/);
  fail = false;
  assert.equal(await b.submit(3), 3);
});

test('a submission larger than a batch is split across batches and answered in order, once', async () => {
  const sizes: number[] = [];
  const b = new MicroBatcher<number, number>(
    async (xs) => {
      sizes.push(xs.length);
      return xs.map((x) => x + 100);
    },
    { maxItems: 4, maxWaitMs: 0, concurrency: 1 },
  );
  const [big, small, none] = await Promise.all([b.submitAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), b.submitAll([10, 11]), b.submitAll([])]);
  assert.deepEqual(big, [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  assert.deepEqual(small, [110, 111]);
  assert.deepEqual(none, []);
  assert.deepEqual(sizes, [4, 4, 4]);
  assert.equal(b.items, 12);

  let calls = 0;
  const failing = new MicroBatcher<number, number>(
    async (xs) => {
      if (++calls === 2) throw new Error('second batch fails');
      return xs;
    },
    { maxItems: 2, maxWaitMs: 0, concurrency: 1 },
  );
  await assert.rejects(failing.submitAll([1, 2, 3, 4, 5]), /second batch fails/);
  assert.deepEqual(await failing.submitAll([6]), [6]);
});
