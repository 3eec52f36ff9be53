// The project-written training rows are reproducible from their banks and well formed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { composeAll, toJsonl } from '../../../scanner/classifier/train/compose.js';
import { PROJECT_DATA_DIR, projectRows } from '../../../scanner/classifier/train/data.js';

test('composing the banks is deterministic', () => {
  assert.deepEqual(composeAll(1), composeAll(1));
});

test('the committed data/*.jsonl are what the banks compose to (run compose.ts after editing a bank)', () => {
  for (const [name, rows] of Object.entries(composeAll())) assert.equal(readFileSync(PROJECT_DATA_DIR + name, 'utf8'), toJsonl(rows), name);
});

test('project rows are labelled, tagged with a project source and free of unfilled slots', () => {
  const rows = projectRows();
  assert.ok(rows.length > 1000);
  for (const r of rows) {
    assert.ok(r.source.startsWith('project:'), r.source);
    assert.ok(r.label === 0 || r.label === 1);
    assert.ok(r.text.trim().length > 0);
    assert.doesNotMatch(r.text, /\{(name|name2|company|company_domain|product|city|date|amount|number|site|name_email|user|domain|email|iban|coin|INJECT)\}/, r.text.slice(0, 80));
  }
  assert.ok(rows.some((r) => r.label === 1) && rows.some((r) => r.label === 0));
});
