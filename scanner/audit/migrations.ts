// Versioned schema migrations, applied at start-up by every pod. A session advisory lock makes
// pods that start together take turns: the first applies what is missing, the others then find
// nothing left to do. Each migration runs in its own transaction with its version row, so a pod
// killed half-way leaves the database at the previous version. Migrations are history: never edit
// one that has shipped, add the next.
import type { Sql } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** pg_advisory_lock key of migrations ("pfmig" in ASCII). */
export const MIGRATION_LOCK = 0x70666d6967;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'firewall_logs partitioned by day',
    statements: [
      `CREATE TABLE firewall_logs (
        ts timestamptz NOT NULL,
        id uuid NOT NULL,
        firewall text NOT NULL,
        pod text NOT NULL,
        request_id text NOT NULL,
        client_ip inet,
        api_key_id text,
        direction text NOT NULL,
        verdict text NOT NULL,
        policy_verdict text NOT NULL,
        mode text NOT NULL,
        threat_score real NOT NULL,
        top_scanner text,
        top_category text,
        categories text[] NOT NULL,
        category_scores jsonb NOT NULL,
        detector_scores jsonb NOT NULL,
        findings jsonb NOT NULL,
        errors jsonb,
        latency_ms real NOT NULL,
        cache_layer text NOT NULL,
        policy_version text NOT NULL,
        text_length integer NOT NULL,
        fingerprint text NOT NULL,
        text text,
        metadata jsonb,
        PRIMARY KEY (ts, id)
      ) PARTITION BY RANGE (ts)`,
      // The primary key serves time ranges; the read API filters by firewall first.
      'CREATE INDEX firewall_logs_firewall_ts_idx ON firewall_logs (firewall, ts DESC)',
      'CREATE INDEX firewall_logs_threat_score_idx ON firewall_logs (threat_score)',
      'CREATE INDEX firewall_logs_top_scanner_idx ON firewall_logs (top_scanner)',
      'CREATE INDEX firewall_logs_client_ip_idx ON firewall_logs (client_ip)',
      'CREATE INDEX firewall_logs_categories_idx ON firewall_logs USING gin (categories)',
    ],
  },
];

/** Applies the migrations this database lacks; returns the versions it applied. */
export async function migrate(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return sql.session(async (s) => {
    await s.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await s.query(`CREATE TABLE IF NOT EXISTS pf_schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Set((await s.query<{ version: number }>('SELECT version FROM pf_schema_migrations')).rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await s.query('BEGIN');
        try {
          for (const st of m.statements) await s.query(st);
          await s.query('INSERT INTO pf_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await s.query('COMMIT');
        } catch (err) {
          await s.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await s.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
}
