// Child processes of a benchmark run: the scanner (test harness), the express baseline, the
// round-robin proxy, and a sink that accepts OTLP exports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/harness/scanner-process.js';
import { freePort, waitFor } from '../../test/harness/servers.js';

export interface Child {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Runs a bench/servers/*.ts entry point through tsx; resolves once it prints "listening". */
export async function startServerScript(script: string, args: number[] = []): Promise<Child> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'servers', script), String(port), ...args.map(String)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await waitFor(async () => out.includes('listening') || (child.exitCode !== null && Promise.reject(new Error(`${script} exited`))), 30_000, script);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** An OTLP/HTTP endpoint that reads and discards what it is sent (stands in for a collector). */
export async function startOtlpSink(): Promise<{ url: string; requests: () => number; stop(): Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, requests: () => n, stop: () => new Promise((r) => server.close(() => r())) };
}
