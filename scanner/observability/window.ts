// The dashboard's memory: the last few minutes of traffic in one-second slots (request rate,
// latency quantiles, verdict mix, findings by detector and category, where cache lookups were
// answered). Bounded and allocation-free per request; a one-second timer closes each slot.
import type { CacheStats } from '../cache/tiered.js';
import type { ScanResult } from '../scan/scanner.js';

// Latency histogram per slot: log-spaced buckets from 10 µs to ~2 min, each 15% wider than the one
// before, so a quantile is known to within ±7.5%.
const MIN_MS = 0.01;
const GROWTH = 1.15;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 120;
const bucketOf = (ms: number) => (ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH)));
/** Geometric middle of a bucket, the estimate reported for values in it. */
const bucketValue = (i: number) => (i === 0 ? MIN_MS : MIN_MS * GROWTH ** (i - 0.5));

const VERDICTS = ['allow', 'flag', 'redact', 'block'] as const;
const LAYERS = ['l1', 'l2', 'l3', 'miss'] as const;

interface Slot {
  start: number;
  end: number;
  requests: number;
  /** Answers with status ≥ 500, and 4xx answers (rejected requests). */
  errors: number;
  rejected: number;
  latency: Uint32Array;
  verdicts: Float64Array;
  /** "detector\0category" → scans. */
  findings: Map<string, number>;
  /** Cache lookups answered by l1, l2, l3, and misses, in this slot. */
  cache: Float64Array;
}

const newSlot = (): Slot => ({
  start: 0,
  end: 0,
  requests: 0,
  errors: 0,
  rejected: 0,
  latency: new Uint32Array(BUCKETS),
  verdicts: new Float64Array(VERDICTS.length),
  findings: new Map(),
  cache: new Float64Array(LAYERS.length),
});

export interface WindowSeries {
  /** Slot start times, Unix seconds. */
  t: number[];
  rps: number[];
  errorsPerSecond: number[];
  /** Latency quantiles in milliseconds; null where a slot saw no request. */
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
  /** Scans per second by verdict. */
  verdicts: Record<(typeof VERDICTS)[number], number[]>;
  /** Share (0–1) of cache lookups answered by each layer; null where there was no lookup. */
  cache: Record<(typeof LAYERS)[number], Array<number | null>>;
}

export interface WindowSummary {
  seconds: number;
  requests: number;
  scans: number;
  verdicts: Record<(typeof VERDICTS)[number], number>;
  cache: Record<(typeof LAYERS)[number], number>;
  latency: { p50: number | null; p95: number | null; p99: number | null };
  topDetectors: Array<{ detector: string; scans: number }>;
  topCategories: Array<{ category: string; scans: number }>;
}

export class RollingWindow {
  private readonly slots: Slot[];
  private current = 0;
  private filled = 0;
  private lastCache: number[];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly cacheStats: CacheStats,
    readonly seconds = 300,
    private readonly now: () => number = Date.now,
  ) {
    this.slots = Array.from({ length: seconds + 1 }, newSlot);
    this.slots[0].start = now();
    this.lastCache = this.readCache();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  request(ms: number, status: number): void {
    const s = this.slots[this.current];
    s.requests++;
    s.latency[bucketOf(ms)]++;
    if (status >= 500) s.errors++;
    else if (status >= 400) s.rejected++;
  }

  scan(result: ScanResult): void {
    const s = this.slots[this.current];
    s.verdicts[VERDICTS.indexOf(result.verdict)]++;
    for (const f of result.findings) {
      const k = `${f.detector}\0${f.category}`;
      s.findings.set(k, (s.findings.get(k) ?? 0) + 1);
    }
  }

  /** Closes the current slot and opens the next (called every second; public for tests). */
  tick(): void {
    const t = this.now();
    const s = this.slots[this.current];
    s.end = t;
    const cache = this.readCache();
    for (let i = 0; i < LAYERS.length; i++) s.cache[i] = cache[i] - this.lastCache[i];
    this.lastCache = cache;
    this.current = (this.current + 1) % this.slots.length;
    this.filled = Math.min(this.filled + 1, this.slots.length - 1);
    const next = this.slots[this.current];
    next.start = t;
    next.end = 0;
    next.requests = next.errors = next.rejected = 0;
    next.latency.fill(0);
    next.verdicts.fill(0);
    next.findings.clear();
    next.cache.fill(0);
  }

  private readCache(): number[] {
    const { hits, misses } = this.cacheStats;
    return [hits.l1, hits.l2, hits.l3, misses];
  }

  /** Closed slots, oldest first. */
  private closed(): Slot[] {
    const out: Slot[] = [];
    const n = this.slots.length;
    for (let k = this.filled; k >= 1; k--) out.push(this.slots[(this.current - k + n) % n]);
    return out;
  }

  series(): WindowSeries {
    const slots = this.closed();
    const perSecond = (s: Slot, v: number) => round(v / Math.max(0.001, (s.end - s.start) / 1000), 2);
    const out: WindowSeries = {
      t: [],
      rps: [],
      errorsPerSecond: [],
      p50: [],
      p95: [],
      p99: [],
      verdicts: { allow: [], flag: [], redact: [], block: [] },
      cache: { l1: [], l2: [], l3: [], miss: [] },
    };
    for (const s of slots) {
      out.t.push(Math.round(s.start / 1000));
      out.rps.push(perSecond(s, s.requests));
      out.errorsPerSecond.push(perSecond(s, s.errors));
      const [p50, p95, p99] = quantiles(s.latency, s.requests, [0.5, 0.95, 0.99]);
      out.p50.push(p50);
      out.p95.push(p95);
      out.p99.push(p99);
      VERDICTS.forEach((v, i) => out.verdicts[v].push(perSecond(s, s.verdicts[i])));
      const lookups = s.cache.reduce((a, b) => a + b, 0);
      LAYERS.forEach((l, i) => out.cache[l].push(lookups ? round(s.cache[i] / lookups, 4) : null));
    }
    return out;
  }

  summary(top = 8): WindowSummary {
    const slots = this.closed();
    slots.push(this.slots[this.current]);
    const latency = new Uint32Array(BUCKETS);
    const verdicts = new Float64Array(VERDICTS.length);
    const cache = new Float64Array(LAYERS.length);
    const byDetector = new Map<string, number>();
    const byCategory = new Map<string, number>();
    let requests = 0;
    for (const s of slots) {
      requests += s.requests;
      for (let i = 0; i < BUCKETS; i++) latency[i] += s.latency[i];
      for (let i = 0; i < VERDICTS.length; i++) verdicts[i] += s.verdicts[i];
      for (let i = 0; i < LAYERS.length; i++) cache[i] += s.cache[i];
      for (const [k, n] of s.findings) {
        const [detector, category] = k.split('\0');
        byDetector.set(detector, (byDetector.get(detector) ?? 0) + n);
        byCategory.set(category, (byCategory.get(category) ?? 0) + n);
      }
    }
    const [p50, p95, p99] = quantiles(latency, requests, [0.5, 0.95, 0.99]);
    const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
    return {
      seconds: this.seconds,
      requests,
      scans: verdicts.reduce((a, b) => a + b, 0),
      verdicts: Object.fromEntries(VERDICTS.map((v, i) => [v, verdicts[i]])) as WindowSummary['verdicts'],
      cache: Object.fromEntries(LAYERS.map((l, i) => [l, cache[i]])) as WindowSummary['cache'],
      latency: { p50, p95, p99 },
      topDetectors: ranked(byDetector).map(([detector, scans]) => ({ detector, scans })),
      topCategories: ranked(byCategory).map(([category, scans]) => ({ category, scans })),
    };
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function quantiles(hist: Uint32Array, total: number, qs: number[]): Array<number | null> {
  if (total === 0) return qs.map(() => null);
  const out: Array<number | null> = [];
  let cumulative = 0;
  let i = 0;
  for (const q of qs) {
    const rank = Math.max(1, Math.ceil(q * total));
    while (i < hist.length && cumulative + hist[i] < rank) cumulative += hist[i++];
    out.push(round(bucketValue(Math.min(i, hist.length - 1)), 3));
  }
  return out;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
