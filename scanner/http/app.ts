// The scanner's HTTP API (express 5). Routes are declared in one table so that a known path with
// the wrong method answers 405 with an Allow header, and anything else 404.
import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Firewall } from '../firewall.js';
import type { Logger } from '../log.js';
import { PACKAGE_VERSION } from '../paths.js';
import { mostSevere, type Verdict } from '../policy/decide.js';
import { BatchRequestSchema, RequestError, describeZodError, parseScanRequest } from '../scan/request.js';
import { errorHandler, sendError } from './errors.js';

export interface AppState {
  /** False until detectors are loaded, and again once shutdown begins. */
  ready: boolean;
  shuttingDown: boolean;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Routes = Record<string, Partial<Record<Method, RequestHandler[]>>>;

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * `middleware` runs for every request after the request id is set (observability: timing,
 * tracing, request logs). Handlers leave `res.locals.route` (the matched route) and, for scans,
 * `res.locals.verdict` (the most severe verdict) for it to read.
 */
export function createApp(firewall: Firewall, state: AppState, log: Logger, extraRoutes: Routes = {}, middleware: RequestHandler[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    if (state.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });
  for (const m of middleware) app.use(m);

  const routes: Routes = {
    '/healthz': { GET: [(_req, res) => void res.json({ status: 'ok' })] },
    '/readyz': {
      GET: [
        (_req, res) => {
          if (state.ready && !state.shuttingDown) return void res.json({ status: 'ready' });
          res.status(503).json({ status: 'not_ready', reason: state.shuttingDown ? 'shutting down' : 'detectors loading' });
        },
      ],
    },
    '/v1/info': {
      GET: [
        (_req, res) => {
          const { policy, version } = firewall.policy;
          res.json({
            name: 'prompt-firewall',
            version: PACKAGE_VERSION,
            policyVersion: version,
            mode: policy.mode,
            failMode: policy.failMode,
            modelVersion: firewall.scanner.modelVersion,
            detectors: firewall.detectors.map((d) => ({ name: d.name, categories: d.categories, version: d.version ?? null })),
            limits: policy.limits,
          });
        },
      ],
    },
    '/v1/scan': {
      POST: [
        jsonBody(firewall),
        async (req, res) => {
          const scan = parseScanRequest(req.body, firewall.policy.policy.limits);
          const result = await firewall.scanner.scan(scan, { id: res.locals.requestId, clientIp: req.ip });
          res.locals.verdict = result.verdict;
          res.json(result);
        },
      ],
    },
    '/v1/scan/batch': {
      POST: [
        jsonBody(firewall),
        async (req, res) => {
          const limits = firewall.policy.policy.limits;
          const parsed = BatchRequestSchema.safeParse(req.body);
          if (!parsed.success) throw new RequestError('invalid_request', describeZodError(parsed.error));
          const { items } = parsed.data;
          if (items.length > limits.maxBatchItems)
            throw new RequestError('too_many_items', `items: at most ${limits.maxBatchItems} items per batch, got ${items.length}`, 413);
          const scans = items.map((item, i) => parseScanRequest(item, limits, `items[${i}]`));
          const base = res.locals.requestId as string;
          const results = await Promise.all(scans.map((s, i) => firewall.scanner.scan(s, { id: `${base}-${i}`, clientIp: req.ip })));
          res.locals.verdict = results.reduce<Verdict>((v, r) => mostSevere(v, r.verdict), 'allow');
          res.json({ id: base, items: results });
        },
      ],
    },
    // A fresh canary token to plant in a system prompt; any pod with the same key recognises it.
    '/v1/canary': { POST: [(_req, res) => void res.json(firewall.canaries.issue())] },
    ...extraRoutes,
  };

  for (const [path, methods] of Object.entries(routes)) {
    const allowed = Object.keys(methods) as Method[];
    if (allowed.includes('GET')) allowed.push('HEAD' as Method);
    app.all(path, (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = path;
      const handlers = methods[(req.method === 'HEAD' ? 'GET' : req.method) as Method];
      if (!handlers) {
        res.setHeader('Allow', allowed.join(', '));
        return sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${path}; use ${allowed.join(' or ')}`);
      }
      runChain(handlers, req, res, next);
    });
  }

  app.use((req, res) => sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`));
  app.use(errorHandler(log));
  return app;
}

function runChain(handlers: RequestHandler[], req: Request, res: Response, done: NextFunction): void {
  let i = 0;
  const next: NextFunction = (err?: unknown) => {
    if (err) return done(err);
    const h = handlers[i++];
    if (!h) return done();
    try {
      const r = h(req, res, next) as unknown;
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(done);
    } catch (e) {
      done(e);
    }
  };
  next();
}

/** JSON body parser with the policy's size limit (it follows reloads), UTF-8 validation and 415. */
export function jsonBody(firewall: Firewall): RequestHandler {
  let limit = -1;
  let parser: RequestHandler = (_req, _res, next) => next();
  return (req, res, next) => {
    const type = req.is(JSON_TYPES);
    if (type === null || req.get('content-length') === '0') return next(new RequestError('missing_body', 'a JSON request body is required'));
    if (type === false)
      return next(new RequestError('unsupported_media_type', `Content-Type must be application/json, got "${req.get('content-type') ?? 'none'}"`, 415));
    const wanted = firewall.policy.policy.limits.maxBodyBytes;
    if (wanted !== limit) {
      limit = wanted;
      parser = express.json({
        limit,
        type: JSON_TYPES,
        verify: (_req, _res, buf) => {
          if (!isUtf8(buf)) throw Object.assign(new Error('invalid UTF-8'), { status: 400, type: 'encoding.invalid_utf8' });
        },
      });
    }
    parser(req, res, next);
  };
}
