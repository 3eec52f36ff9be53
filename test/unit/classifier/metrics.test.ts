import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lengthBucket, metrics, rocAuc, thresholdAtFpr, tprAtFpr } from '../../../scanner/classifier/eval/metrics.js';

const s = (score: number, label: 0 | 1) => ({ score, label });

test('ROC AUC by ranks, ties counted half', () => {
  assert.equal(rocAuc([s(0.9, 1), s(0.1, 0)]), 1);
  assert.equal(rocAuc([s(0.1, 1), s(0.9, 0)]), 0);
  assert.equal(rocAuc([s(0.5, 1), s(0.5, 0)]), 0.5);
  assert.equal(rocAuc([s(0.5, 1)]), null);
});

test('threshold at 1% FPR lets through at most 1% of negatives', () => {
  const neg = Array.from({ length: 200 }, (_, i) => i / 200);
  const t = thresholdAtFpr(neg, 0.01);
  assert.equal(neg.filter((x) => x > t).length, 2);
  const items = [...neg.map((x) => s(x, 0)), s(0.999, 1), s(0.98, 1), s(0.5, 1)];
  assert.equal(tprAtFpr(items, 0.01), 1 / 3);
});

test('metrics at a threshold', () => {
  const m = metrics([s(0.9, 1), s(0.6, 1), s(0.4, 1), s(0.7, 0), s(0.1, 0)], 0.5);
  assert.equal(m.tpr, 2 / 3);
  assert.equal(m.fpr, 1 / 2);
  assert.equal(m.precision, 2 / 3);
  assert.ok(Math.abs(m.f1! - 2 / 3) < 1e-12);
  assert.equal(m.positives, 3);
  const onlyBenign = metrics([s(0.1, 0)], 0.5);
  assert.equal(onlyBenign.tpr, null);
  assert.equal(onlyBenign.fpr, 0);
});

test('length buckets', () => {
  assert.equal(lengthBucket(0), '<100');
  assert.equal(lengthBucket(100), '100-499');
  assert.equal(lengthBucket(1999), '500-1999');
  assert.equal(lengthBucket(10_000), '>=8000');
});
