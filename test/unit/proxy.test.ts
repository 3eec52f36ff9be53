import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicySchema, ProxySchema } from '../../crds/schema.js';
import { TieredCache } from '../../scanner/cache/tiered.js';
import { Canaries } from '../../scanner/canary/canary.js';
import { canaryDetector } from '../../scanner/detectors/canary.js';
import type { Detector } from '../../scanner/detectors/types.js';
import { policyVersion } from '../../scanner/policy/decide.js';
import { paramOf, promptOf, withRedactedPrompt } from '../../scanner/proxy/openai.js';
import { SseParser } from '../../scanner/proxy/sse.js';
import { StreamGuard, applyCuts } from '../../scanner/proxy/stream-guard.js';
import { upstreamError } from '../../scanner/proxy/upstream.js';
import { RequestError } from '../../scanner/scan/request.js';
import { Scanner } from '../../scanner/scan/scanner.js';

const enc = (s: string) => new TextEncoder().encode(s);
const canaries = new Canaries(Buffer.from('unit-test-canary-key-0123456789'));

// Redacts the word "secretword" (a stand-in for the PII detector) so redaction can be tested.
const word: Detector = {
  name: 'word',
  categories: ['pii'],
  views: ['text'],
  detect(input) {
    const at = input.text.indexOf('secretword');
    return at < 0 ? [] : [{ detector: 'word', category: 'pii', score: 0.9, spans: [{ start: at, end: at + 10 }], message: 'a word', view: 0, placeholder: '[WORD]' }];
  },
};

function makeScanner() {
  const policy = PolicySchema.parse({});
  return new Scanner([canaryDetector(canaries), word], new TieredCache({ enabled: true, maxEntries: 100, ttlSeconds: 60 }), () => ({ policy, version: policyVersion(policy) }));
}

const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** Feeds `pieces` one read at a time; returns what the client saw and whether it was blocked. */
async function stream(pieces: string[], opts: { interval?: number; holdBack?: number; overlap?: number } = {}) {
  const scanner = makeScanner();
  const guard = new StreamGuard({
    endpoint: 'chat',
    scanIntervalChars: opts.interval ?? 1,
    holdBackChars: opts.holdBack ?? 0,
    overlapChars: opts.overlap ?? 64,
    scan: (text) => scanner.scan({ input: text, direction: 'response' }, { skipCache: true }),
  });
  const parser = new SseParser();
  let sent = '';
  const seen = (raw: string) => {
    const data = raw.slice(6).trim();
    if (data !== '[DONE]') sent += JSON.parse(data).choices[0].delta.content ?? '';
  };
  for (const p of pieces) {
    guard.push(parser.push(enc(chunk(p))));
    const step = await guard.step();
    step.release.forEach(seen);
    if (step.blocked) return { sent, blocked: true, scans: guard.scans };
  }
  guard.push(parser.push(enc('data: [DONE]\n\n')));
  guard.push(parser.end());
  const last = await guard.step(true);
  last.release.forEach(seen);
  return { sent, blocked: Boolean(last.blocked), scans: guard.scans, verdict: guard.verdict };
}

const split = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

describe('SSE parser', () => {
  it('frames events across reads, CRLF and split UTF-8, and keeps each raw event', () => {
    const p = new SseParser();
    const bytes = enc('data: {"a":"é"}\n\n: comment\n\nevent: x\r\ndata: 1\r\ndata: 2\r\n\r\ndata: [DONE]');
    const events = [];
    for (let i = 0; i < bytes.length; i += 3) events.push(...p.push(bytes.subarray(i, i + 3)));
    events.push(...p.end());
    assert.deepEqual(
      events.map((e) => e.data),
      ['{"a":"é"}', undefined, '1\n2', '[DONE]'],
    );
    assert.equal(events[0].raw, 'data: {"a":"é"}\n\n');
    assert.equal(events[2].raw, 'event: x\r\ndata: 1\r\ndata: 2\r\n\r\n');
  });
});

describe('stream guard', () => {
  const { canary } = canaries.issue();
  const leak = `Sure. The hidden marker is ${canary} as you asked.`;

  it('passes a clean stream through unchanged, event by event', async () => {
    const r = await stream(split('A perfectly ordinary answer about the weather.', 4));
    assert.equal(r.sent, 'A perfectly ordinary answer about the weather.');
    assert.equal(r.blocked, false);
  });

  it('never sends a whole canary, even without hold-back', async () => {
    const r = await stream(split(leak, 5), { interval: 16 });
    assert.equal(r.blocked, true);
    assert.ok(!r.sent.includes(canary), r.sent);
    assert.ok(r.sent.startsWith('Sure.'));
  });

  it('with hold-back at least the token length sends no part of it', async () => {
    const r = await stream(split(leak, 5), { holdBack: 48 });
    assert.equal(r.blocked, true);
    assert.ok(!r.sent.includes('pfw-'), r.sent);
  });

  it('finds a token split across many chunks through the overlap window', async () => {
    const r = await stream(split(leak, 3), { interval: 4, overlap: 48 });
    assert.equal(r.blocked, true);
  });

  it('bounds the work: the number of scans follows the interval', async () => {
    const text = 'word '.repeat(400);
    const every = await stream(split(text, 5), { interval: 1 });
    const sparse = await stream(split(text, 5), { interval: 100 });
    assert.equal(every.scans, 400);
    assert.ok(sparse.scans <= 21, String(sparse.scans));
    assert.equal(sparse.sent, text);
  });

  it('redacts across chunk boundaries in events not yet sent', async () => {
    const r = await stream(split('Your code is secretword, keep it.', 4), { holdBack: 12 });
    assert.equal(r.sent, 'Your code is [WORD], keep it.');
    assert.equal(r.verdict, 'redact');
  });

  it('places a placeholder in the piece where the cut starts', () => {
    const text = 'abcdefghij';
    const cuts = [{ start: 2, end: 7, placeholder: '[X]' }];
    assert.deepEqual(
      [applyCuts(text, 0, 4, cuts), applyCuts(text, 4, 8, cuts), applyCuts(text, 8, 10, cuts)],
      ['ab[X]', 'h', 'ij'],
    );
  });
});

describe('OpenAI request bodies', () => {
  const limits = PolicySchema.parse({}).limits;
  const proxy = ProxySchema.parse({});
  const body = {
    model: 'm',
    messages: [
      { role: 'system', content: 'You are a bot.' },
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't', content: [{ type: 'text', text: 'tool says hi' }] },
    ],
  };

  it('scans user and tool messages, keeps the system prompt for the echo check', () => {
    const p = promptOf('chat', body, proxy, limits);
    assert.deepEqual(p.origin, [1, 3]);
    assert.deepEqual(
      p.scan!.messages!.map((m) => m.role),
      ['user', 'tool'],
    );
    assert.equal(p.systemPrompt, 'You are a bot.');
    assert.equal(paramOf('chat', p, 1), 'messages[3]');
    const withSystem = promptOf('chat', body, ProxySchema.parse({ scanSystemMessages: true }), limits);
    assert.deepEqual(withSystem.origin, [0, 1, 3]);
  });

  it('puts redacted messages back in their places, leaving the rest untouched', () => {
    const p = promptOf('chat', body, proxy, limits);
    const out = withRedactedPrompt('chat', body, p, [
      { role: 'user', content: 'h[X]' },
      { role: 'tool', content: [{ type: 'text', text: '[Y]' }] },
    ]) as typeof body;
    assert.equal(out.messages[1].content, 'h[X]');
    assert.deepEqual(out.messages[3], { role: 'tool', tool_call_id: 't', content: [{ type: 'text', text: '[Y]' }] });
    assert.equal(out.messages[2], body.messages[2]);
    assert.equal(body.messages[1].content, 'hello');
  });

  it('reads completion prompts: a string, strings, or token ids it cannot scan', () => {
    assert.deepEqual(promptOf('completions', { prompt: 'hi' }, proxy, limits).origin, [-1]);
    const many = promptOf('completions', { prompt: ['a', 'b'] }, proxy, limits);
    assert.deepEqual(withRedactedPrompt('completions', { prompt: ['a', 'b'] }, many, [{ role: 'user', content: 'a' }, { role: 'user', content: '[B]' }]), { prompt: ['a', '[B]'] });
    assert.match(promptOf('completions', { prompt: [1, 2, 3] }, proxy, limits).unscannable!, /token-id/);
    assert.throws(() => promptOf('completions', { prompt: 5 }, proxy, limits), RequestError);
  });

  it('names a malformed message in the error', () => {
    assert.throws(
      () => promptOf('chat', { messages: [{ role: 'user', content: 'ok' }, { role: 'user', content: 7 }] }, proxy, limits),
      (e: RequestError) => e.code === 'invalid_request' && e.message.startsWith('messages[1].content'),
    );
  });
});

describe('upstream errors', () => {
  it('passes OpenAI-shaped 4xx through and maps 5xx to 502', () => {
    const unauthorised = { error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key', param: null } };
    assert.deepEqual(upstreamError(401, Buffer.from(JSON.stringify(unauthorised))), { status: 401, body: unauthorised });
    const down = upstreamError(503, Buffer.from('{"error":{"message":"overloaded"}}'));
    assert.equal(down.status, 502);
    assert.deepEqual(down.body, { error: { message: 'the upstream model server answered 503: overloaded', type: 'server_error', code: 'upstream_error', param: null } });
    const html = upstreamError(404, Buffer.from('<h1>no</h1>'));
    assert.equal(html.status, 404);
    assert.equal((html.body as { error: { type: string } }).error.type, 'not_found_error');
  });
});
