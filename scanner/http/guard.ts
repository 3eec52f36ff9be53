// Middleware in front of every /v1 route: IP allow/deny lists, then API keys, then rate limits.
// /healthz and /readyz stay open for the kubelet; /metrics is meant to be reached through a
// NetworkPolicy, not with keys.
import type { RequestHandler } from 'express';
import type { Firewall } from '../firewall.js';
import { sendError } from './errors.js';

/** Authorization: Bearer <key>, or X-API-Key: <key>. */
function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  if (apiKey) return apiKey;
  const m = authorization && /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}

export function guard(firewall: Firewall): RequestHandler {
  return async (req, res, next) => {
    const { access } = firewall;
    if (!access.ipAllowed(req.ip)) return sendError(res, 403, 'ip_forbidden', `client address ${req.ip} is not allowed`);
    if (access.keys.required) {
      const id = access.keys.verify(presentedKey(req.get('authorization'), req.get('x-api-key')));
      if (!id) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="prompt-firewall"');
        return sendError(res, 401, 'unauthorized', 'a valid API key is required (Authorization: Bearer <key> or X-API-Key)');
      }
      res.locals.apiKeyId = id;
    }
    const limits = firewall.configuration.rateLimit;
    if (limits.enabled) {
      // Without keys configured, "apiKey" has nothing to go by and limits per address as well.
      const client = res.locals.apiKeyId && limits.key !== 'clientIp' ? `k:${res.locals.apiKeyId}` : `ip:${req.ip}`;
      const r = await access.limiter.take(client, limits.requestsPerMinute, limits.burst);
      res.setHeader('X-RateLimit-Limit', String(limits.requestsPerMinute));
      res.setHeader('X-RateLimit-Remaining', String(r.remaining));
      if (!r.allowed) {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))));
        return sendError(res, 429, 'rate_limited', `rate limit of ${limits.requestsPerMinute} requests per minute (burst ${limits.burst}) exceeded`);
      }
    }
    next();
  };
}

/** In fail-closed mode a scan that could not be audited is refused before it runs. */
/** True when the audit log is full and the fail mode is closed: scans must be refused, not lost. */
export function auditRefuses(firewall: Firewall): boolean {
  const audit = firewall.audit;
  return audit !== undefined && !audit.hasRoom() && firewall.policy.policy.failMode === 'closed';
}

export function auditAdmission(firewall: Firewall): RequestHandler {
  return (_req, res, next) => {
    if (auditRefuses(firewall)) {
      res.setHeader('Retry-After', '1');
      return sendError(res, 503, 'audit_unavailable', 'the audit log cannot take more records; try again shortly');
    }
    next();
  };
}
