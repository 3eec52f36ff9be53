// What the audit store must do on any backend (Postgres, PGlite): the same checks run on both.
import assert from 'node:assert/strict';
import { partitionName, partitionsAhead } from '../../scanner/audit/partitions.js';
import { uuidv7, type AuditRecord } from '../../scanner/audit/record.js';
import type { Sql } from '../../scanner/audit/sql.js';
import { AuditStore } from '../../scanner/audit/store.js';

const DAY = 86_400_000;

/** A minimal record of the given firewall at time t. */
export function sampleRecord(firewall: string, t: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: uuidv7(t),
    time: new Date(t).toISOString(),
    firewall,
    pod: 'p',
    requestId: `r-${t}`,
    clientIp: '10.0.0.1',
    apiKeyId: null,
    direction: 'prompt',
    verdict: 'allow',
    policyVerdict: 'allow',
    mode: 'enforce',
    threatScore: 0,
    topScanner: null,
    topCategory: null,
    categories: [],
    categoryScores: {},
    detectorScores: {},
    findings: [],
    errors: null,
    latencyMs: 0.1,
    cacheLayer: 'miss',
    policyVersion: 'v',
    textLength: 1,
    fingerprint: 'f',
    text: null,
    metadata: null,
    ...extra,
  };
}

/** The same schema and queries on any Sql (also run on PGlite in embedded-audit.test.ts). */
export async function storeConformance(sql: Sql): Promise<void> {
  const now = Date.now();
  const store = new AuditStore(sql, 'ns/conformance');
  await store.open(now, 2);
  const old = [40, 35].map((d) => sampleRecord('ns/conformance', now - d * DAY));
  const recent = [
    sampleRecord('ns/conformance', now - 2000, { verdict: 'block', categories: ['prompt_injection'], topScanner: 'rules', threatScore: 0.9 }),
    sampleRecord('ns/conformance', now - 1000, { verdict: 'redact', categories: ['pii', 'secret'], topScanner: 'pii', threatScore: 0.8, clientIp: '10.9.9.9' }),
    sampleRecord('ns/other', now - 500, { verdict: 'block' }),
  ];
  assert.equal(await store.insert([...old, ...recent]), 5);
  assert.equal(await store.insert(recent), 0, 'a replay writes nothing');

  const all = await store.events({ since: new Date(now - 50 * DAY), until: new Date(now + 1000), limit: 2 });
  assert.deepEqual(all.events.map((e) => e.id), [recent[1].id, recent[0].id], 'newest first, this firewall only');
  assert.equal(all.more, true);
  const next = await store.events({ since: new Date(now - 50 * DAY), until: new Date(now + 1000), limit: 10, after: { time: recent[0].time, id: recent[0].id } });
  assert.deepEqual(next.events.map((e) => e.id), [old[1].id, old[0].id]);
  const window = { since: new Date(now - DAY), until: new Date(now + 1000), limit: 10 };
  assert.deepEqual((await store.events({ ...window, category: 'pii' })).events.map((e) => e.id), [recent[1].id]);
  assert.deepEqual((await store.events({ ...window, verdicts: ['block'] })).events.map((e) => e.id), [recent[0].id]);
  assert.deepEqual((await store.events({ ...window, clientIp: '10.9.9.9' })).events.map((e) => e.clientIp), ['10.9.9.9']);

  const stats = await store.stats(window);
  assert.equal(stats.total, 2);
  assert.equal(stats.verdicts.block, 1);
  assert.equal(stats.verdicts.redact, 1);
  assert.equal(stats.categories.secret, 1);
  assert.deepEqual(stats.scanners, { rules: 1, pii: 1 });

  const before = await store.listPartitions();
  const oldDays = old.map((r) => partitionName(Date.parse(r.time))).sort();
  for (const p of [...oldDays, ...partitionsAhead(now, 2).map((x) => x.name)]) assert.ok(before.includes(p), `${p} in ${before}`);
  const dropped = await store.applyRetention(now, 30);
  assert.deepEqual(dropped.sort(), oldDays);
  assert.deepEqual(await store.listPartitions(), before.filter((p) => !dropped.includes(p)));
  assert.equal((await store.events({ since: new Date(now - 50 * DAY), until: new Date(now + 1000), limit: 10 })).events.length, 2);
  // A late replay into a dropped day recreates its partition rather than fail.
  assert.equal(await store.insert([sampleRecord('ns/conformance', now - 40 * DAY + 5)]), 1);
}
