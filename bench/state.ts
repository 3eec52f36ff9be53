// Shared-state figures: cache hit latency per layer, scan latency with Redis alive, dead and
// frozen, and audit write throughput to Postgres. Starts its own redis-server and Postgres.
//   npx tsx bench/state.ts        (writes bench/results/state.md)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ScannerConfigSchema } from '../crds/schema.js';
import { AuditLog } from '../scanner/audit/log.js';
import { uuidv7 } from '../scanner/audit/record.js';
import { Spool } from '../scanner/audit/spool.js';
import { pgSql } from '../scanner/audit/sql.js';
import { AuditStore } from '../scanner/audit/store.js';
import { DiskCache } from '../scanner/cache/disk.js';
import { RedisCache } from '../scanner/cache/redis.js';
import { TieredCache } from '../scanner/cache/tiered.js';
import type { Detection } from '../scanner/cache/types.js';
import { Firewall } from '../scanner/firewall.js';
import { RedisConnection } from '../scanner/redis/connection.js';
import { redisSetup } from '../scanner/redis/setup.js';
import { sampleRecord } from '../test/harness/audit-conformance.js';
import { quantile } from '../test/harness/load.js';
import { startPostgres } from '../test/harness/postgres.js';
import { startRedis } from '../test/harness/redis.js';

const lines: string[] = [];
const out = (s = '') => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};
const ms = (ns: bigint) => Number(ns) / 1e6;
const fmt = (xs: number[]) => ['p50', 'p95', 'p99'].map((_, i) => quantile(xs, [0.5, 0.95, 0.99][i]).toFixed(3)).join(' | ');

async function timeEach(n: number, fn: (i: number) => unknown): Promise<number[]> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    xs.push(ms(process.hrtime.bigint() - t));
  }
  return xs;
}

const detection: Detection = { findings: [{ detector: 'rules', category: 'prompt_injection', score: 0.97, spans: [{ start: 0, end: 32 }], message: 'instruction override', rule: 'instruction_override' }] };

const redis = await startRedis();
const pg = await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'pf-bench-'));
try {
  out(`# Shared state benchmark`);
  out();
  out(`${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; redis-server and Postgres on loopback. Command: \`npx tsx bench/state.ts\`.`);
  out();

  // 1. Cache hits per layer (the layer's own lookup, in-process).
  const cfg = ScannerConfigSchema.parse({ cache: { redis: { url: redis.url } } }).cache.redis;
  const conn = new RedisConnection(redisSetup(cfg)!, cfg, 'pfw:bench:');
  while (!conn.ready) await new Promise((r) => setTimeout(r, 20));
  const l2 = new RedisCache(conn, 3600);
  const l3 = new DiskCache({ dir: join(dir, 'l3'), ttlSeconds: 86_400, maxEntries: 100_000, sizeLimitBytes: 1 << 30 });
  const l1 = new TieredCache({ enabled: true, maxEntries: 1000, ttlSeconds: 60 });
  const N = 5000;
  for (let i = 0; i < N; i++) {
    // Written directly and awaited: a burst of fire-and-forget SETs would trip the breaker.
    await conn.client.set(`pfw:bench:v:k${i}`, JSON.stringify(detection));
    l3.set(`k${i}`, detection);
    await l1.resolve(`k${i % 1000}`, async () => detection);
  }
  await l3.flush();
  await new Promise((r) => setTimeout(r, 200));
  out('## Cache hit latency per layer (ms, lookup of a present key)');
  out();
  out('| layer | p50 | p95 | p99 |');
  out('|---|---|---|---|');
  out(`| L1 memory (LRU peek) | ${fmt(await timeEach(N, (i) => l1.peek(`k${i % 1000}`)))} |`);
  out(`| L2 Redis (GET + parse) | ${fmt(await timeEach(N, (i) => l2.get(`k${i}`)))} |`);
  out(`| L3 disk (LMDB get) | ${fmt(await timeEach(N, (i) => l3.get(`k${i}`)))} |`);
  out();
  await l3.close();
  await conn.close();

  // 2. Whole scans (unique texts: every scan misses L1/L3 and asks Redis) with Redis alive, dead, frozen.
  const fw = await Firewall.create({ env: { PF_CACHE_REDIS_URL: redis.url, PF_DATA_DIR: join(dir, 'fw'), PF_AUDIT_ENABLED: 'false', PF_CACHE_DISK_ENABLED: 'false' } });
  while (fw.stats().redis?.calls === undefined) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  let n = 0;
  const scanMany = (count: number) => timeEach(count, () => fw.scanner.scan({ input: `benchmark text number ${n++} please ignore`, direction: 'prompt' }));
  await scanMany(2000); // warm-up
  out('## Scan latency, cache miss, by Redis state (ms, in-process, one scan at a time)');
  out();
  out('| Redis | p50 | p95 | p99 | max |');
  out('|---|---|---|---|---|');
  const row = (label: string, xs: number[]) => out(`| ${label} | ${fmt(xs)} | ${Math.max(...xs).toFixed(3)} |`);
  row('alive (GET miss + SET)', await scanMany(N));
  await redis.kill();
  row('killed (connection refused: skipped at once)', await scanMany(N));
  await redis.start();
  await new Promise((r) => setTimeout(r, 2500)); // ioredis reconnects within 2 s
  redis.freeze();
  row(`frozen (SIGSTOP: ${cfg.commandTimeoutMs} ms command timeout, then the circuit opens)`, await scanMany(N));
  redis.thaw();
  out();
  out(`Redis counters after the runs: ${JSON.stringify(fw.stats().redis)}`);
  out();
  await fw.close();

  // 3. Audit writes to Postgres.
  const url = await pg.createDatabase('bench');
  const sql = pgSql({ url, poolSize: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 2000 });
  const store = new AuditStore(sql, 'bench/audit');
  await store.open(Date.now(), 2);
  out('## Audit writes to Postgres (records/s)');
  out();
  out('| path | batch | records | records/s |');
  out('|---|---|---|---|');
  for (const batch of [1, 100, 500]) {
    const total = batch === 1 ? 2000 : 40_000;
    const records = Array.from({ length: total }, (_, i) => sampleRecord('bench/audit', Date.now() - i, { id: uuidv7(), findings: detection.findings as never, categories: ['prompt_injection'], verdict: 'block', threatScore: 0.97 }));
    const t = performance.now();
    for (let i = 0; i < total; i += batch) await store.insert(records.slice(i, i + batch));
    out(`| AuditStore.insert | ${batch} | ${total} | ${Math.round(total / ((performance.now() - t) / 1000))} |`);
  }
  const auditCfg = ScannerConfigSchema.parse({}).audit;
  const audit = new AuditLog({ config: auditCfg, store, spool: new Spool({ dir: join(dir, 'spool'), maxBytes: 1 << 30 }), log: pino({ level: 'silent' }) });
  audit.start();
  const total = 50_000;
  const t = performance.now();
  for (let i = 0; i < total; i++) {
    audit.add(sampleRecord('bench/audit', Date.now(), { id: uuidv7(), findings: detection.findings as never, categories: ['prompt_injection'], verdict: 'block', threatScore: 0.97 }));
    // As fast as the writer drains, without overflowing the queue.
    while (audit.stats.queued >= auditCfg.queue.size / 2) await new Promise((r) => setTimeout(r, 5));
  }
  while (audit.stats.written < total) await new Promise((r) => setTimeout(r, 20));
  out(`| AuditLog queue → batches (default batch ${auditCfg.queue.batchSize}, flush ${auditCfg.queue.flushIntervalMs} ms) | ${auditCfg.queue.batchSize} | ${total} | ${Math.round(total / ((performance.now() - t) / 1000))} |`);
  await audit.close();
  out();
  out(`Machine load average while running: ${loadavg().map((x) => x.toFixed(1)).join(', ')} (other work on the same 2 cores inflates the tails).`);
} finally {
  await redis.close();
  await pg.close();
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(join(import.meta.dirname ?? 'bench', 'results', 'state.md'), `${lines.join('\n')}\n`);
