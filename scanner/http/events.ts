// The audit log's read side: GET /v1/events (recent scans, newest first, filtered and paginated)
// and GET /v1/stats (counts over a window). Rows of this firewall only; text only where the policy
// stored it.
import type { Request, RequestHandler } from 'express';
import { ACTIONS, CATEGORIES } from '../../crds/schema.js';
import type { EventFilter, StatsWindow } from '../audit/queries.js';
import type { EventRow } from '../audit/store.js';
import type { Firewall } from '../firewall.js';
import { RequestError } from '../scan/request.js';
import { sendError } from './errors.js';
import type { Routes } from './app.js';

const DURATION = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DEFAULT_WINDOW_MS = 86_400_000;

/** An ISO timestamp, or a duration back from now: 15m, 24h, 7d. */
export function parseTime(value: string, now: number, name: string): Date {
  const d = DURATION.exec(value);
  if (d) return new Date(now - Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS]);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RequestError('invalid_query', `${name}: expected an ISO-8601 time or a duration such as 15m, 24h, 7d; got "${value}"`);
  return new Date(t);
}

type Query = Record<string, unknown>;
const str = (q: Query, name: string): string | undefined => {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new RequestError('invalid_query', `${name}: expected one value`);
  return v;
};

export function parseWindow(q: Query, now: number): StatsWindow {
  const until = str(q, 'until') ? parseTime(str(q, 'until')!, now, 'until') : new Date(now);
  const since = str(q, 'since') ? parseTime(str(q, 'since')!, now, 'since') : new Date(until.getTime() - DEFAULT_WINDOW_MS);
  if (since >= until) throw new RequestError('invalid_query', 'since must be before until');
  return { since, until };
}

export function parseEventFilter(q: Query, now: number): EventFilter {
  const filter: EventFilter = { ...parseWindow(q, now), limit: 50 };
  const verdict = str(q, 'verdict');
  if (verdict) {
    filter.verdicts = verdict.split(',');
    const bad = filter.verdicts.find((v) => !(ACTIONS as readonly string[]).includes(v));
    if (bad) throw new RequestError('invalid_query', `verdict: "${bad}" is not one of ${ACTIONS.join(', ')}`);
  }
  const category = str(q, 'category');
  if (category && !(CATEGORIES as readonly string[]).includes(category)) throw new RequestError('invalid_query', `category: "${category}" is not one of ${CATEGORIES.join(', ')}`);
  filter.category = category;
  filter.scanner = str(q, 'scanner');
  filter.requestId = str(q, 'requestId');
  const clientIp = str(q, 'clientIp');
  if (clientIp && !/^[0-9a-fA-F:.]{2,45}$/.test(clientIp)) throw new RequestError('invalid_query', 'clientIp: expected an IP address');
  filter.clientIp = clientIp;
  const limit = str(q, 'limit');
  if (limit) {
    filter.limit = Number(limit);
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > 500) throw new RequestError('invalid_query', 'limit: expected an integer from 1 to 500');
  }
  const cursor = str(q, 'cursor');
  if (cursor) filter.after = decodeCursor(cursor);
  return filter;
}

export const encodeCursor = (time: string, id: string) => Buffer.from(JSON.stringify([time, id])).toString('base64url');

function decodeCursor(cursor: string): { time: string; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof time === 'string' && !Number.isNaN(Date.parse(time)) && /^[0-9a-f-]{36}$/.test(id)) return { time, id };
  } catch {
    // reported below
  }
  throw new RequestError('invalid_query', 'cursor: not a cursor returned by this API');
}

/** A row as the API shows it: time as ISO text, absent values left out. */
function toEvent(row: EventRow): Record<string, unknown> {
  const { ts, ...rest } = row;
  const out: Record<string, unknown> = { time: new Date(ts).toISOString() };
  for (const [k, v] of Object.entries(rest)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

function withAudit(firewall: Firewall, handler: (req: Request, store: NonNullable<Firewall['audit']>['store']) => Promise<unknown>): RequestHandler {
  return async (req, res) => {
    const audit = firewall.audit;
    if (!audit) return sendError(res, 404, 'audit_disabled', 'this firewall keeps no audit log (audit.enabled is false)');
    if (!audit.ready) return sendError(res, 503, 'audit_unavailable', 'the audit store is not reachable yet');
    let body: unknown;
    try {
      body = await handler(req, audit.store);
    } catch (err) {
      if (err instanceof RequestError) throw err;
      return sendError(res, 503, 'audit_unavailable', `the audit store cannot be read right now: ${(err as Error).message}`);
    }
    res.json(body);
  };
}

export function auditRoutes(firewall: Firewall): Routes {
  return {
    '/v1/events': {
      GET: [
        withAudit(firewall, async (req, store) => {
          const filter = parseEventFilter(req.query as Query, Date.now());
          const { events, more } = await store.events(filter);
          const last = events[events.length - 1];
          return { firewall: firewall.instance.firewall, events: events.map(toEvent), nextCursor: more && last ? encodeCursor(new Date(last.ts).toISOString(), last.id) : null };
        }),
      ],
    },
    '/v1/stats': {
      GET: [
        withAudit(firewall, async (req, store) => {
          const window = parseWindow(req.query as Query, Date.now());
          return { firewall: firewall.instance.firewall, since: window.since.toISOString(), until: window.until.toISOString(), ...(await store.stats(window)) };
        }),
      ],
    },
  };
}
