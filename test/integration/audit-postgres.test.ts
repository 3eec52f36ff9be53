// The audit log against a real Postgres: migrations raced by several pods, retention, the read
// queries, a Postgres outage during load and SIGTERM during load, counted request by request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../scanner/audit/migrations.js';
import { pgSql, type Sql } from '../../scanner/audit/sql.js';
import { AuditStore } from '../../scanner/audit/store.js';
import { startPostgres, skipWithoutPostgres, type PostgresServer } from '../harness/postgres.js';
import { startScanner, type ScannerProcess } from '../harness/scanner-process.js';
import { waitFor } from '../harness/servers.js';
import { loadScans } from '../harness/load.js';
import { storeConformance } from '../harness/audit-conformance.js';

const skip = skipWithoutPostgres();
const sqlFor = (url: string, poolSize = 2): Sql => pgSql({ url, poolSize, statementTimeoutMs: 5000, connectTimeoutMs: 2000 });

describe('audit log on Postgres', { skip }, () => {
  let pg: PostgresServer;
  const scanners: ScannerProcess[] = [];
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await Promise.all(scanners.map((s) => s.stop('SIGKILL')));
    await pg?.close();
  });

  const auditEnv = (url: string, name: string, more: Record<string, string> = {}) => ({
    PF_AUDIT_ENABLED: 'true',
    PF_AUDIT_POSTGRES_URL: url,
    PF_FIREWALL_NAME: name,
    POD_NAMESPACE: 'test',
    PF_AUDIT_QUEUE_FLUSH_INTERVAL_MS: '50',
    ...more,
  });
  const count = async (db: string, firewall: string) =>
    (await pg.query<{ n: number; distinct_ids: number }>('SELECT count(*)::int AS n, count(DISTINCT request_id)::int AS distinct_ids FROM firewall_logs WHERE firewall = $1', [firewall], db))[0];

  it('migrations raced by several pods apply once; the schema, partitions and queries work', async () => {
    const url = await pg.createDatabase('race');
    const sqls = Array.from({ length: 6 }, () => sqlFor(url));
    const results = await Promise.all(sqls.map((s) => new AuditStore(s, 'x').open(Date.now(), 3)));
    assert.deepEqual(results.map((r) => r.length).sort(), [0, 0, 0, 0, 0, 1], 'one pod applied the migration, the others found it done');
    assert.deepEqual(await migrate(sqls[0]), []);
    assert.equal((await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM pf_schema_migrations', [], 'race'))[0].n, 1);
    await Promise.all(sqls.map((s) => s.close()));
    const sql = sqlFor(url);
    await storeConformance(sql);
    await sql.close();
  });

  it('several scanner pods starting together against an empty database all become ready and audit', async () => {
    const url = await pg.createDatabase('fleet');
    const pods = await Promise.all([1, 2, 3].map(() => startScanner({ env: auditEnv(url, 'fleet'), readyTimeoutMs: 90_000 })));
    scanners.push(...pods);
    await Promise.all(pods.map((p, i) => fetch(`${p.url}/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `fleet-${i}` }, body: JSON.stringify({ input: `pod ${i}` }) })));
    await waitFor(async () => (await count('fleet', 'test/fleet')).n === 3, 30_000, 'three audit rows');
    for (const p of pods) assert.doesNotMatch(p.logs(), /migration \d+ .* failed/);
    await Promise.all(pods.map((p) => p.stop()));
  });

  it('Postgres stopped during a load and restarted: every record arrives exactly once', async (t) => {
    const t0 = performance.now();
    const url = await pg.createDatabase('outage');
    const s = await startScanner({ env: auditEnv(url, 'outage') });
    scanners.push(s);
    const total = 1200;
    const result = await loadScans(s.url, {
      total,
      concurrency: 8,
      id: (i) => `outage-${i}`,
      at: {
        // immediate: no clean shutdown, connections cut, recovery at the next start (like a crash)
        250: () => pg.stop('immediate'),
        750: () => pg.start(),
      },
    });
    assert.equal(result.ok.length, total, `every scan answered 200 while Postgres was down: ${JSON.stringify(result.failures.slice(0, 3))}`);
    const loaded = performance.now();
    await waitFor(async () => (await count('outage', 'test/outage')).n >= total, 60_000, `${total} audit rows`);
    t.diagnostic(`load ${((loaded - t0) / 1000).toFixed(1)} s, then all rows after ${((performance.now() - loaded) / 1000).toFixed(1)} s`);
    const c = await count('outage', 'test/outage');
    assert.deepEqual(c, { n: total, distinct_ids: total }, '0 lost, 0 duplicated');
    assert.match(s.logs(), /audit spool segment replayed/, 'the outage went through the spool');
    const events = (await (await fetch(`${s.url}/v1/events?requestId=outage-42`)).json()) as { events: unknown[] };
    assert.equal(events.events.length, 1);
    assert.equal(await s.stop(), 0);
  });

  it('SIGTERM during a load: every answered scan is in the audit log', async () => {
    const url = await pg.createDatabase('sigterm');
    const s = await startScanner({ env: auditEnv(url, 'sigterm') });
    scanners.push(s);
    let exit: Promise<number | null> | undefined;
    const result = await loadScans(s.url, { total: 1000, concurrency: 8, id: (i) => `term-${i}`, at: { 400: () => void (exit = s.stop('SIGTERM')) } });
    assert.equal(await exit, 0);
    assert.ok(result.ok.length >= 400, `${result.ok.length} answered`);
    const rows = await pg.query<{ request_id: string }>('SELECT request_id FROM firewall_logs WHERE firewall = $1', ['test/sigterm'], 'sigterm');
    const stored = new Set(rows.map((r) => r.request_id));
    assert.equal(stored.size, rows.length, 'no duplicates');
    const lost = result.ok.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], 'no answered scan is missing');
  });

  it('SIGTERM while Postgres is down: the queue is spooled, and the next pod on that disk replays it', async () => {
    const url = await pg.createDatabase('spooled');
    const dataDir = mkdtempSync(join(tmpdir(), 'pf-spooled-'));
    const first = await startScanner({ env: auditEnv(url, 'spooled', { PF_DATA_DIR: dataDir }) });
    scanners.push(first);
    await waitFor(async () => /audit log schema/.test(first.logs()), 30_000, 'schema ready');
    await pg.stop('fast');
    try {
      const result = await loadScans(first.url, { total: 300, concurrency: 6, id: (i) => `spool-${i}` });
      assert.equal(result.ok.length, 300);
      assert.equal(await first.stop('SIGTERM'), 0);
    } finally {
      await pg.start();
    }
    assert.ok(readdirSync(join(dataDir, 'spool')).some((f) => f.startsWith('spool-')), 'records waited on disk');
    const second = await startScanner({ env: auditEnv(url, 'spooled', { PF_DATA_DIR: dataDir }) });
    scanners.push(second);
    await waitFor(async () => (await count('spooled', 'test/spooled')).n >= 300, 60_000, '300 replayed rows');
    assert.deepEqual(await count('spooled', 'test/spooled'), { n: 300, distinct_ids: 300 });
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
