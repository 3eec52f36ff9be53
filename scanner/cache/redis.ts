// L2: verdicts in Redis, shared by every pod of a firewall. Values are the findings as JSON
// (never text); keys are <firewall prefix>v:<cache key>, expiring after the TTL. Redis being slow or
// gone turns into misses within the command timeout (see redis/connection.ts).
import type { RedisConnection } from '../redis/connection.js';
import { countLookup, type CacheLayer, type Detection, type LayerStats } from './types.js';

export class RedisCache implements CacheLayer {
  readonly name = 'l2' as const;
  readonly stats: LayerStats = { hits: 0, misses: 0, errors: 0 };

  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlSeconds: number,
  ) {}

  private key(key: string): string {
    return `${this.redis.prefix}v:${key}`;
  }

  async get(key: string): Promise<Detection | undefined> {
    const raw = await this.redis.call((c) => c.get(this.key(key)));
    let found: unknown;
    try {
      found = raw == null ? undefined : JSON.parse(raw);
    } catch {
      found = null; // counted as an error
    }
    return countLookup(this.stats, found);
  }

  set(key: string, value: Detection): void {
    void this.redis.call((c) => c.set(this.key(key), JSON.stringify({ findings: value.findings }), 'EX', this.ttlSeconds));
  }
}
