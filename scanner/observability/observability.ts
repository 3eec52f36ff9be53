// Everything that makes a scanner process observable, assembled once by `serve`: Prometheus
// metrics, the request middleware (timing, trace span, request log), the dashboard's rolling
// window and recent blocked events, and the stat sources other components register.
//
//   const obs = new Observability(firewall, log);
//   obs.addSource(auditQueue);                   // any StatSource: metrics + dashboard
//   obs.setEventFeed(auditLog);                  // optional: blocked events from the audit log
//   serve(firewall, log, { routes: obs.routes(), middleware: [obs.middleware] });
//
// Logging policy (cheap at thousands of requests per second): one `request` line per request at
// debug (warn for 5xx), so the default info level writes nothing per allowed scan; one `scan
// blocked` line at info per blocked scan (a security event: ids, findings, fingerprint, never text).
import type { RequestHandler } from 'express';
import type { Firewall } from '../firewall.js';
import type { Routes } from '../http/app.js';
import type { Logger } from '../log.js';
import { RecentBlocks, fingerprintKey, type EventFeed } from './events.js';
import { Metrics } from './metrics.js';
import { dashboardRoutes, INTERNAL_ROUTES } from './routes.js';
import { SourceRegistry, type StatSource } from './sources.js';
import { activeTraceId, endRequestSpan, runInContext, startRequestSpan } from './tracing.js';
import { RollingWindow } from './window.js';

export interface ObservabilityOptions {
  env?: NodeJS.ProcessEnv;
  /** Seconds of history the dashboard keeps (default 300). */
  windowSeconds?: number;
  /** Blocked events kept in memory for the dashboard (default 100). */
  recentEvents?: number;
  /** Default process metrics (process_*, nodejs_*); default true. */
  processMetrics?: boolean;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export class Observability {
  readonly sources = new SourceRegistry();
  readonly metrics: Metrics;
  readonly window: RollingWindow;
  readonly recentBlocks: RecentBlocks;
  private feed: EventFeed;

  constructor(
    readonly firewall: Firewall,
    private readonly log: Logger,
    options: ObservabilityOptions = {},
  ) {
    this.metrics = new Metrics(firewall, this.sources, { processMetrics: options.processMetrics });
    this.window = new RollingWindow(firewall.cache.stats, options.windowSeconds ?? 300);
    this.recentBlocks = new RecentBlocks(options.recentEvents ?? 100, fingerprintKey(options.env));
    this.feed = this.recentBlocks;
    firewall.scanner.observe((e) => {
      this.window.scan(e.result);
      const blocked = this.recentBlocks.record(e);
      if (blocked) {
        // The line's own time and the request id stand for the event's time and scan id.
        const { time: _time, id, ...fields } = blocked;
        this.log.info({ reqId: id, traceId: activeTraceId(), mode: e.result.mode, ...fields }, 'scan blocked');
      }
    });
  }

  /** Registers a component's stats for /metrics and the dashboard. */
  addSource(source: StatSource): void {
    this.sources.add(source);
  }

  /** Where the dashboard reads recent blocked events (default: the in-memory ring). */
  setEventFeed(feed: EventFeed): void {
    this.feed = feed;
  }

  get events(): EventFeed {
    return this.feed;
  }

  readonly middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    this.metrics.inflight++;
    const traced = startRequestSpan(req, res);
    res.once('close', () => {
      this.metrics.inflight--;
      const ms = performance.now() - started;
      const route: string = res.locals.route ?? 'unmatched';
      // A response that never finished was cut off by the client (nginx's 499).
      const status = res.writableFinished ? res.statusCode : 499;
      const method = METHODS.has(req.method) ? req.method : 'other';
      const verdict: string | undefined = res.locals.verdict;
      this.metrics.observeRequest({ route, method, status, verdict: verdict ?? 'none' }, ms / 1000);
      if (!INTERNAL_ROUTES.has(route)) this.window.request(ms, status);
      if (traced) endRequestSpan(traced.span, method, route, status, verdict);
      const level = status >= 500 ? 'warn' : 'debug';
      if (this.log.isLevelEnabled(level)) {
        const traceId = traced?.span.spanContext().traceId;
        this.log[level]({ reqId: res.locals.requestId, traceId, method, route, status, ms: Math.round(ms * 1000) / 1000, verdict, ip: req.ip }, 'request');
      }
    });
    if (traced) runInContext(traced.ctx, next);
    else next();
  };

  routes(): Routes {
    return dashboardRoutes(this);
  }

  close(): void {
    this.window.close();
  }
}
