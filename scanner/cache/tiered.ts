// L1 (in-process LRU) in front of slower shared tiers (L2 Redis, L3 disk, added by configuration).
// A hit in a lower tier is promoted to every faster tier. Concurrent lookups of the same key that
// miss everywhere share one computation.
import { LRUCache } from 'lru-cache';
import { withSpan } from '../observability/tracing.js';
import type { CacheLayer, CacheLayerName, Detection } from './types.js';

const SPAN_NAMES: Record<CacheLayerName, string> = { l1: 'cache.l1', l2: 'cache.l2', l3: 'cache.l3' };

export interface L1Options {
  enabled: boolean;
  maxEntries: number;
  ttlSeconds: number;
}

export type CacheSource = CacheLayerName | 'miss';

export interface CacheStats {
  hits: Record<CacheLayerName, number>;
  misses: number;
  shared: number;
}

export class TieredCache {
  private l1: LRUCache<string, Detection> | undefined;
  private readonly inflight = new Map<string, Promise<{ value: Detection; source: CacheSource }>>();
  readonly stats: CacheStats = { hits: { l1: 0, l2: 0, l3: 0 }, misses: 0, shared: 0 };

  constructor(
    l1: L1Options,
    private readonly lower: readonly CacheLayer[] = [],
  ) {
    this.configure(l1);
  }

  /** Applies new L1 settings (policy reload); the old entries are dropped with the old policy. */
  configure(l1: L1Options): void {
    this.l1 = l1.enabled ? new LRUCache<string, Detection>({ max: l1.maxEntries, ttl: l1.ttlSeconds * 1000, ttlAutopurge: false }) : undefined;
  }

  /** Synchronous L1 probe, so the hot path of a hit allocates no promise. */
  peek(key: string): Detection | undefined {
    const v = this.l1?.get(key);
    if (v) this.stats.hits.l1++;
    return v;
  }

  /**
   * Looks the key up in the lower tiers, then computes it; fills the tiers it missed. Callers
   * that arrive while a lookup for the same key is running share its result.
   * A computed detection with errors is returned but not stored.
   */
  async resolve(key: string, compute: () => Promise<Detection>): Promise<{ value: Detection; source: CacheSource }> {
    const running = this.inflight.get(key);
    if (running) {
      this.stats.shared++;
      return running;
    }
    const p = this.lookupOrCompute(key, compute);
    this.inflight.set(key, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(key);
    }
  }

  private async lookupOrCompute(
    key: string,
    compute: () => Promise<Detection>,
  ): Promise<{ value: Detection; source: CacheSource }> {
    for (let i = 0; i < this.lower.length; i++) {
      const layer = this.lower[i];
      const value = await withSpan(SPAN_NAMES[layer.name], () => layer.get(key));
      if (value) {
        this.stats.hits[layer.name]++;
        this.l1?.set(key, value);
        for (let j = 0; j < i; j++) this.lower[j].set(key, value);
        return { value, source: layer.name };
      }
    }
    this.stats.misses++;
    const value = await compute();
    if (!value.errors?.length) {
      this.l1?.set(key, value);
      for (const layer of this.lower) layer.set(key, value);
    }
    return { value, source: 'miss' };
  }

  get size(): number {
    return this.l1?.size ?? 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.lower.map((l) => l.close?.()));
  }
}
