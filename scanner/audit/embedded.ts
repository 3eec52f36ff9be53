// The embedded audit store: PGlite (Postgres compiled to WebAssembly) in a worker thread, with its
// data in a directory of the pod. The same schema and queries as on a Postgres server. A worker,
// because PGlite runs on the thread that calls it and its first start (initdb) blocks for seconds:
// on the main thread that would stall every scan.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { QueryResult, Sql } from './sql.js';

// Runs inside the worker (CommonJS, evaluated from this string: no build step, no tsx).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.module);
const db = PGlite.create(workerData.dir);
db.catch(() => undefined);
parentPort.on('message', async (m) => {
  try {
    const pg = await db;
    if (m.op === 'close') {
      await pg.close();
      parentPort.postMessage({ id: m.id, rows: [], rowCount: 0 });
      return;
    }
    const r = await pg.query(m.sql, m.params);
    parentPort.postMessage({ id: m.id, rows: r.rows, rowCount: r.affectedRows ?? r.rows.length });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: { message: String(err && err.message || err), code: err && err.code } });
  }
});
`;

type Reply = { id: number; rows: unknown[]; rowCount: number } | { id: number; error: { message: string; code?: string } };

export class EmbeddedSql implements Sql {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: QueryResult<never>): void; reject(e: Error): void }>();
  /** Held by a session: other queries wait so they do not land inside its transaction. */
  private gate: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private spawn(): Worker {
    const module = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const w = new Worker(WORKER, { eval: true, workerData: { module, dir: this.dir }, execArgv: [] });
    w.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else p.resolve({ rows: m.rows as never[], rowCount: m.rowCount });
    });
    // A worker that dies fails what it had; the next query starts a new one.
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`embedded audit store exited (${code})`)));
    return w;
  }

  private send<R>(msg: { op: 'query' | 'close'; sql?: string; params?: unknown[] }): Promise<QueryResult<R>> {
    if (this.closed && msg.op !== 'close') return Promise.reject(new Error('embedded audit store is closed'));
    const w = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: QueryResult<never>) => void, reject });
      w.postMessage({ id, ...msg });
    });
  }

  async query<R>(text: string, params: unknown[] = []): Promise<QueryResult<R>> {
    await this.gate;
    return this.send<R>({ op: 'query', sql: text, params });
  }

  async session<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const held = this.gate;
    this.gate = held.then(() => mine);
    await held;
    const inner: Sql = { query: (t, p = []) => this.send({ op: 'query', sql: t, params: p }), session: (f) => f(inner), close: async () => undefined };
    try {
      return await fn(inner);
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.worker) return;
    const w = this.worker;
    await this.send({ op: 'close' }).catch(() => undefined);
    await w.terminate();
  }
}
