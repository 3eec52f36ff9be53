// spec.auth, spec.rateLimit and spec.ipAccess: who may call the scanner, and how often.
import { isIP } from 'node:net';
import { z } from 'zod';
import { SecretRefSchema } from '../common.js';

/** Names accepted besides CIDRs, as express's trust proxy setting knows them. */
export const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/** An address, a CIDR such as 10.0.0.0/8 or fd00::/8, or one of the named ranges. */
export function isCidr(value: string): boolean {
  if ((NAMED_RANGES as readonly string[]).includes(value)) return true;
  const [addr, bits, ...rest] = value.split('/');
  const family = isIP(addr);
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const Cidrs = (what: string) =>
  z
    .array(z.string().refine(isCidr, 'must be an IP address, a CIDR (10.0.0.0/8, fd00::/8) or loopback, linklocal, uniquelocal'))
    .default([])
    .describe(what);

export const AuthSchema = z
  .object({
    apiKeysSecretRef: SecretRefSchema.optional().describe('Secret whose values are the accepted API keys (one key per Secret key; the Secret key names the client in logs). The operator mounts it at apiKeysPath. Without it the API is open to anything that can reach the Service.'),
    apiKeysPath: z
      .string()
      .optional()
      .describe('File or directory the scanner reads its API keys from: a directory holds one file per key (a mounted Secret); a file holds one key per line, as "name:key" or just "key". A key written as sha256:<hex> is stored hashed. Re-read without restart.'),
    reloadSeconds: z.number().int().min(1).max(3600).default(10).describe('How often the API keys are re-read, so rotated keys take effect without a restart.'),
  })
  .prefault({})
  .describe('API key authentication of the /v1 routes: Authorization: Bearer <key> or X-API-Key: <key>.');

export const RateLimitSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Limit requests per API key (or per client IP when there is no key), shared by all pods through Redis.'),
    requestsPerMinute: z.number().int().min(1).max(10_000_000).default(100).describe('Sustained requests per minute per client.'),
    burst: z.number().int().min(1).max(1_000_000).default(20).describe('Requests a client may send at once above the sustained rate.'),
    key: z
      .enum(['auto', 'apiKey', 'clientIp'])
      .default('auto')
      .describe('What a bucket belongs to: auto (the API key when the request has one, else the client IP), apiKey, or clientIp.'),
  })
  .prefault({})
  .describe('Token-bucket rate limits of the /v1 routes, shared by all pods through the cache\'s Redis; per pod while Redis is unavailable.');

export const IpAccessSchema = z
  .object({
    allow: Cidrs('CIDRs allowed to call the scanner; empty allows all that are not denied.'),
    deny: Cidrs('CIDRs refused with 403.'),
    trustedProxies: Cidrs('CIDRs of proxies whose X-Forwarded-For header is trusted to name the client.'),
  })
  .prefault({})
  .describe('Client IP allow and deny lists of the /v1 routes.');

export type AccessConfig = { auth: z.output<typeof AuthSchema>; rateLimit: z.output<typeof RateLimitSchema>; ipAccess: z.output<typeof IpAccessSchema> };
