// Starts a real redis-server (Debian package redis-server) on a free loopback port, without
// persistence, and stops, kills and restarts it on the same port for failure tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, freePort, skipUnless, waitFor } from './servers.js';

export const redisServerBin = findExecutable('redis-server', ['/usr/bin/redis-server']);

/** For describe(..., { skip }): false when redis-server is installed. */
export const skipWithoutRedis = () => skipUnless(redisServerBin !== undefined, 'redis-server', 'install the Debian package redis-server (test/setup.sh does it as root)');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Index just past the RESP value starting at `i`, or -1 while it is incomplete. */
function respEnd(buf: string, i: number): number {
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return -1;
  const n = Number(buf.slice(i + 1, eol));
  if (buf[i] === '$') return n < 0 ? eol + 2 : Buffer.byteLength(buf.slice(eol + 2)) >= n + 2 ? eol + 2 + Buffer.from(buf.slice(eol + 2)).subarray(0, n).toString().length + 2 : -1;
  if (buf[i] !== '*') return eol + 2;
  let at = eol + 2;
  for (let k = 0; k < n && at >= 0; k++) at = respEnd(buf, at);
  return at;
}

export interface RedisServer {
  port: number;
  url: string;
  /** Runs one command through a raw socket (no client library), e.g. ['DBSIZE']. */
  command(...args: string[]): Promise<string>;
  /** SIGKILL: the server disappears without closing connections cleanly. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that keeps connections open but stops answering. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/**
 * A redis-server; `extraArgs` are appended to its command line. With `sentinelOf`, a sentinel
 * watching the master on that port under the name "mymaster" instead.
 */
export async function startRedis(extraArgs: string[] = [], opts: { sentinelOf?: number } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pf-redis-'));
  const conf = join(dir, 'sentinel.conf');
  if (opts.sentinelOf) writeFileSync(conf, `sentinel monitor mymaster 127.0.0.1 ${opts.sentinelOf} 1\nsentinel down-after-milliseconds mymaster 1000\n`);
  let child: ChildProcess | undefined;
  let output = '';

  const command = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let reply = '';
      s.setTimeout(2000, () => s.destroy(new Error('redis command timed out')));
      s.on('error', reject);
      s.on('data', (d) => {
        reply += d;
        if (respEnd(reply, 0) === reply.length) {
          s.end();
          resolve(reply.trim());
        }
      });
      s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });

  const start = async () => {
    const c = spawn(redisServerBin!, [...(opts.sentinelOf ? [conf, '--sentinel'] : []), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d) => (output += d));
    c.stderr!.on('data', (d) => (output += d));
    running.add(c);
    c.once('exit', () => running.delete(c));
    child = c;
    await waitFor(async () => {
      if (c.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      return (await command('PING')) === '+PONG';
    }, 10_000, `redis-server on port ${port}`);
  };

  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    command,
    kill,
    start,
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
