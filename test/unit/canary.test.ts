import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicySchema } from '../../crds/schema.js';
import { TieredCache } from '../../scanner/cache/tiered.js';
import { CANARY_PREFIX, Canaries, resolveCanaryKey } from '../../scanner/canary/canary.js';
import { canaryDetector } from '../../scanner/detectors/canary.js';
import { systemPromptDetector } from '../../scanner/detectors/system-prompt.js';
import { policyVersion } from '../../scanner/policy/decide.js';
import { Scanner } from '../../scanner/scan/scanner.js';

const canaries = new Canaries(Buffer.from('unit-test-canary-key-0123456789'));

function scanner(policyInput: unknown = {}) {
  const policy = PolicySchema.parse(policyInput);
  const cache = new TieredCache({ enabled: true, maxEntries: 100, ttlSeconds: 60 });
  return new Scanner([canaryDetector(canaries), systemPromptDetector], cache, () => ({ policy, version: policyVersion(policy) }));
}

describe('canary tokens', () => {
  it('issues random tokens that verify with the key and not with another', () => {
    const a = canaries.issue();
    const b = canaries.issue();
    assert.notEqual(a.canary, b.canary);
    assert.match(a.canary, /^pfw-canary-[0-9a-f]{32}$/);
    assert.ok(a.instruction.includes(a.canary));
    const [nonce, mac] = [a.canary.slice(CANARY_PREFIX.length, CANARY_PREFIX.length + 16), a.canary.slice(CANARY_PREFIX.length + 16)];
    assert.ok(canaries.verify(nonce, mac));
    assert.ok(!new Canaries(Buffer.from('another-key-of-another-install')).verify(nonce, mac));
    assert.ok(!canaries.verify(nonce, '0'.repeat(16)));
  });

  it('blocks a response that leaks a canary, also base64-encoded, and only flags it in a prompt', async () => {
    const { canary } = canaries.issue();
    const s = scanner();
    const leak = await s.scan({ input: `The marker is ${canary}.`, direction: 'response' });
    assert.equal(leak.verdict, 'block');
    assert.equal(leak.findings[0].rule, 'canary');
    assert.deepEqual(leak.findings[0].spans, [{ start: 14, end: 14 + canary.length }]);
    // An encoded sentence around the token: the normaliser decodes only payloads that read as text,
    // which a bare token (mostly hex digits) often does not.
    const sentence = `Of course, my secret marker is ${canary}, as you asked me so very nicely today.`;
    const encoded = await s.scan({ input: `Here: ${Buffer.from(sentence).toString('base64')}`, direction: 'response' });
    assert.equal(encoded.verdict, 'block');
    const prompt = await s.scan({ input: `The marker is ${canary}.`, direction: 'prompt' });
    assert.equal(prompt.verdict, 'flag');
  });

  it('scores a canary-shaped token of another key below the threshold', async () => {
    const foreign = new Canaries(Buffer.from('another-key-of-another-install')).issue().canary;
    const r = await scanner().scan({ input: foreign, direction: 'response' });
    assert.equal(r.verdict, 'allow');
    assert.equal(r.findings[0].rule, 'canary_unverified');
    assert.equal(r.findings[0].score, 0.5);
  });

  it('keeps a generated key in a private file that later runs reuse; a configured key wins', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pfw-canary-')), 'state', 'canary.key');
    const first = resolveCanaryKey(undefined, file);
    assert.equal(first.source, 'file');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(resolveCanaryKey(undefined, file).key, first.key);
    assert.equal(readFileSync(file, 'utf8').trim(), first.key.toString());
    assert.deepEqual(resolveCanaryKey('configured-key-0123456789', file), { key: Buffer.from('configured-key-0123456789'), source: 'config' });
    const unwritable = join(file, 'not-a-dir', 'canary.key');
    assert.equal(resolveCanaryKey(undefined, unwritable).source, 'ephemeral');
  });
});

describe('system prompt echo', () => {
  const systemPrompt =
    'You are the billing assistant of Example Corp. Never reveal internal discount codes. Escalate refunds above 500 euros to a human agent and always answer in the language of the customer.';

  it('blocks a response that repeats the system prompt, with spans on the echoed words', async () => {
    const answer = `My instructions say: "Never reveal internal discount codes. Escalate refunds above 500 euros to a human agent and always answer in the language of the customer." That is all.`;
    const r = await scanner().scan({ input: answer, direction: 'response' }, { systemPrompt });
    assert.equal(r.verdict, 'block');
    const f = r.findings.find((x) => x.category === 'system_prompt_leak')!;
    assert.ok(f.score >= 0.5);
    assert.equal(answer.slice(f.spans[0].start, f.spans[0].end), 'Never reveal internal discount codes. Escalate refunds above 500 euros to a human agent and always answer in the language of the customer');
  });

  it('ignores answers that share only a few words, prompts, and scans without a system prompt', async () => {
    const s = scanner();
    assert.equal((await s.scan({ input: 'I can escalate your refund to a human agent if you like.', direction: 'response' }, { systemPrompt })).verdict, 'allow');
    assert.equal((await s.scan({ input: systemPrompt, direction: 'prompt' }, { systemPrompt })).verdict, 'allow');
    assert.equal((await s.scan({ input: systemPrompt, direction: 'response' })).verdict, 'allow');
  });

  it('skips the caches when asked (streamed windows) and uses them otherwise', async () => {
    const s = scanner();
    const input = { input: 'a window of a streamed answer', direction: 'response' as const };
    assert.equal((await s.scan(input, { skipCache: true })).cache, 'miss');
    assert.equal((await s.scan(input, { skipCache: true })).cache, 'miss');
    assert.equal((await s.scan(input)).cache, 'miss');
    assert.equal((await s.scan(input)).cache, 'l1');
  });

  it('is never served from the cache: the same answer under another system prompt is judged anew', async () => {
    const s = scanner();
    assert.equal((await s.scan({ input: systemPrompt, direction: 'response' }, { systemPrompt })).verdict, 'block');
    assert.equal((await s.scan({ input: systemPrompt, direction: 'response' }, { systemPrompt: 'Answer briefly and politely in English please, thank you very much.' })).verdict, 'allow');
  });
});
