import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicySchema, type Category } from '../../crds/schema.js';
import { decide, policyVersion } from '../../scanner/policy/decide.js';
import { redact } from '../../scanner/policy/redact.js';
import type { Finding } from '../../scanner/detectors/types.js';

const f = (category: Category, score: number, spans: Array<[number, number]> = [], placeholder?: string): Finding => ({
  detector: 'test',
  category,
  score,
  spans: spans.map(([start, end]) => ({ start, end })),
  message: 'test finding',
  placeholder,
});

describe('policy: decide', () => {
  const policy = PolicySchema.parse({});

  it('allows when nothing reaches a threshold', () => {
    const d = decide(policy, [f('prompt_injection', 0.49), f('pii', 0.5)]);
    assert.equal(d.verdict, 'allow');
    assert.equal(d.score, 0.5);
    assert.deepEqual(d.triggered, []);
  });

  it('takes the most severe triggered action', () => {
    assert.equal(decide(policy, [f('invisible_text', 0.9)]).verdict, 'flag');
    assert.equal(decide(policy, [f('invisible_text', 0.9), f('pii', 0.9)]).verdict, 'redact');
    assert.equal(decide(policy, [f('pii', 0.9), f('prompt_injection', 0.5)]).verdict, 'block');
  });

  it('uses the highest score per category', () => {
    const d = decide(policy, [f('secret', 0.2), f('secret', 0.95)]);
    assert.equal(d.categories.secret, 0.95);
    assert.equal(d.verdict, 'block');
  });

  it('honours per-category thresholds and actions', () => {
    const custom = PolicySchema.parse({ categories: { prompt_injection: { threshold: 0.9, action: 'flag' }, pii: { action: 'allow' } } });
    assert.equal(decide(custom, [f('prompt_injection', 0.8)]).verdict, 'allow');
    assert.equal(decide(custom, [f('prompt_injection', 0.95)]).verdict, 'flag');
    assert.equal(decide(custom, [f('pii', 1)]).verdict, 'allow');
  });

  it('never blocks or redacts in monitor mode, but says what enforce would do', () => {
    const monitor = PolicySchema.parse({ mode: 'monitor' });
    const blocked = decide(monitor, [f('prompt_injection', 0.99)]);
    assert.equal(blocked.verdict, 'flag');
    assert.equal(blocked.policyVerdict, 'block');
    const redacted = decide(monitor, [f('pii', 0.99, [[0, 3]])]);
    assert.equal(redacted.verdict, 'flag');
    assert.deepEqual(redacted.redact, []);
  });

  it('applies the fail mode when a detector failed', () => {
    const err = [{ detector: 'classifier', code: 'detector_timeout' as const, message: 'slow' }];
    assert.equal(decide(PolicySchema.parse({ failMode: 'closed' }), [], err).verdict, 'block');
    const open = decide(PolicySchema.parse({ failMode: 'open' }), [], err);
    assert.equal(open.verdict, 'flag');
    assert.equal(open.failure?.failMode, 'open');
    // A real finding still wins over an open fail mode.
    assert.equal(decide(PolicySchema.parse({ failMode: 'open' }), [f('secret', 0.99)], err).verdict, 'block');
  });

  it('redacts only findings of redact categories at or above their threshold', () => {
    const email = f('pii', 0.9, [[0, 5]], '[EMAIL]');
    const weak = f('pii', 0.5, [[6, 9]], '[PHONE]');
    const d = decide(policy, [email, weak, f('invisible_text', 0.9)]);
    assert.equal(d.verdict, 'redact');
    assert.deepEqual(d.redact, [email]);
  });
});

describe('policy: redact', () => {
  it('replaces spans with placeholders, merging overlaps', () => {
    const text = 'mail a@b.co or call +1 555 0100 now';
    const out = redact(text, [f('pii', 1, [[5, 11]], '[EMAIL]'), f('pii', 1, [[20, 31]], '[PHONE]'), f('pii', 1, [[22, 25]], '[X]')]);
    assert.equal(out, 'mail [EMAIL] or call [PHONE] now');
  });

  it('falls back to the category name and ignores empty spans', () => {
    assert.equal(redact('abc', [f('secret', 1, [[0, 1], [2, 2]])]), '[SECRET]bc');
  });
});

describe('policy: version', () => {
  it('is stable under key order and changes with content', () => {
    const a = PolicySchema.parse({ mode: 'monitor' });
    const reversed = (v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    const b = reversed(a);
    assert.notEqual(JSON.stringify(a), JSON.stringify(b));
    assert.equal(policyVersion(a), policyVersion(b));
    assert.notEqual(policyVersion(a), policyVersion(PolicySchema.parse({})));
  });
});
