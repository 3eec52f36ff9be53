// Rate limits shared by all pods: one token bucket per client in Redis, updated atomically by a Lua
// script that uses Redis's clock (pods' clocks may differ). While Redis is unavailable each pod
// keeps its own buckets with the same limits, so clients are still limited (per pod).
import { LRUCache } from 'lru-cache';
import type { RedisClient, RedisConnection } from '../redis/connection.js';
import { bucketLimits, refillMs, take, type Bucket, type Take } from './bucket.js';

/** The arithmetic of bucket.ts `take`, atomically in Redis. KEYS[1] bucket; ARGV perMs, capacity. */
export const TAKE_SCRIPT = `
local perMs = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - at) * perMs)
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / perMs) + 1000)
return {allowed, math.floor(tokens), retry}
`;

type WithTake = RedisClient & { pfTake(key: string, perMs: string, capacity: string): Promise<[number, number, number]> };

export interface RateLimitStats {
  allowed: number;
  limited: number;
  /** Decisions taken by the pod alone because Redis was unavailable. */
  local: number;
}

export class RateLimiter {
  readonly stats: RateLimitStats = { allowed: 0, limited: 0, local: 0 };
  private readonly local = new LRUCache<string, Bucket>({ max: 100_000 });

  constructor(
    private readonly redis?: RedisConnection,
    private readonly now: () => number = Date.now,
  ) {
    redis?.client.defineCommand('pfTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  async take(client: string, requestsPerMinute: number, burst: number): Promise<Take> {
    const limits = bucketLimits(requestsPerMinute, burst);
    let result: Take | undefined;
    if (this.redis) {
      const r = await this.redis.call((c) => (c as WithTake).pfTake(`${this.redis!.prefix}rl:${client}`, String(limits.perMs), String(limits.capacity)));
      if (r) result = { allowed: r[0] === 1, remaining: r[1], retryAfterMs: r[2] };
    }
    if (!result) {
      this.stats.local++;
      const now = this.now();
      const next = take(this.local.get(client), now, limits);
      this.local.set(client, next.bucket, { ttl: refillMs(next.bucket, limits) + 1000 });
      result = next.result;
    }
    this.stats[result.allowed ? 'allowed' : 'limited']++;
    return result;
  }
}
