// The audit log's write path, off the request path: scans add records to a bounded in-memory
// queue; one writer loop sends them to Postgres in batches (by size, or every flush interval).
//
//   scan ─► queue ─► batch INSERT ... ON CONFLICT DO NOTHING ─► Postgres
//              │                 ▲
//              └► spool (disk) ──┘ replayed oldest first when Postgres is back
//
// While Postgres is unreachable (or not yet migrated) batches go to the spool instead, and the
// writer probes Postgres again after a cool-down. The backlog in the spool is written before newer
// records, so the order is kept. On shutdown the queue is written while time allows, and spooled
// after that. When the queue is full and the spool cannot take more, records are dropped (counted
// and logged); in fail-closed mode the HTTP layer refuses scans before that happens (hasRoom).
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditConfig } from '../../crds/schema.js';
import type { Logger } from '../log.js';
import { CircuitBreaker } from '../redis/breaker.js';
import { encodeRecords, type Spool } from './spool.js';
import type { AuditRecord } from './record.js';
import { RejectedRecordError, type AuditStore } from './store.js';
import { partitionsAhead } from './partitions.js';
import { rootSpan } from '../observability/tracing.js';

export interface AuditLogOptions {
  config: AuditConfig;
  store: AuditStore;
  spool: Spool;
  /** Where records Postgres refuses for their content are kept (a file of JSON lines). */
  rejectedFile?: string;
  log: Logger;
  now?: () => number;
  /** Pause between attempts to reach Postgres while it is down. */
  retryMs?: number;
}

export interface AuditStats {
  enqueued: number;
  /** Rows written to Postgres (from the queue or the spool). */
  written: number;
  /** Records Postgres already had: replays of a batch whose first write was not acknowledged. */
  duplicates: number;
  spooled: number;
  replayed: number;
  /** Records lost because every bound was exhausted (or that arrived after shutdown). */
  dropped: number;
  /** Records Postgres refuses for their content, kept in the rejected file. */
  rejected: number;
  /** Failed attempts to reach or write to Postgres. */
  failures: number;
  queued: number;
  spoolBytes: number;
  /** 1 while the schema is applied and the last write succeeded. */
  up: number;
}

export class AuditLog {
  private queue: AuditRecord[] = [];
  private readonly counts = { enqueued: 0, written: 0, duplicates: 0, spooled: 0, replayed: 0, dropped: 0, rejected: 0, failures: 0 };
  private schemaReady = false;
  private readonly breaker: CircuitBreaker;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private opening: Promise<void> | undefined;
  private stopping = false;
  private closed = false;
  /** Set when shutdown stops waiting for a write: its outcome no longer changes the queue. */
  private abandoned = false;
  private retention: NodeJS.Timeout | undefined;
  private lastWarning = 0;
  private readonly now: () => number;

  constructor(private readonly opts: AuditLogOptions) {
    this.now = opts.now ?? Date.now;
    this.breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: opts.retryMs ?? 1000 }, this.now);
  }

  get stats(): AuditStats {
    return { ...this.counts, queued: this.queue.length, spoolBytes: this.opts.spool.bytes, up: this.schemaReady && this.breaker.state === 'closed' ? 1 : 0 };
  }

  start(): void {
    this.loop ??= this.run();
    this.retention = setInterval(() => void this.maintain(), this.opts.config.retentionCheckMinutes * 60_000);
    this.retention.unref();
  }

  /** The store, for the read side (GET /v1/events, /v1/stats). */
  get store(): AuditStore {
    return this.opts.store;
  }

  /** True once the schema is in place. */
  get ready(): boolean {
    return this.schemaReady;
  }

  /** False when a new record would not fit in the queue. */
  hasRoom(): boolean {
    return this.queue.length < this.opts.config.queue.size;
  }

  add(record: AuditRecord): void {
    if (this.closed || !this.hasRoom()) {
      this.counts.dropped++;
      this.warn(this.closed ? 'audit record after shutdown dropped' : 'audit queue full and spool unavailable: record dropped');
      return;
    }
    this.queue.push(record);
    this.counts.enqueued++;
    // Wake the writer for a full batch it can write now, or to spool before the queue fills up.
    if (this.moreToWrite() || this.queue.length >= this.opts.config.queue.size / 2) this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.step();
      if (!this.stopping && !this.moreToWrite()) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.config.queue.flushIntervalMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** True when the next step can write right away: the store is up and a backlog or a full batch
   *  waits. Otherwise the loop sleeps until the flush interval, a full batch or shutdown wakes it —
   *  never spinning while the store is opening or down, which would starve the event loop. */
  private moreToWrite(): boolean {
    if (!this.schemaReady || this.breaker.state !== 'closed') return false;
    return !this.opts.spool.empty || this.queue.length >= this.opts.config.queue.batchSize;
  }

  /** One unit of work: reach Postgres, replay a spool segment, write a batch, or spool. */
  private async step(): Promise<void> {
    // Connecting runs beside the loop: PGlite's first start takes seconds, a Postgres behind a
    // black hole up to the connect timeout.
    if (!this.schemaReady) this.opening ??= this.open().finally(() => (this.opening = undefined));
    if (!this.schemaReady || !this.breaker.allow()) {
      // While the first connection is being made records stay in memory, unless they pile up.
      if (!this.opening || this.queue.length >= this.opts.config.queue.size / 2) await this.spoolQueue();
      return;
    }
    try {
      if (!this.opts.spool.empty) {
        // Newer records wait behind the backlog; keep memory for the scans meanwhile.
        if (this.queue.length >= this.opts.config.queue.size / 2) await this.spoolQueue();
        await rootSpan('audit.replay', () => this.replaySegment());
      } else if (this.queue.length) {
        const records = Math.min(this.queue.length, this.opts.config.queue.batchSize);
        await rootSpan('audit.flush', () => this.writeBatch(), { 'promptfirewall.audit.records': records });
      }
      this.breaker.success();
    } catch (err) {
      this.failed(err, 'audit write failed; spooling until postgres is back');
    }
  }

  private async open(): Promise<void> {
    if (!this.breaker.allow()) return;
    try {
      const applied = await this.opts.store.open(this.now(), this.opts.config.partitionsAheadDays);
      this.schemaReady = true;
      this.breaker.success();
      this.opts.log.info({ applied }, applied.length ? 'audit log schema migrated' : 'audit log schema up to date');
      void this.maintain();
    } catch (err) {
      this.failed(err, 'audit store unavailable; spooling until it is reachable');
    }
  }

  private failed(err: unknown, message: string): void {
    this.counts.failures++;
    this.breaker.failure();
    this.warn(message, err);
  }

  /** Writes the oldest queued batch; on failure moves it to the spool and rethrows. */
  private async writeBatch(): Promise<void> {
    const batch = this.queue.slice(0, this.opts.config.queue.batchSize);
    let inserted: number;
    try {
      inserted = await this.opts.store.insert(batch);
    } catch (err) {
      if (this.abandoned) return;
      if (!(err instanceof RejectedRecordError)) {
        await this.spoolQueue(batch.length);
        throw err;
      }
      inserted = err.inserted;
      await this.reject(err);
    }
    if (this.abandoned) return;
    this.countWritten(batch.length, inserted);
    this.queue.splice(0, batch.length);
  }

  private async replaySegment(): Promise<void> {
    const segment = await this.opts.spool.oldest();
    if (!segment) return;
    const { batchSize } = this.opts.config.queue;
    for (let i = 0; i < segment.records.length; i += batchSize) {
      const batch = segment.records.slice(i, i + batchSize);
      let inserted: number;
      try {
        inserted = await this.opts.store.insert(batch);
      } catch (err) {
        if (!(err instanceof RejectedRecordError)) throw err;
        inserted = err.inserted;
        await this.reject(err);
      }
      if (this.abandoned) return;
      this.countWritten(batch.length, inserted);
      this.counts.replayed += batch.length;
    }
    // Deleted only once every record is in Postgres: a crash before this replays the segment
    // again, and the primary key turns the second write into a no-op.
    await this.opts.spool.remove(segment.seq);
    this.opts.log.info({ records: segment.records.length, spoolBytes: this.opts.spool.bytes }, 'audit spool segment replayed');
  }

  private countWritten(sent: number, inserted: number): void {
    this.counts.written += inserted;
    this.counts.duplicates += sent - inserted;
  }

  /** Moves queued records (the first `limit`, or all) to the spool, oldest first. */
  private async spoolQueue(limit = this.queue.length): Promise<void> {
    const chunk = this.opts.config.queue.batchSize * 10;
    let moved = 0;
    while (moved < limit && this.queue.length) {
      const batch = this.queue.slice(0, Math.min(chunk, limit - moved));
      let ok = false;
      try {
        ok = await this.opts.spool.append(batch);
      } catch (err) {
        this.warn('audit spool write failed', err);
      }
      if (!ok) {
        this.warn('audit spool full; records wait in memory');
        return;
      }
      this.queue.splice(0, batch.length);
      this.counts.spooled += batch.length;
      moved += batch.length;
    }
  }

  private async reject(err: RejectedRecordError): Promise<void> {
    this.counts.rejected += err.rejected.length;
    this.opts.log.error({ err: err.message, records: err.rejected.map((r) => r.id), file: this.opts.rejectedFile }, 'postgres refused audit records; kept in the rejected file');
    if (this.opts.rejectedFile) await appendFile(this.opts.rejectedFile, encodeRecords(err.rejected)).catch(() => undefined);
  }

  /** Creates the coming days' partitions and drops those past retention. */
  private async maintain(): Promise<void> {
    if (!this.schemaReady) return;
    const now = this.now();
    try {
      await this.opts.store.ensurePartitions(partitionsAhead(now, this.opts.config.partitionsAheadDays));
      const dropped = await this.opts.store.applyRetention(now, this.opts.config.retentionDays);
      if (dropped.length) this.opts.log.info({ dropped, retentionDays: this.opts.config.retentionDays }, 'audit partitions past retention dropped');
    } catch (err) {
      this.warn('audit partition maintenance failed; retrying at the next check', err);
    }
  }

  private warn(message: string, err?: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 5000) return;
    this.lastWarning = now;
    this.opts.log.warn({ err: err ? (err as Error).message : undefined, stats: this.stats }, message);
  }

  /**
   * Stops the writer: writes the backlog and the queue to Postgres while the shutdown timeout
   * allows, spools the rest, then closes the store.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    this.wake?.();
    await this.loop;
    clearInterval(this.retention);
    const deadline = this.now() + this.opts.config.queue.shutdownTimeoutMs;
    const drain = (async () => {
      await this.opening; // a connection being made may still be in time
      while (this.schemaReady && this.breaker.state === 'closed' && (this.queue.length || !this.opts.spool.empty) && this.now() < deadline) {
        try {
          if (!this.opts.spool.empty) await this.replaySegment();
          else await this.writeBatch();
        } catch (err) {
          this.failed(err, 'audit write failed during shutdown; spooling');
        }
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([drain.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(r, Math.max(0, deadline - this.now()), true)))]);
    clearTimeout(timer);
    // Whatever is still queued goes to the spool, including a batch whose write did not finish in
    // time: should that write land after all, the replay of its records is a no-op.
    this.abandoned = true;
    this.closed = true;
    // Taken over: a write still in flight now changes an empty queue.
    const leftovers = this.queue;
    this.queue = [];
    for (let i = 0; i < leftovers.length; i += this.opts.config.queue.batchSize * 10) {
      const chunk = leftovers.slice(i, i + this.opts.config.queue.batchSize * 10);
      if (await this.opts.spool.append(chunk).catch(() => false)) {
        this.counts.spooled += chunk.length;
        continue;
      }
      this.counts.dropped += leftovers.length - i;
      this.opts.log.error({ records: leftovers.length - i }, 'audit records could not be written nor spooled at shutdown');
      break;
    }
    this.opts.log.info({ stats: this.stats, timedOut }, 'audit log closed');
    await this.opts.spool.close();
    // A write still in flight holds a connection; do not wait for it beyond a second.
    await Promise.race([this.opts.store.sql.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}
