// The audit log's database side: schema at start-up, batched writes into daily partitions,
// retention, and the read queries of /v1/events and /v1/stats. The same code runs on Postgres and
// on the embedded PGlite.
import { migrate } from './migrations.js';
import { partitionFor, partitionsAhead, partitionsToDrop, TABLE, type PartitionSpec } from './partitions.js';
import { INSERT_RECORDS, eventsQuery, foldStats, insertParams, statsQuery, type EventFilter, type Stats, type StatsWindow } from './queries.js';
import type { AuditRecord } from './record.js';
import type { Sql } from './sql.js';

/** pg_advisory_xact_lock key serialising partition DDL between pods ("pfpar"). */
const PARTITION_LOCK = 0x7066706172;
/** pg_try_advisory_lock key: one pod at a time applies retention ("pfret"). */
const RETENTION_LOCK = 0x7066726574;

/** A batch Postgres refused because of its content, not because it was unreachable: writing it
 *  again would fail again. */
export class RejectedRecordError extends Error {
  constructor(
    message: string,
    readonly rejected: readonly AuditRecord[],
    /** Records of the same batch that were written. */
    readonly inserted: number,
  ) {
    super(message);
  }
}

/** SQLSTATE classes of errors caused by the data itself (22: data exception, 23: integrity). */
const isDataError = (err: unknown) => /^2[23]/.test(String((err as { code?: string }).code ?? '')) && !isMissingPartition(err);
/** "no partition of relation found for row" (a partition dropped by another pod's retention, or a
 *  replayed record older than the partitions created ahead). */
const isMissingPartition = (err: unknown) => (err as { code?: string }).code === '23514' && /partition/i.test((err as Error).message);

export interface EventRow {
  ts: Date | string;
  id: string;
  [column: string]: unknown;
}

export class AuditStore {
  private readonly partitions = new Set<string>();

  constructor(
    readonly sql: Sql,
    private readonly firewall: string,
  ) {}

  /** Brings the schema up to date and creates the coming days' partitions. */
  async open(now: number, aheadDays: number): Promise<number[]> {
    const applied = await migrate(this.sql);
    await this.refreshPartitions();
    await this.ensurePartitions(partitionsAhead(now, aheadDays));
    return applied;
  }

  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }

  /** Writes records; answers how many were new (the others were there already: a replay).
   *  Throws RejectedRecordError listing the records Postgres refuses whatever happens. */
  async insert(records: readonly AuditRecord[]): Promise<number> {
    await this.ensurePartitions(records.map((r) => partitionFor(Date.parse(r.time))));
    try {
      return (await this.sql.query(INSERT_RECORDS, insertParams(records))).rowCount;
    } catch (err) {
      if (isMissingPartition(err)) {
        await this.refreshPartitions();
        await this.ensurePartitions(records.map((r) => partitionFor(Date.parse(r.time))));
        return (await this.sql.query(INSERT_RECORDS, insertParams(records))).rowCount;
      }
      if (!isDataError(err)) throw err;
      // One bad record must not hold back its batch: write them one by one, report the bad ones.
      return this.insertEach(records);
    }
  }

  private async insertEach(records: readonly AuditRecord[]): Promise<number> {
    let inserted = 0;
    const rejected: AuditRecord[] = [];
    let reason = '';
    for (const r of records) {
      try {
        inserted += (await this.sql.query(INSERT_RECORDS, insertParams([r]))).rowCount;
      } catch (err) {
        if (!isDataError(err)) throw err;
        rejected.push(r);
        reason = (err as Error).message;
      }
    }
    if (rejected.length) throw new RejectedRecordError(reason, rejected, inserted);
    return inserted;
  }

  async ensurePartitions(specs: readonly PartitionSpec[]): Promise<void> {
    const missing = new Map<string, PartitionSpec>();
    for (const p of specs) if (!this.partitions.has(p.name)) missing.set(p.name, p);
    if (!missing.size) return;
    await this.sql.session(async (s) => {
      await s.query('BEGIN');
      try {
        // Two pods creating the same partition at once would fail on the catalog's unique index.
        await s.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
        for (const p of missing.values()) {
          await s.query(`CREATE TABLE IF NOT EXISTS ${p.name} PARTITION OF ${TABLE} FOR VALUES FROM ('${p.from}') TO ('${p.to}')`);
        }
        await s.query('COMMIT');
      } catch (err) {
        await s.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    for (const name of missing.keys()) this.partitions.add(name);
  }

  async listPartitions(q: Sql = this.sql): Promise<string[]> {
    const r = await q.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${TABLE}'::regclass ORDER BY 1`);
    return r.rows.map((x) => x.name);
  }

  private async refreshPartitions(): Promise<void> {
    this.partitions.clear();
    for (const n of await this.listPartitions()) this.partitions.add(n);
  }

  /** Drops the partitions past retention (when no other pod is doing it); answers their names. */
  async applyRetention(now: number, retentionDays: number): Promise<string[]> {
    return this.sql.session(async (s) => {
      const { rows } = await s.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RETENTION_LOCK]);
      if (!rows[0]?.locked) return [];
      try {
        const doomed = partitionsToDrop(await this.listPartitions(s), now, retentionDays);
        for (const name of doomed) {
          await s.query(`DROP TABLE IF EXISTS ${name}`);
          this.partitions.delete(name);
        }
        return doomed;
      } finally {
        await s.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
      }
    });
  }

  async events(filter: EventFilter): Promise<{ events: EventRow[]; more: boolean }> {
    const q = eventsQuery(this.firewall, filter);
    const { rows } = await this.sql.query<EventRow>(q.text, q.params);
    const more = rows.length > filter.limit;
    return { events: more ? rows.slice(0, filter.limit) : rows, more };
  }

  async stats(window: StatsWindow): Promise<Stats> {
    const q = statsQuery(this.firewall, window);
    return foldStats((await this.sql.query<{ kind: string; key: string; n: number }>(q.text, q.params)).rows);
  }
}
