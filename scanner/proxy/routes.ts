// The OpenAI-compatible routes: scan the request, forward it to proxy.upstream, scan the answer —
// whole, or chunk by chunk for a stream — and pass it back. Every error has OpenAI's shape.
// The configuration is read per request, so a reloaded policy or upstream applies at once.
import { once } from 'node:events';
import type { Request, RequestHandler, Response } from 'express';
import type { Firewall } from '../firewall.js';
import { jsonBody, type Routes } from '../http/app.js';
import { classifyError, type BodyParserError } from '../http/errors.js';
import type { Logger } from '../log.js';
import { RequestError, type Message } from '../scan/request.js';
import type { ScanResult } from '../scan/scanner.js';
import { OpenAIError, sendOpenAIError, sseError, typeForStatus } from './errors.js';
import { choiceTextOf, paramOf, promptOf, withChoiceText, withRedactedPrompt, type Endpoint, type Prompt } from './openai.js';
import { SseParser } from './sse.js';
import { StreamGuard } from './stream-guard.js';
import { UpstreamCall, passedBackHeaders, type UpstreamResponse, upstreamError, upstreamHeaders, upstreamUrl } from './upstream.js';

type Body = Record<string, unknown>;

export function proxyRoutes(firewall: Firewall, log: Logger): Routes {
  const parse = jsonBody(firewall);
  const completion = (endpoint: Endpoint) =>
    openaiRoute(log, async (req, res) => {
      await new Promise<void>((resolve, reject) => parse(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
      await proxyCompletion(firewall, log, endpoint, req, res);
    });
  const models = openaiRoute(log, (req, res) => relay(firewall, req, res));
  return {
    '/v1/chat/completions': { POST: [completion('chat')] },
    '/v1/completions': { POST: [completion('completions')] },
    '/v1/models': { GET: [models] },
    // Model ids may contain slashes (meta-llama/Llama-3.1-8B-Instruct).
    '/v1/models/*model': { GET: [models] },
  };
}

/** Runs a handler and answers any failure in OpenAI's error shape. */
function openaiRoute(log: Logger, handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      if (err instanceof OpenAIError) return sendOpenAIError(res, err);
      const known = classifyError(err as BodyParserError);
      if (known === null) return;
      if (known) return sendOpenAIError(res, new OpenAIError(known.status, typeForStatus(known.status), known.code, known.message));
      log.error({ err, path: req.path }, 'unhandled error in proxy route');
      if (res.headersSent) return void res.end(sseError(new OpenAIError(500, 'server_error', 'internal', 'internal error')));
      sendOpenAIError(res, new OpenAIError(500, 'server_error', 'internal', 'internal error'));
    }
  };
}

function upstreamOf(firewall: Firewall): string {
  const upstream = firewall.configuration.proxy.upstream;
  if (!upstream) throw new OpenAIError(404, 'not_found_error', 'proxy_not_configured', 'this firewall has no upstream model server (set proxy.upstream or PF_PROXY_UPSTREAM)');
  return upstream;
}

/** Starts an upstream call that ends when the caller goes away before the answer is complete. */
function startCall(firewall: Firewall, req: Request, res: Response, method: 'GET' | 'POST', body?: Body): UpstreamCall {
  const proxy = firewall.configuration.proxy;
  const headers = upstreamHeaders(proxy, req, res.locals.requestId as string, body !== undefined);
  const call = new UpstreamCall(proxy, upstreamUrl(upstreamOf(firewall), req), { method, headers, body: body && JSON.stringify(body) });
  res.once('close', () => {
    if (!res.writableFinished) call.cancel();
  });
  return call;
}

/** GET /v1/models: the upstream's answer as it is (5xx become 502). */
async function relay(firewall: Firewall, req: Request, res: Response): Promise<void> {
  const call = startCall(firewall, req, res, 'GET');
  const upstream = await call.send();
  const body = await call.body(upstream);
  if (!upstream.ok) return sendUpstreamError(res, upstream, body);
  sendWhole(res, upstream, body);
}

async function proxyCompletion(firewall: Firewall, log: Logger, endpoint: Endpoint, req: Request, res: Response): Promise<void> {
  upstreamOf(firewall);
  const { policy } = firewall.policy;
  const proxy = firewall.configuration.proxy;
  const body = req.body as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new RequestError('invalid_request', 'body: expected a JSON object');
  const prompt = promptOf(endpoint, body as Body, proxy, policy.limits);
  const id = res.locals.requestId as string;
  const started = performance.now();

  let forward = body as Body;
  let promptVerdict: ScanResult['verdict'] = 'allow';
  if (prompt.unscannable) {
    if (policy.failMode === 'closed' && policy.mode === 'enforce') throw new OpenAIError(400, 'invalid_request_error', 'prompt_blocked', `Prompt Firewall blocked this request: ${prompt.unscannable}`, paramOf(endpoint, prompt, undefined));
    promptVerdict = 'flag';
  }
  if (prompt.scan) {
    const result = await firewall.scanner.scan(prompt.scan, { id, clientIp: req.ip });
    promptVerdict = worse(promptVerdict, result.verdict);
    res.locals.verdict = promptVerdict; // for the request metrics and log
    if (result.verdict !== 'allow') log.info({ id, endpoint, direction: 'prompt', ...verdictLog(result) }, 'prompt scanned');
    if (result.verdict === 'block') throw blocked('prompt_blocked', 'this request', result, paramOf(endpoint, prompt, result.findings[0]?.spans[0]?.message));
    if (result.verdict === 'redact') forward = withRedactedPrompt(endpoint, forward, prompt, result.redacted as Message[]);
  }
  res.setHeader('X-Firewall-Verdict', promptVerdict);

  const call = startCall(firewall, req, res, 'POST', forward);
  const upstream = await call.send();
  const streaming = forward.stream === true && upstream.ok && (upstream.headers.get('content-type') ?? '').startsWith('text/event-stream');
  if (!streaming) {
    const answer = await call.body(upstream);
    if (!upstream.ok) return sendUpstreamError(res, upstream, answer);
    let verdict: ScanResult['verdict'] = 'allow';
    if (proxy.response.enabled) verdict = await answerWhole(firewall, endpoint, res, upstream, answer, prompt, req.ip);
    else sendWhole(res, upstream, answer);
    return logDone(log, { id, endpoint, promptVerdict, responseVerdict: verdict, stream: false, started });
  }
  const guard = await answerStream(firewall, endpoint, res, upstream, call, prompt);
  logDone(log, { id, endpoint, promptVerdict, responseVerdict: guard?.verdict ?? 'allow', stream: true, scans: guard?.scans ?? 0, cancelled: call.wasCancelled, started });
}

/** A whole (non-streamed) answer: scanned per choice, then sent as it came, redacted, or refused. */
async function answerWhole(firewall: Firewall, endpoint: Endpoint, res: Response, upstream: UpstreamResponse, raw: Buffer, prompt: Prompt, clientIp?: string): Promise<ScanResult['verdict']> {
  let json: { choices?: unknown[] } | undefined;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    json = undefined;
  }
  const choices = Array.isArray(json?.choices) ? json.choices : [];
  const slots: number[] = [];
  const messages: Message[] = [];
  choices.forEach((c, slot) => {
    const found = choiceTextOf(endpoint, c, 'whole');
    if (!found?.text) return;
    slots.push(slot);
    messages.push({ role: 'assistant', content: found.text });
  });
  if (messages.length === 0) {
    sendWhole(res, upstream, raw);
    return 'allow';
  }
  const result = await firewall.scanner.scan({ messages, direction: 'response' }, { id: `${res.locals.requestId}-response`, clientIp, systemPrompt: prompt.systemPrompt });
  res.locals.verdict = worse(res.locals.verdict ?? 'allow', result.verdict);
  if (result.verdict === 'block') throw blocked('response_blocked', "the model's answer", result, null);
  if (result.verdict !== 'redact') {
    sendWhole(res, upstream, raw);
  } else {
    const redacted = [...choices];
    (result.redacted as Message[]).forEach((m, k) => (redacted[slots[k]] = withChoiceText(endpoint, choices[slots[k]], m.content as string, 'whole')));
    setHeaders(res, upstream);
    res.status(upstream.status).json({ ...json, choices: redacted });
  }
  return result.verdict;
}

/**
 * A streamed answer: events are passed on as soon as the guard has scanned them; a block ends the
 * stream with an error event and cancels the upstream request. Returns the guard (undefined when
 * response scanning is off and the bytes were relayed untouched).
 */
async function answerStream(firewall: Firewall, endpoint: Endpoint, res: Response, upstream: UpstreamResponse, call: UpstreamCall, prompt: Prompt): Promise<StreamGuard | undefined> {
  const proxy = firewall.configuration.proxy;
  const { stream } = proxy.response;
  call.disarm();
  setHeaders(res, upstream);
  res.status(upstream.status);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();

  const buffered = stream.mode === 'buffer';
  const guard = proxy.response.enabled
    ? new StreamGuard({
        endpoint,
        scanIntervalChars: buffered ? Infinity : stream.scanIntervalChars,
        holdBackChars: buffered ? Infinity : stream.holdBackChars,
        overlapChars: stream.overlapChars,
        scan: (text) =>
          firewall.scanner.scan({ input: text, direction: 'response' }, { id: `${res.locals.requestId}-response`, systemPrompt: prompt.systemPrompt, skipCache: true }),
      })
    : undefined;
  const parser = new SseParser();
  const reader = upstream.body!.getReader();

  // Sends what the guard released; on a block, the error event. True when the stream is over.
  const emit = async (step: { release: string[]; blocked?: ScanResult }): Promise<boolean> => {
    for (const chunk of step.release) await write(res, chunk);
    if (!step.blocked) return false;
    call.cancel();
    res.end(sseError(blocked('response_blocked', "the model's answer", step.blocked, null)));
    return true;
  };

  for (;;) {
    call.arm(proxy.streamIdleTimeoutMs);
    let read: Awaited<ReturnType<typeof reader.read>>;
    try {
      read = await reader.read();
      // The idle deadline is the upstream's: a slow reader downstream must not trip it.
      call.disarm();
    } catch (err) {
      if (call.wasCancelled || res.destroyed) return guard;
      // The upstream failed mid-stream. Text not yet scanned (or held back) is dropped; say why it stops.
      res.end(sseError(call.failure(err)));
      return guard;
    }
    if (read.done) break;
    if (!guard) {
      await write(res, read.value);
      continue;
    }
    guard.push(parser.push(read.value));
    if (await emit(await guard.step())) return guard;
  }
  if (guard) {
    guard.push(parser.end());
    if (await emit(await guard.step(true))) return guard;
  }
  res.end();
  return guard;
}

/** Writes with back-pressure: a slow reader slows the relay down instead of filling memory. */
async function write(res: Response, chunk: string | Uint8Array): Promise<void> {
  if (res.destroyed) return;
  if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
}

function setHeaders(res: Response, upstream: UpstreamResponse): void {
  for (const [name, value] of passedBackHeaders(upstream)) res.setHeader(name, value);
}

function sendWhole(res: Response, upstream: UpstreamResponse, body: Buffer): void {
  setHeaders(res, upstream);
  res.status(upstream.status).end(body);
}

function sendUpstreamError(res: Response, upstream: UpstreamResponse, body: Buffer): void {
  const mapped = upstreamError(upstream.status, body);
  if (mapped.status < 500) setHeaders(res, upstream);
  res.status(mapped.status).json(mapped.body);
}

/** The firewall's refusal, with a short summary of why: the strongest findings, or the failure. */
function blocked(code: 'prompt_blocked' | 'response_blocked', what: string, result: ScanResult, param: string | null): OpenAIError {
  const seen = new Set<string>();
  const reasons: string[] = [];
  for (const f of result.findings) {
    if (seen.has(f.category) || reasons.length === 3) continue;
    seen.add(f.category);
    reasons.push(`${f.category} ${f.score.toFixed(2)} (${f.message})`);
  }
  if (result.errors?.length) reasons.push(`a detector failed (${result.errors.map((e) => e.detector).join(', ')}) and the policy fails closed`);
  return new OpenAIError(400, 'invalid_request_error', code, `Prompt Firewall blocked ${what}: ${reasons.join('; ') || 'policy'} [scan ${result.id}]`, param);
}

const RANK = { allow: 0, flag: 1, redact: 2, block: 3 } as const;
const worse = (a: ScanResult['verdict'], b: ScanResult['verdict']) => (RANK[b] > RANK[a] ? b : a);

/** What a log line may say about a scan: verdicts, scores and rules, never text. */
function verdictLog(r: ScanResult) {
  return {
    verdict: r.verdict,
    policyVerdict: r.policyVerdict,
    score: r.score,
    findings: r.findings.map((f) => `${f.category}:${f.detector}${f.rule ? `/${f.rule}` : ''}:${f.score}`),
    errors: r.errors?.map((e) => e.detector),
  };
}

function logDone(
  log: Logger,
  e: { id: string; endpoint: Endpoint; promptVerdict: string; responseVerdict: string; stream: boolean; scans?: number; cancelled?: boolean; started: number },
): void {
  const { started, ...rest } = e;
  const level = e.promptVerdict === 'allow' && e.responseVerdict === 'allow' && !e.cancelled ? 'debug' : 'info';
  log[level]({ ...rest, ms: Math.round(performance.now() - started) }, 'proxied');
}
