// L3: verdicts on the pod's disk (an emptyDir in Kubernetes), in LMDB: memory-mapped, so a read is
// a synchronous lookup without a thread hop; writes are batched off the main thread. Bounded three
// ways: a TTL per entry, a maximum entry count and a size limit; a sweep removes expired entries
// and then the oldest ones until both bounds hold. LMDB reuses freed pages, so the file stops
// growing once eviction keeps up.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Finding } from '../detectors/types.js';
import type { Logger } from '../log.js';
import { countLookup, type CacheLayer, type Detection, type LayerStats } from './types.js';

export interface DiskCacheOptions {
  dir: string;
  ttlSeconds: number;
  maxEntries: number;
  sizeLimitBytes: number;
  /** How often expired and surplus entries are removed (also after maxEntries/10 writes). */
  sweepIntervalMs?: number;
  now?: () => number;
  log?: Logger;
}

interface Stored {
  /** Expiry, epoch ms. */
  e: number;
  f: Finding[];
}

export interface DiskCacheStats extends LayerStats {
  expired: number;
  evicted: number;
}

/** Evict down to this share of a bound, so that a full cache is not swept on every write. */
const LOW_WATER = 0.9;

export class DiskCache implements CacheLayer {
  readonly name = 'l3' as const;
  readonly stats: DiskCacheStats = { hits: 0, misses: 0, errors: 0, expired: 0, evicted: 0 };
  private readonly root: RootDatabase;
  private readonly entries: Database<Stored, string>;
  /** [expiry, key] in expiry order, which is insertion order for one TTL: the eviction queue. */
  private readonly byExpiry: Database<null, [number, string]>;
  private readonly file: string;
  private readonly now: () => number;
  private writesSinceSweep = 0;
  private lastWrite: Promise<unknown> = Promise.resolve();
  private sweeping: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: DiskCacheOptions) {
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true });
    this.file = join(opts.dir, 'verdicts.mdb');
    this.root = openOrReset(this.file, opts);
    this.entries = this.root.openDB<Stored, string>({ name: 'entries' });
    this.byExpiry = this.root.openDB<null, [number, string]>({ name: 'expiry' });
    this.timer = setInterval(() => void this.sweep(), opts.sweepIntervalMs ?? 30_000);
    this.timer.unref();
  }

  get size(): number {
    return (this.entries.getStats() as { entryCount: number }).entryCount;
  }

  async get(key: string): Promise<Detection | undefined> {
    let stored: Stored | undefined;
    try {
      stored = this.entries.get(key);
    } catch {
      this.stats.errors++;
      return undefined;
    }
    return countLookup(this.stats, stored && stored.e > this.now() ? { findings: stored.f } : undefined);
  }

  set(key: string, value: Detection): void {
    const e = this.now() + this.opts.ttlSeconds * 1000;
    this.lastWrite = this.root
      .batch(() => {
        void this.entries.put(key, { e, f: value.findings });
        void this.byExpiry.put([e, key], null);
      })
      .catch(() => {
        // Most likely the map is full: make room for the next writes.
        this.stats.errors++;
        void this.sweep(true);
      });
    if (++this.writesSinceSweep >= Math.max(100, this.opts.maxEntries / 10)) void this.sweep();
  }

  /** Resolves when the writes issued so far are committed. */
  flush(): Promise<unknown> {
    return this.lastWrite;
  }

  /** Removes expired entries, then the oldest ones while over the entry count or size limit. */
  sweep(force = false): Promise<void> {
    return (this.sweeping ??= this.sweepNow(force).finally(() => (this.sweeping = undefined)));
  }

  private async sweepNow(force: boolean): Promise<void> {
    this.writesSinceSweep = 0;
    await this.lastWrite;
    const now = this.now();
    const doomed: Array<[number, string]> = [];
    for (const k of this.byExpiry.getKeys({ end: [now] })) doomed.push(k as [number, string]);
    const expired = doomed.length;
    const count = this.size - expired;
    let excess = count > this.opts.maxEntries ? count - Math.floor(this.opts.maxEntries * LOW_WATER) : 0;
    if (force || this.fileBytes() > this.opts.sizeLimitBytes * LOW_WATER) excess = Math.max(excess, Math.ceil(count * (1 - LOW_WATER)));
    if (excess > 0) for (const k of this.byExpiry.getKeys({ start: [now], limit: excess })) doomed.push(k as [number, string]);
    if (!doomed.length) return;
    const removed = { expired: 0, evicted: 0 };
    await this.root.batch(() => {
      doomed.forEach(([e, key], i) => {
        void this.byExpiry.remove([e, key]);
        // An entry rewritten since has a later expiry and is kept.
        if (this.entries.get(key)?.e !== e) return;
        void this.entries.remove(key);
        removed[i < expired ? 'expired' : 'evicted']++;
      });
    });
    this.stats.expired += removed.expired;
    this.stats.evicted += removed.evicted;
    this.opts.log?.debug(removed, 'disk cache swept');
  }

  private fileBytes(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.lastWrite.catch(() => undefined);
    await this.sweeping;
    await this.root.close();
  }
}

/** A cache that cannot be opened (corrupted by a crash of the machine) is started afresh. */
function openOrReset(file: string, opts: DiskCacheOptions): RootDatabase {
  const options = { path: file, maxDbs: 4, mapSize: opts.sizeLimitBytes, compression: false };
  try {
    return open(options);
  } catch (err) {
    opts.log?.warn({ err: (err as Error).message, file }, 'disk cache unreadable; starting an empty one');
    rmSync(file, { force: true });
    rmSync(`${file}-lock`, { force: true });
    return open(options);
  }
}
