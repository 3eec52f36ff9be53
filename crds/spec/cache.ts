// spec.cache: the verdict caches. L1 in the pod's memory, L2 in Redis shared by all pods, L3 on
// the pod's disk. They hold detection results keyed by a hash of the normalised text, the policy
// version and the model version; never raw text.
import { z } from 'zod';
import { SecretKeyRefSchema, QuantitySchema, cel } from '../common.js';

export const L1CacheSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Keep recent verdicts in process memory.'),
    maxEntries: z.number().int().min(1).max(10_000_000).default(1000).describe('Most verdicts held in memory per pod.'),
    ttlSeconds: z.number().int().min(1).max(86_400).default(60).describe('How long a verdict stays in memory.'),
  })
  .prefault({})
  .describe('In-process LRU verdict cache (L1).');

export const CircuitBreakerSchema = z
  .object({
    failureThreshold: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe('Consecutive failed or timed-out Redis commands that open the circuit; while it is open Redis is skipped (no cache, per-pod rate limits).'),
    cooldownMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(5000)
      .describe('How long the circuit stays open before one probe command is let through; its success closes the circuit.'),
  })
  .prefault({})
  .describe('Circuit breaker in front of Redis.');

export const RedisCacheSchema = z
  .object({
    mode: z
      .enum(['standalone', 'sentinel', 'cluster'])
      .default('standalone')
      .describe('standalone: one server at url; sentinel: the master named sentinelMasterName, found through the sentinels in nodes; cluster: a Redis Cluster reached through url and nodes as seeds.'),
    url: z
      .string()
      .optional()
      .describe('Redis URL (redis://, rediss://) for running the scanner outside Kubernetes; in a PromptFirewall use urlSecretRef. In sentinel mode only its credentials, database and TLS are used; in cluster mode it is a seed node and its credentials apply to every node.'),
    urlSecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the Redis URL. Without a URL (or, in sentinel mode, sentinels) there is no L2 cache and rate limits are per pod.'),
    nodes: z
      .array(z.string().regex(/^\[?[\w.:-]+\]?:\d{1,5}$/, 'must be host:port'))
      .default([])
      .describe('host:port of the sentinels (sentinel mode) or of further cluster seed nodes (cluster mode).'),
    sentinelMasterName: z.string().min(1).default('mymaster').describe('Name of the master the sentinels watch (sentinel mode).'),
    sentinelPassword: z.string().optional().describe('Password of the sentinels themselves, when they require one (sentinel mode).'),
    keyPrefix: z
      .string()
      .optional()
      .describe('Prefix of every Redis key; by default pfw:<namespace>/<name>: of the PromptFirewall, so firewalls can share one Redis.'),
    ttlSeconds: z.number().int().min(1).max(30 * 86_400).default(3600).describe('How long a verdict stays in Redis.'),
    commandTimeoutMs: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(25)
      .describe('Longest wait for one Redis command; a slower answer counts as a miss (and as a failure for the circuit breaker), so Redis never adds more than this to a scan.'),
    connectTimeoutMs: z.number().int().min(10).max(60_000).default(1000).describe('Longest wait for a connection to Redis; reconnection is retried in the background.'),
    breaker: CircuitBreakerSchema,
  })
  .meta(cel({ rule: "!has(self.mode) || self.mode != 'sentinel' || (has(self.nodes) && size(self.nodes) > 0)", message: 'cache.redis.nodes must list the sentinels in sentinel mode', fieldPath: '.nodes' }))
  .prefault({})
  .describe('Shared verdict cache in Redis (L2); the same Redis holds the shared rate-limit buckets.');

export const DiskCacheSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Keep verdicts on the pod\'s disk (an emptyDir in Kubernetes).'),
    path: z.string().optional().describe('Directory of the disk cache; by default cache/ in the scanner\'s data directory (PF_DATA_DIR).'),
    sizeLimit: QuantitySchema.default('1Gi').describe('Most disk space the cache may use; oldest verdicts are evicted before it is reached.'),
    maxEntries: z.number().int().min(1).max(100_000_000).default(100_000).describe('Most verdicts kept on disk.'),
    ttlSeconds: z.number().int().min(1).max(30 * 86_400).default(86_400).describe('How long a verdict stays on disk.'),
  })
  .prefault({})
  .describe('On-pod disk verdict cache (L3).');

export const CacheSchema = z
  .object({
    l1: L1CacheSchema,
    redis: RedisCacheSchema,
    disk: DiskCacheSchema,
  })
  .prefault({})
  .describe('Verdict caches. Caches hold detection results keyed by a hash of the normalised text, policy version and model version; never raw text.');

export type RedisCacheConfig = z.output<typeof RedisCacheSchema>;
export type DiskCacheConfig = z.output<typeof DiskCacheSchema>;
