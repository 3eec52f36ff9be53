// A fake OpenAI-compatible model server on loopback, for the proxy's tests and bench. It answers
// /v1/chat/completions (streamed or not), /v1/completions and /v1/models. What it answers is
// scripted per model name, so tests never interfere; everything it receives is recorded.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import express from 'express';

export interface Script {
  /** The assistant's text (default "Hello from upstream."). */
  reply?: string;
  /** Streamed answers: characters per SSE chunk (default 5) and pause between chunks. */
  chunkChars?: number;
  chunkDelayMs?: number;
  /** Wait this long before answering at all. */
  delayMs?: number;
  /** Answer this status with this JSON body instead. */
  status?: number;
  errorBody?: unknown;
  /** Close the connection without answering. */
  hangUp?: boolean;
  /** Streams: after this many chunks go silent (for idle timeouts), or stream forever. */
  stallAfterChunks?: number;
  endless?: boolean;
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** Set once the answer ends: true when the client went away first. */
  aborted?: boolean;
}

export interface FakeUpstream {
  /** Base URL, as an OpenAI client's baseURL: http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  received: Received[];
  script(model: string, script: Script): void;
  /** Stops listening and drops every connection (the upstream is down) … */
  stop(): Promise<void>;
  /** … and comes back on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export async function startFakeUpstream(port = 0): Promise<FakeUpstream> {
  const scripts = new Map<string, Script>();
  const received: Received[] = [];
  const app = express();
  app.use(express.json({ limit: '10mb' }));

  app.get('/v1/models', (req, res) => {
    received.push({ method: 'GET', path: req.path, headers: req.headers, body: undefined });
    res.setHeader('x-request-id', 'upstream-models');
    res.json({ object: 'list', data: [{ id: 'fake-model', object: 'model', created: 1700000000, owned_by: 'fake' }] });
  });

  app.get('/v1/models/*id', (req, res) => {
    received.push({ method: 'GET', path: req.path, headers: req.headers, body: undefined });
    const id = (req.params as { id: string[] }).id.join('/');
    res.json({ id, object: 'model', created: 1700000000, owned_by: 'fake' });
  });

  const answer = (kind: 'chat' | 'completions') => async (req: express.Request, res: express.Response) => {
    const rec: Received = { method: 'POST', path: req.path, headers: req.headers, body: req.body };
    received.push(rec);
    const gone = new AbortController();
    res.on('close', () => {
      rec.aborted = !res.writableFinished;
      gone.abort();
    });
    const s = scripts.get(req.body?.model) ?? {};
    if (s.delayMs) await sleep(s.delayMs, gone.signal);
    if (gone.signal.aborted) return;
    if (s.hangUp) return void req.socket.destroy();
    if (s.status) return void res.status(s.status).json(s.errorBody ?? { error: { message: 'fake failure', type: 'server_error', code: null, param: null } });
    const text = s.reply ?? 'Hello from upstream.';
    const id = kind === 'chat' ? 'chatcmpl-fake' : 'cmpl-fake';
    const object = kind === 'chat' ? 'chat.completion' : 'text_completion';
    const base = { id, created: 1700000000, model: req.body.model };
    res.setHeader('x-request-id', `upstream-${received.length}`);
    res.setHeader('openai-processing-ms', '7');
    if (!req.body.stream) {
      const choice = kind === 'chat' ? { index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null } : { index: 0, text, finish_reason: 'stop', logprobs: null };
      return void res.json({ ...base, object, choices: [choice], usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } });
    }
    res.setHeader('content-type', 'text/event-stream');
    res.setHeader('cache-control', 'no-cache');
    res.flushHeaders();
    const event = (piece: Record<string, unknown>, finish: string | null = null) => {
      const choice = kind === 'chat' ? { index: 0, delta: piece, finish_reason: finish, logprobs: null } : { index: 0, text: piece.content ?? '', finish_reason: finish, logprobs: null };
      res.write(`data: ${JSON.stringify({ ...base, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', choices: [choice] })}\n\n`);
    };
    if (kind === 'chat') event({ role: 'assistant', content: '' });
    const size = s.chunkChars ?? 5;
    for (let i = 0, n = 0; s.endless || i < text.length; i += size, n++) {
      if (gone.signal.aborted) return;
      if (s.stallAfterChunks !== undefined && n === s.stallAfterChunks) return void (await sleep(60_000, gone.signal));
      event({ content: s.endless ? `tick ${n} ` : text.slice(i, i + size) });
      if (s.chunkDelayMs || s.endless) await sleep(s.chunkDelayMs ?? 20, gone.signal);
    }
    event({}, 'stop');
    res.end('data: [DONE]\n\n');
  };
  app.post('/v1/chat/completions', answer('chat'));
  app.post('/v1/completions', answer('completions'));

  let server: Server;
  const sockets = new Set<Socket>();
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer(app);
      server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve());
    });
  await listen(port);
  const bound = (server!.address() as AddressInfo).port;
  const stop = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    port: bound,
    received,
    script: (model, script) => void scripts.set(model, script),
    stop,
    start: () => listen(bound),
    close: stop,
  };
}

// Run on its own (the proxy bench does, so that the fake does not share the client's event loop):
//   node --import tsx test/harness/fake-openai.ts '{"model": {script}}'   prints its base URL
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startFakeUpstream();
  for (const [model, script] of Object.entries(JSON.parse(process.argv[2] ?? '{}') as Record<string, Script>)) fake.script(model, script);
  process.stdout.write(`${fake.url}\n`);
  process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
}
