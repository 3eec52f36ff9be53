// Routes of the observability surface, added to the scanner's route table:
//   GET /metrics               Prometheus text format
//   GET /dashboard             the live dashboard (static page, scripts and uPlot from node_modules)
//   GET /v1/dashboard/data     what the page polls: rolling-window series, top lists, sources, events
// Every URL the page uses is relative, so it works behind `kubectl port-forward` and path prefixes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import type { Routes } from '../http/app.js';
import { PACKAGE_VERSION, packagePath } from '../paths.js';
import type { BlockedEvent } from './events.js';
import type { Observability } from './observability.js';
import type { WindowSeries, WindowSummary } from './window.js';

const require = createRequire(import.meta.url);

/** Routes left out of the dashboard's traffic figures (probes and the observability surface itself). */
export const INTERNAL_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/dashboard', '/dashboard/:asset', '/v1/dashboard/data']);

export interface DashboardData {
  generatedAt: string;
  version: string;
  policyVersion: string;
  mode: string;
  uptimeSeconds: number;
  summary: WindowSummary;
  series: WindowSeries;
  cacheEntries: number;
  /** Stats of every registered source by name (redis, postgres, audit, model, …). */
  sources: Record<string, Record<string, number>>;
  events: BlockedEvent[];
}

export async function dashboardData(obs: Observability, events = 20): Promise<DashboardData> {
  const { policy, version } = obs.firewall.policy;
  const sources: DashboardData['sources'] = {};
  for (const s of obs.sources.all()) sources[s.name] = s.stats();
  return {
    generatedAt: new Date().toISOString(),
    version: PACKAGE_VERSION,
    policyVersion: version,
    mode: policy.mode,
    uptimeSeconds: Math.round(process.uptime()),
    summary: obs.window.summary(),
    series: obs.window.series(),
    cacheEntries: obs.firewall.cache.size,
    sources,
    events: await obs.events.recent(events),
  };
}

interface Asset {
  type: string;
  body: Buffer;
}

function assets(): Record<string, Asset> {
  const own = (name: string) => readFileSync(packagePath('scanner', 'observability', 'dashboard', name));
  return {
    'app.js': { type: 'text/javascript; charset=utf-8', body: own('app.js') },
    'app.css': { type: 'text/css; charset=utf-8', body: own('app.css') },
    'uplot.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')) },
    'uplot.css': { type: 'text/css; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')) },
  };
}

// The page loads nothing from elsewhere; uPlot sets element styles from script, hence style-src.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export function dashboardRoutes(obs: Observability): Routes {
  const files = assets();
  const page = readFileSync(packagePath('scanner', 'observability', 'dashboard', 'index.html'));
  const send = (type: string, body: Buffer | string): RequestHandler => (_req, res) => {
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(body);
  };
  const html = send('text/html; charset=utf-8', page);
  return {
    '/metrics': {
      GET: [
        async (_req, res) => {
          const text = await obs.metrics.registry.metrics();
          res.setHeader('Content-Type', obs.metrics.contentType);
          res.send(text);
        },
      ],
    },
    '/dashboard': {
      GET: [
        (req, res, next) => {
          // Relative asset URLs resolve against the page's path: keep it without a trailing slash.
          if (req.path.endsWith('/')) return res.redirect(301, '../dashboard');
          html(req, res, next);
        },
      ],
    },
    '/dashboard/:asset': {
      GET: [
        (req, res, next) => {
          const asset = files[String(req.params.asset)];
          if (!asset) return next();
          send(asset.type, asset.body)(req, res, next);
        },
      ],
    },
    '/v1/dashboard/data': {
      GET: [
        async (_req, res) => {
          res.setHeader('Cache-Control', 'no-store');
          res.json(await dashboardData(obs));
        },
      ],
    },
  };
}
