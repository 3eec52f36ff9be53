// Proxy overhead on loopback: the same requests sent straight to a fake OpenAI server and through
// the firewall (a real scanner process) in front of it.
//   - whole answers: latency p50/p99 of POST /v1/chat/completions, sequential;
//   - streams: time to the first content chunk and to the end of the stream, with the default
//     stream settings and with holdBackChars=64.
// Bounded: a fixed number of requests, then it stops. Figures go to stdout and bench/results/.
//   npx tsx bench/proxy.ts [--requests 500] [--streams 100]
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { REPO_ROOT, startScanner } from '../test/harness/scanner-process.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '500' }, streams: { type: 'string', default: '100' } } });
const REQUESTS = Number(values.requests);
const STREAMS = Number(values.streams);
const WARMUP = 50;

const REPLY = 'The quick brown fox jumps over the lazy dog. '.repeat(8);
const body = (stream: boolean) =>
  JSON.stringify({
    model: stream ? 'bench-stream' : 'bench',
    stream,
    messages: [
      { role: 'system', content: 'You are a concise assistant for an online shop. Answer questions about orders and deliveries.' },
      { role: 'user', content: 'Where is my order 1234? It was supposed to arrive yesterday, and the tracking page shows nothing.' },
    ],
  });

async function whole(base: string): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body: body(false) });
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`status ${r.status}`);
  return performance.now() - t;
}

/** Time to the first event with content, and to the end of the stream. */
async function streamed(base: string): Promise<{ ttft: number; total: number }> {
  const t = performance.now();
  const r = await fetch(`${base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body: body(true) });
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let ttft = 0;
  let seen = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!ttft) {
      seen += decoder.decode(value, { stream: true });
      if (/"content":"[^"]/.test(seen)) ttft = performance.now() - t;
    }
  }
  return { ttft, total: performance.now() - t };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const stats = (xs: number[]) => ({ p50: round(quantile(xs, 0.5)), p99: round(quantile(xs, 0.99)), mean: round(xs.reduce((a, b) => a + b, 0) / xs.length) });
const round = (x: number) => Math.round(x * 1000) / 1000;

async function series<T>(n: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

// The fake model server runs in its own process, so that it does not share the client's event loop.
// 4-character chunks, 1 ms apart: a fast model (~1000 tokens/s), so that the proxy's share shows.
const scripts = { 'bench-stream': { reply: REPLY, chunkChars: 4, chunkDelayMs: 1 }, bench: { reply: REPLY } };
const fakeProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'harness', 'fake-openai.ts'), JSON.stringify(scripts)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
const loadStart = round(loadavg()[0]);
const fake = { url: (await once(createInterface({ input: fakeProcess.stdout! }), 'line'))[0] as string };
const env = { PF_PROXY_UPSTREAM: fake.url, PF_PROXY_CANARY_KEY: 'bench-canary-key-0123456789', LOG_LEVEL: 'warn', PF_SHUTDOWN_TIMEOUT_MS: '500' };
const [proxy, held] = await Promise.all([startScanner({ env }), startScanner({ env: { ...env, PF_PROXY_RESPONSE_STREAM_HOLD_BACK_CHARS: '64' } })]);
try {
  const targets = { direct: fake.url, proxy: `${proxy.url}/v1`, proxyHoldBack64: `${held.url}/v1` };
  for (const base of Object.values(targets)) {
    await series(WARMUP, () => whole(base));
    await series(10, () => streamed(base));
  }
  // Interleaved, so that both sides see the same background load.
  const wholeDirect: number[] = [];
  const wholeProxy: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    wholeDirect.push(await whole(targets.direct));
    wholeProxy.push(await whole(targets.proxy));
  }
  const streams: Record<string, { ttft: number; total: number }[]> = { direct: [], proxy: [], proxyHoldBack64: [] };
  for (let i = 0; i < STREAMS; i++) for (const [name, base] of Object.entries(targets)) streams[name].push(await streamed(base));
  const results = {
    bench: 'proxy',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    // The machine's load while the bench ran: on a shared machine the absolute figures drift with it.
    loadAverage1m: { start: loadStart, end: round(loadavg()[0]) },
    requests: REQUESTS,
    streams: STREAMS,
    replyChars: REPLY.length,
    wholeMs: { direct: stats(wholeDirect), proxy: stats(wholeProxy) },
    wholeOverheadMs: { p50: round(quantile(wholeProxy, 0.5) - quantile(wholeDirect, 0.5)), p99: round(quantile(wholeProxy, 0.99) - quantile(wholeDirect, 0.99)) },
    streamTtftMs: Object.fromEntries(Object.entries(streams).map(([k, v]) => [k, stats(v.map((s) => s.ttft))])),
    streamTotalMs: Object.fromEntries(Object.entries(streams).map(([k, v]) => [k, stats(v.map((s) => s.total))])),
  };
  const text = JSON.stringify(results, null, 2);
  process.stdout.write(`${text}\n`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench', 'results', 'proxy.json'), `${text}\n`);
} finally {
  await Promise.all([proxy.stop(), held.stop()]);
  fakeProcess.kill('SIGTERM');
}
