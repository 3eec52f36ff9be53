// The audit writer's queue, spool and replay logic against an in-memory store that can be made to
// fail: what it must guarantee (every record once, in order) without a database. The real
// Postgres is in test/integration/audit-postgres.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ScannerConfigSchema } from '../../crds/schema.js';
import { AuditLog } from '../../scanner/audit/log.js';
import { uuidv7, type AuditRecord } from '../../scanner/audit/record.js';
import { Spool } from '../../scanner/audit/spool.js';
import { RejectedRecordError, type AuditStore } from '../../scanner/audit/store.js';
import { waitFor } from '../harness/servers.js';

/** Dedups by id like the primary key does; `down` makes every call fail like an unreachable server. */
class MemoryStore {
  rows = new Map<string, AuditRecord>();
  order: string[] = [];
  down = false;
  poison = new Set<string>();
  readonly sql = { close: async () => undefined };
  async open() {
    if (this.down) throw new Error('connect ECONNREFUSED');
    return [];
  }
  async insert(records: readonly AuditRecord[]) {
    if (this.down) throw new Error('connect ECONNREFUSED');
    await new Promise((r) => setImmediate(r));
    const bad = records.filter((r) => this.poison.has(r.id));
    let n = 0;
    for (const r of records) {
      if (this.poison.has(r.id) || this.rows.has(r.id)) continue;
      this.rows.set(r.id, r);
      this.order.push(r.id);
      n++;
    }
    if (bad.length) throw new RejectedRecordError('invalid input syntax', bad, n);
    return n;
  }
  async ensurePartitions() {}
  async applyRetention() {
    return [];
  }
}

const config = (over: Record<string, unknown> = {}) =>
  ScannerConfigSchema.parse({ audit: { queue: { batchSize: 50, flushIntervalMs: 10, size: 1000, shutdownTimeoutMs: 2000 }, ...over } }).audit;
const record = (i: number): AuditRecord => ({ id: uuidv7(), time: new Date(Date.UTC(2025, 0, 1) + i).toISOString(), requestId: `r${i}` }) as AuditRecord;

function setup(store: MemoryStore, dir = mkdtempSync(join(tmpdir(), 'pf-audit-')), over: Record<string, unknown> = {}) {
  const cfg = config(over);
  const spool = new Spool({ dir, maxBytes: 1 << 20, segmentBytes: 4096 });
  const log = new AuditLog({ config: cfg, store: store as unknown as AuditStore, spool, rejectedFile: join(dir, 'rejected.jsonl'), log: pino({ level: 'silent' }), retryMs: 20 });
  log.start();
  return { log, dir, spool };
}

describe('audit log writer', () => {
  it('writes every record once, in batches, in order', async () => {
    const store = new MemoryStore();
    const { log } = setup(store);
    const sent = Array.from({ length: 420 }, (_, i) => record(i));
    for (const r of sent) log.add(r);
    await waitFor(async () => store.rows.size === 420, 10_000, 'all rows');
    assert.deepEqual(store.order, sent.map((r) => r.id));
    await log.close();
    assert.equal(log.stats.written, 420);
    assert.equal(log.stats.spooled, 0);
  });

  it('leaves the event loop free while the store is still opening with a full batch queued', async () => {
    // PGlite's first start takes seconds; the writer must wait for it, not spin on the microtask
    // queue (which starves every timer and socket of the process).
    const store = new MemoryStore();
    let opened!: () => void;
    const opening = new Promise<void>((resolve) => (opened = resolve));
    store.open = async () => {
      await opening;
      return [];
    };
    const { log } = setup(store);
    const sent = Array.from({ length: 120 }, (_, i) => record(i));
    for (const r of sent) log.add(r);
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(store.rows.size, 0);
    opened();
    await waitFor(async () => store.rows.size === 120, 10_000, 'rows after the store opened');
    assert.deepEqual(store.order, sent.map((r) => r.id));
    await log.close();
  });

  it('spools while the store is down and replays the backlog before newer records when it is back', async () => {
    const store = new MemoryStore();
    const { log } = setup(store);
    const sent = Array.from({ length: 600 }, (_, i) => record(i));
    for (const r of sent.slice(0, 100)) log.add(r);
    await waitFor(async () => store.rows.size === 100, 10_000, 'first rows');
    store.down = true;
    for (const r of sent.slice(100, 400)) log.add(r);
    await waitFor(async () => log.stats.spooled === 300, 10_000, 'spooled');
    store.down = false;
    for (const r of sent.slice(400)) log.add(r);
    await waitFor(async () => store.rows.size === 600, 10_000, 'all rows');
    assert.deepEqual(store.order, sent.map((r) => r.id), 'order kept across the outage');
    await log.close();
    // Records that arrived while the writer still waited to probe the store went through the spool too.
    assert.ok(log.stats.replayed >= 300, `${log.stats.replayed} replayed`);
    assert.equal(log.stats.replayed, log.stats.spooled);
    assert.equal(log.stats.dropped, 0);
    assert.equal(log.stats.spoolBytes, 0, 'the spool is empty again');
  });

  it('spools the queue on shutdown while the store is down; the next process replays it', async () => {
    const store = new MemoryStore();
    store.down = true;
    const first = setup(store);
    const sent = Array.from({ length: 250 }, (_, i) => record(i));
    for (const r of sent) first.log.add(r);
    await first.log.close();
    assert.equal(first.log.stats.spooled, 250);
    assert.ok(readdirSync(first.dir).some((n) => n.startsWith('spool-')));
    store.down = false;
    const second = setup(store, first.dir);
    await waitFor(async () => store.rows.size === 250, 10_000, 'replayed rows');
    assert.deepEqual(store.order, sent.map((r) => r.id));
    await second.log.close();
  });

  it('replaying a segment twice (a crash before its deletion) writes nothing twice', async () => {
    const store = new MemoryStore();
    store.down = true;
    const first = setup(store);
    for (let i = 0; i < 80; i++) first.log.add(record(i));
    await first.log.close();
    const segment = readdirSync(first.dir).find((n) => n.startsWith('spool-'))!;
    const copy = readFileSync(join(first.dir, segment));
    store.down = false;
    const second = setup(store, first.dir);
    await waitFor(async () => store.rows.size === 80, 10_000, 'rows');
    await second.log.close();
    // The same segment again, as if the process had died between the write and the unlink.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(first.dir, segment), copy);
    const third = setup(store, first.dir);
    await waitFor(async () => third.log.stats.duplicates === 80, 10_000, 'duplicates skipped');
    await third.log.close();
    assert.equal(store.rows.size, 80);
    assert.equal(third.log.stats.written, 0);
  });

  it('when queue and spool are both full, refuses (hasRoom) and counts what it drops', async () => {
    const store = new MemoryStore();
    store.down = true;
    const dir = mkdtempSync(join(tmpdir(), 'pf-audit-'));
    const cfg = config({ queue: { size: 10, batchSize: 5, flushIntervalMs: 10 } });
    const log = new AuditLog({ config: cfg, store: store as unknown as AuditStore, spool: new Spool({ dir, maxBytes: 10 }), log: pino({ level: 'silent' }), retryMs: 20 });
    log.start();
    for (let i = 0; i < 15; i++) log.add(record(i));
    assert.equal(log.hasRoom(), false);
    assert.equal(log.stats.dropped, 5);
    await log.close();
    assert.equal(log.stats.dropped, 15, 'nothing could be kept at shutdown either, and it is counted');
  });

  it('keeps records the store refuses for their content aside, and writes the rest', async () => {
    const store = new MemoryStore();
    const { log, dir } = setup(store);
    const sent = Array.from({ length: 10 }, (_, i) => record(i));
    store.poison.add(sent[3].id);
    for (const r of sent) log.add(r);
    await waitFor(async () => store.rows.size === 9, 10_000, 'good rows');
    await log.close();
    assert.equal(log.stats.rejected, 1);
    assert.ok(existsSync(join(dir, 'rejected.jsonl')));
    assert.match(readFileSync(join(dir, 'rejected.jsonl'), 'utf8'), new RegExp(sent[3].id));
  });
});
