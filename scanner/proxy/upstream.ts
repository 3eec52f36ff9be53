// One call to the upstream model server, with Node's fetch (undici): forwarded headers, the
// upstream key, one AbortController for the timeouts and the caller going away, and the mapping of
// every way it can fail to the error the caller gets (502, 504, or the upstream's own 4xx).
import type { Request } from 'express';
import type { ProxyConfig } from '../../crds/schema.js';
import { OpenAIError, typeForStatus } from './errors.js';

// Hop-by-hop headers, and those that describe the body as fetch received it (it decodes gzip and
// de-chunks), are not passed back. The firewall's own X-Request-Id stands; the upstream's is kept
// under another name.
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length', 'date', 'x-request-id']);

/** The upstream's answer (fetch's Response, not express's). */
export type UpstreamResponse = globalThis.Response;

export class UpstreamCall {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private armedMs = 0;
  private cancelled = false;

  constructor(
    private readonly proxy: ProxyConfig,
    private readonly url: string,
    private readonly init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  ) {}

  /** Starts the call; the answer (headers, then a body to read) must come within timeoutMs. */
  async send(): Promise<UpstreamResponse> {
    this.arm(this.proxy.timeoutMs);
    try {
      return await fetch(this.url, { ...this.init, signal: this.controller.signal });
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Reads a whole body under the same deadline as send(). */
  async body(response: UpstreamResponse): Promise<Buffer> {
    try {
      return Buffer.from(await response.arrayBuffer());
    } catch (err) {
      throw this.failure(err);
    } finally {
      this.disarm();
    }
  }

  /** (Re)starts the deadline: the whole answer, or the pause allowed between two stream chunks. */
  arm(ms: number): void {
    clearTimeout(this.timer);
    this.armedMs = ms;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, ms);
  }

  disarm(): void {
    clearTimeout(this.timer);
  }

  /** Ends the upstream request: the caller went away, or the firewall cut the answer. */
  cancel(): void {
    this.cancelled = true;
    this.disarm();
    this.controller.abort();
  }

  get wasCancelled(): boolean {
    return this.cancelled;
  }

  /** What the caller is told when the call or reading its body failed. */
  failure(err: unknown): OpenAIError {
    this.disarm();
    if (this.timedOut) return new OpenAIError(504, 'server_error', 'upstream_timeout', `the upstream model server did not answer within ${this.armedMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    return new OpenAIError(502, 'server_error', 'upstream_unavailable', `cannot reach the upstream model server: ${why}`);
  }
}

/** URL of the upstream route that answers `req`: the caller's path below /v1, and its query. */
export function upstreamUrl(base: string, req: Request): string {
  const q = req.originalUrl.indexOf('?');
  return `${base.replace(/\/+$/, '')}${req.path.replace(/^\/v1(?=\/|$)/, '')}${q >= 0 ? req.originalUrl.slice(q) : ''}`;
}

/** Headers sent upstream: the configured pass-through ones, the upstream key, our request id. */
export function upstreamHeaders(proxy: ProxyConfig, req: Request, requestId: string, json: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of proxy.forwardHeaders) {
    const value = req.get(name);
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  if (proxy.apiKey) out.authorization = `Bearer ${proxy.apiKey}`;
  if (json) out['content-type'] = 'application/json';
  out.accept = req.get('accept') ?? '*/*';
  out['accept-encoding'] = 'identity';
  out['x-request-id'] = requestId;
  return out;
}

/** Upstream response headers worth passing back (content type, rate limits, processing time …). */
export function passedBackHeaders(response: UpstreamResponse): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  response.headers.forEach((value, name) => {
    if (name === 'x-request-id') out.push(['x-upstream-request-id', value]);
    else if (!DROPPED_RESPONSE_HEADERS.has(name)) out.push([name, value]);
  });
  return out;
}

/**
 * An upstream answer that is not a success. 4xx are the caller's problem (bad model name, wrong key,
 * rate limit): passed on with their status, and their body when it already has OpenAI's error shape.
 * 5xx are the upstream's: 502, with its message.
 */
export function upstreamError(status: number, body: Buffer): { status: number; body: unknown } {
  let parsed: { error?: { message?: unknown } } | undefined;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const upstreamMessage = typeof parsed?.error?.message === 'string' ? parsed.error.message : body.toString('utf8').slice(0, 200).trim();
  if (status < 500 && parsed?.error && typeof parsed.error === 'object') return { status, body: parsed };
  const mapped = status < 500 ? status : 502;
  const err = new OpenAIError(mapped, typeForStatus(mapped), 'upstream_error', `the upstream model server answered ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`);
  return { status: mapped, body: err.toJSON() };
}
