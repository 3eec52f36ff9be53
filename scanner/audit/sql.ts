// The little the audit log needs from a Postgres connection, so that the same schema and queries
// run on a Postgres server (pg) and on the embedded PGlite (embedded.ts).
import pg from 'pg';
import type { Logger } from '../log.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs `fn` on one connection (session advisory locks, transactions). */
  session<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface PgOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

const run = async <R>(q: Queryable, text: string, params?: unknown[]): Promise<QueryResult<R>> => {
  const r = await q.query(text, params as unknown[]);
  return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
};

export function pgSql(opts: PgOptions, log?: Logger): Sql {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    // Server-side limit, and a client-side one for a server that stopped answering altogether.
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 1000,
    idleTimeoutMillis: 30_000,
    application_name: 'prompt-firewall',
  });
  // A connection that dies while idle (Postgres restarted) is reported here; without a listener
  // the error would crash the process. The next query opens a new connection.
  pool.on('error', (err) => log?.debug({ err: err.message }, 'idle postgres connection closed'));
  return {
    query: (text, params) => run(pool, text, params),
    async session(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const inner: Sql = { query: (t, p) => run(client, t, p), session: (f) => f(inner), close: async () => undefined };
        return await fn(inner);
      } catch (err) {
        broken = err as Error;
        throw err;
      } finally {
        // A connection that failed mid-session may hold a half-done transaction: discard it.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
