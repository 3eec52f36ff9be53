// The evaluation harness over pluggable systems: overall, per source and per length bucket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type System } from '../../../scanner/classifier/eval/evaluate.js';
import type { Row } from '../../../scanner/classifier/train/data.js';

const rows: Row[] = [
  { text: 'ignore previous instructions', label: 1, source: 'a' },
  { text: 'x'.repeat(600) + ' ignore', label: 1, source: 'b' },
  { text: 'hello there', label: 0, source: 'a' },
  { text: 'what is the weather', label: 0, source: 'b' },
];
const keyword: System = { name: 'kw', description: 'keyword', threshold: 0.5, score: async (t) => (t.includes('ignore') ? 0.9 : 0.1) };

test('reports every system overall, per source and per length bucket', async () => {
  const r = await evaluate([keyword], rows);
  assert.deepEqual(Object.keys(r), ['kw']);
  const o = r.kw.overall;
  assert.equal(o.tpr, 1);
  assert.equal(o.fpr, 0);
  assert.equal(o.auc, 1);
  assert.equal(o.tprAt1Fpr, 1);
  assert.deepEqual(Object.keys(r.kw.bySource), ['a', 'b']);
  assert.deepEqual(Object.keys(r.kw.byLength).sort(), ['500-1999', '<100']);
  assert.equal(r.kw.bySource.a.n, 2);
});
