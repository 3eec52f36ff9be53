// Prometheus metrics of a scanner process. Mostly pull: components keep plain counters (the tiered
// cache's `stats`, every StatSource) and the metrics here read them at scrape time. Two push points
// sit at the boundaries of a request: the HTTP middleware observes request durations and a
// Scanner.observe subscriber counts scans by verdict, detector and category.
//
// Names follow the Prometheus conventions: one application prefix, base units (seconds), `_total`
// on counters, `_info` gauges with value 1 for versions. Label values are bounded sets (routes of
// the route table, verdicts, detectors, categories, cache layers) — never ids or text.
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Firewall } from '../firewall.js';
import { PACKAGE_VERSION } from '../paths.js';
import type { ScanEvent } from '../scan/scanner.js';
import type { Distribution, SourceRegistry, StatSource } from './sources.js';

export const PREFIX = 'promptfirewall_';

/** Fine enough for sub-millisecond scans (100 µs) and coarse enough for a slow model (5 s). */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Help for the keys that the shared-state, audit and model components report (through
 *  statsOf over their `stats` objects; see sources.ts). Postgres is reached only by the audit log,
 *  so its errors and availability are `audit_failures_total` and `audit_up`. A source may report
 *  other keys; they get a generic help line. */
export const WELL_KNOWN_STATS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  redis: {
    calls_total: 'Redis commands sent.',
    failures_total: 'Redis commands that failed (the scan went on without L2).',
    timeouts_total: 'Redis commands that exceeded their timeout.',
    skipped_total: 'Redis calls skipped because Redis was disconnected or the circuit was open.',
    circuit_open: '1 while the circuit breaker to Redis is open or half-open (Redis is being skipped), else 0.',
    circuit_opens_total: 'Times the circuit breaker to Redis opened.',
  },
  audit: {
    queued: 'Audit records waiting in memory for the next batched write.',
    spool_bytes: 'Bytes of audit records held in the local spool while Postgres is unavailable.',
    up: '1 while the audit log can write to Postgres (schema applied, last write succeeded), else 0.',
    enqueued_total: 'Audit records handed to the audit log.',
    written_total: 'Audit records written to Postgres (from the queue or the spool).',
    duplicates_total: 'Replayed audit records Postgres already had.',
    spooled_total: 'Audit records put in the local spool because Postgres was unavailable.',
    replayed_total: 'Spooled audit records written once Postgres was back.',
    dropped_total: 'Audit records lost because the queue and the spool were full.',
    rejected_total: 'Audit records Postgres refused for their content (kept in the rejected file).',
    failures_total: 'Failed attempts to reach or write to Postgres.',
  },
  model: {
    batches_total: 'onnxruntime runs of the built-in classifier (each scores a batch of windows).',
    items_total: 'Windows scored by the built-in classifier (a text has one per view, more when it is long).',
    queue_depth: 'Texts waiting for the built-in classifier: queued for a batch or being scored.',
    batch_size: 'Windows per onnxruntime run of the built-in classifier.',
    inference_seconds: 'Time of one onnxruntime run of the built-in classifier.',
  },
};

export interface RequestLabels {
  route: string;
  method: string;
  status: number;
  /** Most severe verdict of the scans the request made, or "none". */
  verdict: string;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'route' | 'method' | 'status' | 'verdict'>;
  /** Requests being served; kept by the HTTP middleware. */
  inflight = 0;
  private readonly scans: Counter<'verdict' | 'direction' | 'cache'>;
  private readonly scanDuration: Histogram<'cache'>;
  private readonly detections: Counter<'detector' | 'category'>;
  private readonly detectorErrors: Counter<'detector' | 'code'>;

  constructor(
    firewall: Firewall,
    sources: SourceRegistry,
    options: { processMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });

    this.requestDuration = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from the request arriving to the response being sent, by route, method, status and the verdict of the scan it made ("none" for other routes).',
      labelNames: ['route', 'method', 'status', 'verdict'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    pulled(this.registry, `${PREFIX}http_requests_in_flight`, 'gauge', 'Requests being served.', () => [{ value: this.inflight }]);
    this.scans = new Counter({
      name: `${PREFIX}scans_total`,
      help: 'Scans by verdict, direction (prompt or response) and the cache layer that answered (miss: the detectors ran).',
      labelNames: ['verdict', 'direction', 'cache'],
      registers,
    });
    this.scanDuration = new Histogram({
      name: `${PREFIX}scan_duration_seconds`,
      help: 'Server-side time of one scan (normalise, caches, detectors, policy), by the cache layer that answered.',
      labelNames: ['cache'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.detections = new Counter({
      name: `${PREFIX}detections_total`,
      help: 'Scans in which a detector reported a finding of a category (counted once per scan, detector and category).',
      labelNames: ['detector', 'category'],
      registers,
    });
    this.detectorErrors = new Counter({
      name: `${PREFIX}detector_errors_total`,
      help: 'Detector failures and timeouts (the fail mode decided those scans).',
      labelNames: ['detector', 'code'],
      registers,
    });

    const { stats } = firewall.cache;
    pulled(this.registry, `${PREFIX}cache_hits_total`, 'counter', 'Verdict cache lookups answered by a layer (l1 in process, l2 Redis, l3 disk).', () =>
      (['l1', 'l2', 'l3'] as const).map((layer) => ({ labels: { layer }, value: stats.hits[layer] })),
    );
    pulled(this.registry, `${PREFIX}cache_misses_total`, 'counter', 'Verdict cache lookups that missed every layer (the detectors ran).', () => [{ value: stats.misses }]);
    pulled(this.registry, `${PREFIX}cache_shared_total`, 'counter', 'Lookups that joined an identical scan already running instead of computing again.', () => [
      { value: stats.shared },
    ]);
    pulled(this.registry, `${PREFIX}cache_entries`, 'gauge', 'Verdicts held by a cache layer.', () => [{ labels: { layer: 'l1' }, value: firewall.cache.size }]);
    pulled(this.registry, `${PREFIX}policy_info`, 'gauge', 'The policy in force (value 1): its version, mode, fail mode and the detector/model versions in the cache key.', () => {
      const { policy, version } = firewall.policy;
      return [{ labels: { policy_version: version, mode: policy.mode, fail_mode: policy.failMode, model_version: firewall.scanner.modelVersion }, value: 1 }];
    });
    pulled(this.registry, `${PREFIX}build_info`, 'gauge', 'Version of the scanner (value 1).', () => [{ labels: { version: PACKAGE_VERSION, nodejs: process.version }, value: 1 }]);

    firewall.scanner.observe((e) => this.onScan(e));
    sources.each((s) => this.addSource(s));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observeRequest(labels: RequestLabels, seconds: number): void {
    this.requestDuration.observe(labels, seconds);
  }

  private onScan(e: ScanEvent): void {
    const r = e.result;
    this.scans.inc({ verdict: r.verdict, direction: e.request.direction, cache: r.cache });
    this.scanDuration.observe({ cache: r.cache }, r.latencyMs / 1000);
    const f = r.findings;
    if (f.length === 1) this.detections.inc({ detector: f[0].detector, category: f[0].category });
    else if (f.length > 1) {
      const seen = new Set<string>();
      for (const x of f) {
        const k = `${x.detector}\0${x.category}`;
        if (seen.has(k)) continue;
        seen.add(k);
        this.detections.inc({ detector: x.detector, category: x.category });
      }
    }
    if (r.errors) for (const err of r.errors) this.detectorErrors.inc({ detector: err.detector, code: err.code });
  }

  /** One metric per key of the source: promptfirewall_<source>_<key>. */
  private addSource(source: StatSource): void {
    const help = (key: string) => source.help?.[key] ?? WELL_KNOWN_STATS[source.name]?.[key] ?? `${key.replace(/_/g, ' ')} of ${source.name}.`;
    for (const key of Object.keys(source.stats())) {
      pulled(this.registry, `${PREFIX}${source.name}_${key}`, key.endsWith('_total') ? 'counter' : 'gauge', help(key), () => [{ value: source.stats()[key] ?? 0 }]);
    }
    for (const [key, dist] of Object.entries(source.distributions?.() ?? {})) {
      pulledHistogram(this.registry, `${PREFIX}${source.name}_${key}`, help(key), () => source.distributions!()[key] ?? dist);
    }
  }
}

interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric whose samples are computed at scrape time from state that lives elsewhere. */
function pulled(registry: Registry, name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: () => Sample[]): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
  };
  registry.registerMetric(metric as unknown as Metric);
}

function pulledHistogram(registry: Registry, name: string, help: string, read: () => Distribution): void {
  pulled(registry, name, 'histogram', help, () => {
    const d = read();
    const out: Sample[] = [];
    let cumulative = 0;
    d.buckets.forEach((le, i) => {
      cumulative += d.counts[i];
      out.push({ metricName: `${name}_bucket`, labels: { le }, value: cumulative });
    });
    out.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: d.count });
    out.push({ metricName: `${name}_sum`, value: d.sum });
    out.push({ metricName: `${name}_count`, value: d.count });
    return out;
  });
}
