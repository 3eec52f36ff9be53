// Starts a real Postgres (Debian package postgresql) in a temporary directory on a free loopback
// port, with its unix socket in that directory, and stops and restarts it for failure tests. As
// root the server runs as the postgres user (initdb refuses root).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findExecutable, freePort, skipUnless, waitFor } from './servers.js';

/** The bin directory of the newest Postgres under /usr/lib/postgresql, or of pg_ctl on PATH. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(root, versions[0], 'bin');
  }
  const pgCtl = findExecutable('pg_ctl');
  return pgCtl && existsSync(join(pgCtl, '..', 'initdb')) ? join(pgCtl, '..') : undefined;
}

export const postgresBinDir = findBinDir();

export const skipWithoutPostgres = () => skipUnless(postgresBinDir !== undefined, 'postgresql', 'install the Debian package postgresql (test/setup.sh does it as root)');

const isRoot = process.getuid?.() === 0;
const live = new Set<string>();
process.once('exit', () => {
  for (const dir of live) spawnSync(...asOwner(join(postgresBinDir!, 'pg_ctl'), ['-D', join(dir, 'data'), 'stop', '-m', 'immediate']), { stdio: 'ignore' });
});

function asOwner(bin: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

/** Asynchronous, so that a test's load keeps running while the server stops or starts. */
async function run(bin: string, args: string[]): Promise<string> {
  const [cmd, argv] = asOwner(join(postgresBinDir!, bin), args);
  return (await promisify(execFile)(cmd, argv, { encoding: 'utf8' })).stdout;
}

export interface PostgresServer {
  port: number;
  /** Connection URL of a database (default postgres). */
  url(database?: string): string;
  /** A fresh empty database; answers its URL. */
  createDatabase(name: string): Promise<string>;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** fast: clean shutdown; immediate: like a crash, recovery at the next start. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pf-postgres-'));
  const data = join(dir, 'data');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const opts = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c full_page_writes=off', '-c max_connections=200'].join(' ');
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const query = async <R>(sql: string, params: unknown[] = [], database?: string): Promise<R[]> => {
    const c = new pg.Client({ connectionString: url(database) });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as R[];
    } finally {
      await c.end();
    }
  };

  const start = async () => {
    await run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    live.add(dir);
    await waitFor(async () => (await query('SELECT 1')).length === 1, 30_000, `postgres on port ${port}`);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    live.delete(dir);
  };

  await start();
  return {
    port,
    url,
    query,
    async createDatabase(name) {
      await query(`CREATE DATABASE ${name}`);
      return url(name);
    },
    stop,
    start,
    async close() {
      if (live.has(dir)) await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
