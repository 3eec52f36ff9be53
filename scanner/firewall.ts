// Assembles a working firewall from configuration: policy, detectors, caches (L1 memory, L2 Redis,
// L3 disk), the scanner, the audit log and access control. Used by the HTTP server and by the CLI.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ScannerConfig } from '../crds/schema.js';
import { Access } from './access/access.js';
import { AuditLog } from './audit/log.js';
import { EmbeddedSql } from './audit/embedded.js';
import { toAuditRecord } from './audit/record.js';
import { Spool } from './audit/spool.js';
import { AuditStore } from './audit/store.js';
import { DiskCache } from './cache/disk.js';
import { RedisCache } from './cache/redis.js';
import { TieredCache } from './cache/tiered.js';
import type { CacheLayer } from './cache/types.js';
import { Canaries, defaultCanaryKeyFile, resolveCanaryKey, type CanaryKeySource } from './canary/canary.js';
import { ConfigWatcher } from './config/watch.js';
import { loadConfig } from './config/load.js';
import { quantityBytes } from './config/quantity.js';
import { cachedDetectors, requestDetectors } from './detectors/registry.js';
import { detectionThreads } from './classifier/cpu.js';
import { infoOf, InlineDetection, type DetectorInfo } from './scan/detection.js';
import { DetectionThreads } from './scan/detection-threads.js';
import type { Detector } from './detectors/types.js';
import { instanceFromEnv, type Instance } from './instance.js';
import type { Logger } from './log.js';
import { statsOf, type StatSource } from './observability/sources.js';
import { policyVersion } from './policy/decide.js';
import type { RedisConnection } from './redis/connection.js';
import { redisSetup } from './redis/setup.js';
import { Scanner, type ActivePolicy } from './scan/scanner.js';

export interface FirewallOptions {
  /** Configuration file (YAML/JSON); embedded defaults when absent. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Watch the configuration file and apply changes without a restart. */
  watch?: boolean;
  onReload?(event: { ok: true; policyVersion: string } | { ok: false; error: Error }): void;
  /** True for a serving process: the disk cache and the audit log (and the data directory they
   *  write to). Default false, as for one-off scans and tests. */
  stateful?: boolean;
  /** Worker threads that run the cacheable detectors (0: the event loop runs them). Default: for a
   *  stateful (serving) firewall PF_DETECTION_THREADS, else the usable CPUs less one; otherwise 0. */
  detectionThreads?: number;
  log?: Logger;
}

/** The parts that hold state outside the process, each optional by configuration. */
interface Parts {
  instance: Instance;
  log: Logger;
  /** Key of the text fingerprints in the audit log and the dashboard's recent events. */
  fingerprintKey: Buffer;
  redis?: RedisConnection;
  l2?: RedisCache;
  l3?: DiskCache;
  audit?: AuditLog;
}

export class Firewall {
  private active: ActivePolicy;
  private watcher: ConfigWatcher | undefined;
  readonly access: Access;

  private constructor(
    private config: ScannerConfig,
    /** The per-request detectors (the cacheable ones are the scanner's `detection`). */
    private readonly requestDetectors: Detector[],
    readonly cache: TieredCache,
    readonly scanner: Scanner,
    private readonly parts: Parts,
    /** Issues and recognises canary tokens; the key is fixed for the life of the process. */
    readonly canaries: Canaries,
    readonly canaryKeySource: CanaryKeySource,
  ) {
    this.active = { policy: config.policy, version: policyVersion(config.policy) };
    this.access = new Access(() => this.config, parts.redis, parts.log);
  }

  static async create(options: FirewallOptions = {}): Promise<Firewall> {
    const env = options.env ?? process.env;
    const { config, raw } = loadConfig({ file: options.configFile, env });
    const stateful = options.stateful ?? false;
    const instance = instanceFromEnv(env);
    const log = options.log ?? pino({ level: 'silent' });
    const parts: Parts = { instance, log, fingerprintKey: stateful ? loadFingerprintKey(config, instance, log) : randomBytes(32) };
    const canaryKey = resolveCanaryKey(config.proxy.canary.key, defaultCanaryKeyFile(env));
    const canaries = new Canaries(canaryKey.key);
    const threads = options.detectionThreads ?? (stateful ? detectionThreads(env) : 0);
    const detection =
      threads > 0
        ? await DetectionThreads.start({ threads, model: config.model, canaryKey: canaryKey.key, log })
        : new InlineDetection(await cachedDetectors({ canaries, model: config.model }));
    const detectors = requestDetectors();

    const setup = redisSetup(config.cache.redis);
    if (setup) {
      const prefix = config.cache.redis.keyPrefix ?? `pfw:${parts.instance.firewall}:`;
      // Loaded only when configured: ioredis and pg cost resident memory a scanner without them need not pay.
      const { RedisConnection } = await import('./redis/connection.js');
      parts.redis = new RedisConnection(setup, config.cache.redis, prefix, parts.log);
      parts.l2 = new RedisCache(parts.redis, config.cache.redis.ttlSeconds);
    }
    if (stateful && config.cache.disk.enabled) {
      const disk = config.cache.disk;
      parts.l3 = new DiskCache({
        dir: disk.path ?? join(parts.instance.dataDir, 'cache'),
        ttlSeconds: disk.ttlSeconds,
        maxEntries: disk.maxEntries,
        sizeLimitBytes: quantityBytes(disk.sizeLimit),
        log: parts.log,
      });
    }
    const lower: CacheLayer[] = [parts.l2, parts.l3].filter((l): l is RedisCache | DiskCache => l !== undefined);
    const cache = new TieredCache(config.cache.l1, lower);

    const holder: { fw?: Firewall } = {};
    const scanner = new Scanner(detectors, cache, () => holder.fw!.active, detection);
    const noStore = !config.audit.postgres.url && config.audit.embedded.enabled === false;
    if (stateful && config.audit.enabled && noStore) parts.log.warn('audit log off: no Postgres configured (audit.postgres) and the embedded store is disabled (audit.embedded.enabled: false)');
    else if (stateful && config.audit.enabled) {
      parts.audit = await openAuditLog(config, parts.instance, parts.log);
      const audit = parts.audit;
      const { firewall, pod } = parts.instance;
      const { fingerprintKey } = parts;
      scanner.observe((event) => audit.add(toAuditRecord(event, { firewall, pod, fingerprintKey, storeText: holder.fw!.config.audit.storeText })));
      audit.start();
    }
    const fw = new Firewall(config, detectors, cache, scanner, parts, canaries, canaryKey.source);
    holder.fw = fw;
    if (options.watch && options.configFile) {
      fw.watcher = new ConfigWatcher(
        {
          file: options.configFile,
          env,
          onChange: (next) => {
            fw.apply(next);
            options.onReload?.({ ok: true, policyVersion: fw.active.version });
          },
          onError: (error) => options.onReload?.({ ok: false, error }),
        },
        raw,
      );
      fw.watcher.start();
    }
    return fw;
  }

  /** Every detector: the cacheable ones (wherever they run), then the per-request ones. */
  get detectors(): DetectorInfo[] {
    return [...this.scanner.detection.detectors, ...this.requestDetectors.map(infoOf)];
  }

  get policy(): ActivePolicy {
    return this.active;
  }

  get configuration(): ScannerConfig {
    return this.config;
  }

  get instance(): Instance {
    return this.parts.instance;
  }

  /** The audit log, when this firewall keeps one. */
  get audit(): AuditLog | undefined {
    return this.parts.audit;
  }

  get fingerprintKey(): Buffer {
    return this.parts.fingerprintKey;
  }

  /** The stateful parts' and the detectors' counters, as stat sources for /metrics and the dashboard. */
  statSources(): StatSource[] {
    const { redis, l3, audit } = this.parts;
    const sources: StatSource[] = [];
    if (redis) sources.push(statsOf('redis', () => redis.stats, ['circuitOpen']));
    if (l3) sources.push(statsOf('disk_cache', () => l3.stats));
    if (audit) sources.push(statsOf('audit', () => audit.stats, ['queued', 'spoolBytes', 'up']));
    sources.push(statsOf('auth', () => this.access.stats.auth), statsOf('rate_limit', () => this.access.stats.rateLimit));
    sources.push(...this.scanner.detection.statSources());
    return sources;
  }

  /** Counters of every stateful part, as plain numbers. */
  stats() {
    return {
      cache: { ...this.cache.stats, l2: this.parts.l2 && { ...this.parts.l2.stats }, l3: this.parts.l3 && { ...this.parts.l3.stats } },
      redis: this.parts.redis?.stats,
      audit: this.parts.audit?.stats,
      ...this.access.stats,
    };
  }

  /** Swaps in a new configuration. The policy version changes, so old cache entries stop matching.
   *  Connections (Redis, Postgres) and paths are read at start-up only. */
  apply(next: ScannerConfig): void {
    const l1Changed = JSON.stringify(next.cache.l1) !== JSON.stringify(this.config.cache.l1);
    this.config = next;
    this.active = { policy: next.policy, version: policyVersion(next.policy) };
    if (l1Changed) this.cache.configure(next.cache.l1);
    this.access.apply();
  }

  /** Re-reads the configuration file now (tests, SIGHUP). */
  reload(): void {
    this.watcher?.check();
  }

  /** Writes (or spools) the audit queue first, then closes caches and connections. */
  async close(): Promise<void> {
    this.watcher?.stop();
    await this.parts.audit?.close();
    await this.cache.close();
    await this.parts.redis?.close();
    this.access.close();
    await this.scanner.detection.close();
  }
}

async function openAuditLog(config: ScannerConfig, instance: Instance, log: Logger): Promise<AuditLog> {
  const { audit } = config;
  const sql = audit.postgres.url
    ? (await import('./audit/sql.js')).pgSql({ url: audit.postgres.url, poolSize: audit.postgres.poolSize, statementTimeoutMs: audit.postgres.statementTimeoutMs, connectTimeoutMs: audit.postgres.connectTimeoutMs }, log)
    : new EmbeddedSql(audit.embedded.path ?? join(instance.dataDir, 'audit'));
  const spoolDir = audit.spool.path ?? join(instance.dataDir, 'spool');
  const spool = new Spool({ dir: spoolDir, maxBytes: quantityBytes(audit.spool.sizeLimit) });
  if (!spool.empty) log.info({ bytes: spool.bytes, dir: spoolDir }, 'audit spool found; replaying it once the store is reachable');
  return new AuditLog({ config: audit, store: new AuditStore(sql, instance.firewall), spool, rejectedFile: join(spoolDir, 'rejected.jsonl'), log });
}

/** The configured key, or one generated once for this data directory. */
function loadFingerprintKey(config: ScannerConfig, instance: Instance, log: Logger): Buffer {
  if (config.audit.fingerprintKey) return Buffer.from(config.audit.fingerprintKey);
  const file = join(instance.dataDir, 'fingerprint.key');
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim());
  } catch {
    mkdirSync(instance.dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
      log.warn({ file }, 'no audit.fingerprintKey configured: generated one for this data directory; fingerprints of other pods will differ');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return Buffer.from(readFileSync(file, 'utf8').trim());
  }
}
