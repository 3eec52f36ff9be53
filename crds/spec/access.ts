// spec.auth, spec.rateLimit and spec.ipAccess: who may call the scanner, and how often.
import { z } from 'zod';
import { SecretRefSchema } from '../common.js';

export const AuthSchema = z
  .object({
    apiKeysSecretRef: SecretRefSchema.optional().describe('Secret whose values are the accepted API keys (one key per Secret key). Without it the API is open to anything that can reach the Service.'),
  })
  .prefault({})
  .describe('API key authentication.');

export const RateLimitSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Limit requests per API key (or per client IP when there is no key), shared by all pods through Redis.'),
    requestsPerMinute: z.number().int().min(1).max(10_000_000).default(100).describe('Sustained requests per minute per client.'),
    burst: z.number().int().min(1).max(1_000_000).default(20).describe('Requests a client may send at once above the sustained rate.'),
  })
  .prefault({})
  .describe('Token-bucket rate limits.');

export const IpAccessSchema = z
  .object({
    allow: z.array(z.string()).default([]).describe('CIDRs allowed to call the scanner; empty allows all that are not denied.'),
    deny: z.array(z.string()).default([]).describe('CIDRs refused with 403.'),
    trustedProxies: z.array(z.string()).default([]).describe('CIDRs of proxies whose X-Forwarded-For header is trusted to name the client.'),
  })
  .prefault({})
  .describe('Client IP allow and deny lists.');
