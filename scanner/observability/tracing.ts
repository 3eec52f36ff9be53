// Tracing with OpenTelemetry, configured only by the standard OTEL_* environment variables and off
// unless they ask for an exporter: OTEL_TRACES_EXPORTER (otlp, console; "none" is off) or an OTLP
// endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). OTEL_SDK_DISABLED=true
// wins over both. Everything else (protocol, headers, sampler, service name, batch delays) is read
// by the SDK itself from its usual variables.
//
// When off, withSpan(name, fn) is fn(NOOP_SPAN): one branch, no SDK loaded (the SDK costs ~1 s of
// start-up and ~25 MB, so it is imported only when tracing is on).
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TimedSpan } from '../detectors/types.js';

export type { Span };

/** A span that records nothing; what withSpan hands to `fn` while tracing is off. */
export const NOOP_SPAN: Span = trace.wrapSpanContext({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 });

let tracer: Tracer | undefined;
let sdk: { shutdown(): Promise<void> } | undefined;

export const tracingEnabled = (): boolean => tracer !== undefined;

/** Whether the environment asks for traces to be exported. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (/^(true|1)$/i.test(env.OTEL_SDK_DISABLED ?? '')) return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (exporters.length) return !exporters.every((e) => e === 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface TracingOptions {
  env?: NodeJS.ProcessEnv;
  /** Span processors to use instead of the exporters the environment names (tests). */
  spanProcessors?: unknown[];
  /** Service name when OTEL_SERVICE_NAME is not set. */
  serviceName?: string;
}

/** Starts the SDK when the environment asks for traces (or processors are given); returns whether it did. */
export async function startTracing(options: TracingOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  if (tracer) return true;
  if (!options.spanProcessors && !tracingRequested(env)) return false;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const instance = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : (options.serviceName ?? 'prompt-firewall-scanner'),
    // Traces only: metrics are served by /metrics, logs go to stdout.
    metricReaders: [],
    logRecordProcessors: [],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors as never } : {}),
  });
  instance.start();
  sdk = instance;
  tracer = trace.getTracer('prompt-firewall');
  return true;
}

/** Flushes and stops the exporter (on shutdown). */
export async function stopTracing(): Promise<void> {
  const s = sdk;
  tracer = undefined;
  sdk = undefined;
  await s?.shutdown();
}

const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as Promise<unknown>)?.then === 'function';

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.end();
}

/**
 * Runs fn inside a child span of the active one; the span ends when fn returns or, when it returns
 * a promise, when that settles. While tracing is off fn gets NOOP_SPAN and nothing else happens;
 * compute costly attributes only when `span.isRecording()`.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, attributes?: Attributes): T {
  if (tracer === undefined) return fn(NOOP_SPAN);
  return tracer.startActiveSpan(name, attributes ? { attributes } : {}, (span) => {
    let out: T;
    try {
      out = fn(span);
    } catch (err) {
      fail(span, err);
      throw err;
    }
    if (!isPromise(out)) {
      span.end();
      return out;
    }
    return out.then(
      (v) => {
        span.end();
        return v;
      },
      (err) => {
        fail(span, err);
        throw err;
      },
    ) as T;
  });
}

/** withSpan for background work that belongs to no request (an audit batch): the span starts a
 *  trace of its own instead of joining whatever context the loop was started in. */
export function rootSpan<T>(name: string, fn: (span: Span) => T, attributes?: Attributes): T {
  if (tracer === undefined) return fn(NOOP_SPAN);
  return context.with(ROOT_CONTEXT, () => withSpan(name, fn, attributes));
}

/** The active span, while tracing is on. */
export const activeSpan = (): Span | undefined => (tracer === undefined ? undefined : trace.getActiveSpan());

/** Whether the active span records (tracing is on and this request is sampled). */
export const activeSpanRecording = (): boolean => tracer !== undefined && trace.getActiveSpan()?.isRecording() === true;

/** Records spans timed by hand (in a detection thread, or a model batch) as children of `parent`
 *  (default: the active span). */
export function recordTimed(spans: readonly TimedSpan[], parent?: Span): void {
  if (tracer === undefined) return;
  const t = tracer;
  const record = (list: readonly TimedSpan[], ctx: Context) => {
    for (const s of list) {
      const span = t.startSpan(s.name, { startTime: s.start, attributes: s.attributes }, ctx);
      if (s.children?.length) record(s.children, trace.setSpan(ctx, span));
      span.end(s.end);
    }
  };
  record(spans, parent ? trace.setSpan(context.active(), parent) : context.active());
}

/** Trace id of the active span, for logs; undefined when tracing is off. */
export function activeTraceId(): string | undefined {
  if (tracer === undefined) return undefined;
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}

/**
 * Starts the server span of an HTTP request (continuing a caller's W3C traceparent) and makes it
 * the active context for everything the request does, including callbacks of the request and
 * response streams (body parsing). Returns undefined while tracing is off.
 */
export function startRequestSpan(req: IncomingMessage, res: ServerResponse): { span: Span; ctx: Context } | undefined {
  if (tracer === undefined) return undefined;
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    `${req.method} request`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '', 'url.path': (req.url ?? '').split('?')[0] } },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  context.bind(ctx, req);
  context.bind(ctx, res);
  return { span, ctx };
}

/** Runs fn in the given context (the request span's). */
export const runInContext = <T>(ctx: Context, fn: () => T): T => context.with(ctx, fn);

/** Names the request span after its route and records the outcome. */
export function endRequestSpan(span: Span, method: string, route: string, status: number, verdict: string | undefined): void {
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
  span.setAttribute('http.response.status_code', status);
  if (verdict) span.setAttribute('promptfirewall.verdict', verdict);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
