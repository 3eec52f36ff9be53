// spec.cache: the verdict caches. L1 in the pod's memory, L2 in Redis shared by all pods, L3 on
// the pod's disk. They hold detection results keyed by a hash of the normalised text, the policy
// version and the model version; never raw text.
import { z } from 'zod';
import { SecretKeyRefSchema, QuantitySchema } from '../common.js';

export const L1CacheSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Keep recent verdicts in process memory.'),
    maxEntries: z.number().int().min(1).max(10_000_000).default(1000).describe('Most verdicts held in memory per pod.'),
    ttlSeconds: z.number().int().min(1).max(86_400).default(60).describe('How long a verdict stays in memory.'),
  })
  .prefault({})
  .describe('In-process LRU verdict cache (L1).');

export const RedisCacheSchema = z
  .object({
    url: z
      .string()
      .optional()
      .describe('Redis URL (redis://, rediss://) for running the scanner outside Kubernetes. In a PromptFirewall use urlSecretRef instead.'),
    urlSecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the Redis URL. Without url or urlSecretRef there is no L2 cache.'),
    ttlSeconds: z.number().int().min(1).max(30 * 86_400).default(3600).describe('How long a verdict stays in Redis.'),
  })
  .prefault({})
  .describe('Shared verdict cache in Redis (L2).');

export const DiskCacheSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Keep verdicts on the pod\'s disk (an emptyDir in Kubernetes).'),
    sizeLimit: QuantitySchema.default('1Gi').describe('Most disk space the cache may use.'),
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
