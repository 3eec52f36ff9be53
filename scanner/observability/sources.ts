// What a component exposes so that /metrics and the dashboard can read it: plain numbers kept by
// the component itself, read on every scrape (pull), so the component needs no metrics library
// and its hot path no more than `this.counter++`.
//
//   class RedisLayer implements StatSource {
//     readonly name = 'redis';
//     private errors = 0; private open = false;
//     stats() { return { errors_total: this.errors, circuit_open: this.open ? 1 : 0 }; }
//   }
//   observability.addSource(redisLayer);            // → promptfirewall_redis_errors_total, …_circuit_open
//
// A component that already keeps a `stats` object of camelCase counters needs no changes:
//   observability.addSource(statsOf('audit', () => audit.stats, ['queued', 'spoolBytes', 'up']));

/**
 * A histogram kept as plain bucket counts (Prometheus semantics: a value lands in the first bucket
 * whose upper bound is ≥ it; the last count is +Inf). For things like model batch sizes and
 * inference times, observed where they happen and exported by pull like any other stat.
 */
export class Distribution {
  /** counts[i] is the number of values in (buckets[i-1], buckets[i]]; counts[buckets.length] is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly buckets: readonly number[]) {
    for (let i = 1; i < buckets.length; i++) if (!(buckets[i] > buckets[i - 1])) throw new Error('Distribution buckets must increase');
    this.counts = new Float64Array(buckets.length + 1);
  }

  observe(value: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

export interface StatSource {
  /** Component name, one snake_case word ('redis', 'postgres', 'audit', 'model'); the metric
   *  prefix after `promptfirewall_`, and the dashboard's name for it. */
  readonly name: string;
  /** Current values. Keys are snake_case; a key ending in `_total` is a counter (it only grows),
   *  any other key a gauge. The set of keys is read once, when the source is added. */
  stats(): Record<string, number>;
  /** Histograms by key, e.g. `{ batch_size, inference_seconds }`. */
  distributions?(): Record<string, Distribution>;
  /** One line of help per key, for /metrics (well-known keys have a default). */
  readonly help?: Readonly<Record<string, string>>;
}

const snake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * A StatSource over a component's own stats object: camelCase keys become snake_case, the keys
 * listed in `gauges` are gauges and every other key is a counter (`_total` appended).
 */
export function statsOf(name: string, read: () => object, gauges: readonly string[] = []): StatSource {
  const gauge = new Set(gauges);
  return {
    name,
    stats() {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(read())) if (typeof v === 'number') out[gauge.has(k) ? snake(k) : `${snake(k)}_total`] = v;
      return out;
    },
  };
}

/** The sources of one process, keyed by name; /metrics and the dashboard read from here. */
export class SourceRegistry {
  private readonly sources = new Map<string, StatSource>();
  private readonly listeners: Array<(s: StatSource) => void> = [];

  add(source: StatSource): void {
    if (!/^[a-z][a-z0-9_]*$/.test(source.name)) throw new Error(`stat source name must be snake_case: "${source.name}"`);
    if (this.sources.has(source.name)) throw new Error(`a stat source named "${source.name}" is already registered`);
    this.sources.set(source.name, source);
    for (const l of this.listeners) l(source);
  }

  get(name: string): StatSource | undefined {
    return this.sources.get(name);
  }

  all(): StatSource[] {
    return [...this.sources.values()];
  }

  /** Calls `listener` for every source, present and future. */
  each(listener: (s: StatSource) => void): void {
    for (const s of this.sources.values()) listener(s);
    this.listeners.push(listener);
  }
}

/** A stat source's values at one moment, as plain data (to send from a worker thread). */
export interface SourceSnapshot {
  name: string;
  stats: Record<string, number>;
  distributions: Record<string, { buckets: readonly number[]; counts: number[]; sum: number; count: number }>;
}

export function snapshotOf(source: StatSource): SourceSnapshot {
  const distributions: SourceSnapshot['distributions'] = {};
  for (const [k, d] of Object.entries(source.distributions?.() ?? {})) distributions[k] = { buckets: d.buckets, counts: [...d.counts], sum: d.sum, count: d.count };
  return { name: source.name, stats: source.stats(), distributions };
}

/**
 * One source that adds up the latest snapshots of a source kept in several places (one per worker
 * thread): counters and gauges are summed, histograms bucket by bucket. `first` gives the keys.
 */
export function summedSource(first: SourceSnapshot, snapshots: () => Iterable<SourceSnapshot>): StatSource {
  const total = () => {
    const stats: Record<string, number> = Object.fromEntries(Object.keys(first.stats).map((k) => [k, 0]));
    const distributions: Record<string, Distribution> = {};
    for (const [k, d] of Object.entries(first.distributions)) distributions[k] = new Distribution(d.buckets);
    for (const s of snapshots()) {
      for (const k of Object.keys(stats)) stats[k] += s.stats[k] ?? 0;
      for (const [k, d] of Object.entries(distributions)) {
        const from = s.distributions[k];
        if (!from) continue;
        from.counts.forEach((c, i) => (d.counts[i] += c));
        d.sum += from.sum;
        d.count += from.count;
      }
    }
    return { stats, distributions };
  };
  return { name: first.name, stats: () => total().stats, distributions: () => total().distributions };
}
