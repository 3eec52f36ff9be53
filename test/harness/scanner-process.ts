// Starts a real scanner process (the CLI's `serve`) on a loopback port, for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { freePort, waitFor } from './servers.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'scanner', 'cli.ts');

export interface ScannerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** PF_DATA_DIR of the process: disk cache, audit spool, embedded audit store. */
  dataDir: string;
  logs(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the CLI through tsx, as `npm run dev` does. */
export function cliArgs(...args: string[]): string[] {
  return ['--import', 'tsx', CLI, ...args];
}

/** Output kept from a scanner process (the tail), so a long benchmark run does not grow memory. */
const KEEP_OUTPUT = 256 * 1024;

export interface StartOptions {
  env?: Record<string, string>;
  args?: string[];
  readyTimeoutMs?: number;
  /** Run the compiled dist/scanner/cli.js (as in production; needs `npm run build`) instead of the sources. */
  compiled?: boolean;
  port?: number;
}

export interface SpawnOptions {
  /** Working directory; default the repository. */
  cwd?: string;
  /** Environment that `env` is added to; default this process's, with LOG_LEVEL info. */
  baseEnv?: NodeJS.ProcessEnv;
}

/** Spawns `node ARGS` (in the repository unless told otherwise) with the tail of its output kept. */
export function spawnNode(args: string[], env: Record<string, string> = {}, opts: SpawnOptions = {}): { child: ChildProcess; exited: Promise<number | null>; output(): string } {
  const baseEnv = opts.baseEnv ?? { ...process.env, LOG_LEVEL: 'info' };
  const child = spawn(process.execPath, args, { cwd: opts.cwd ?? REPO_ROOT, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output += d;
    if (output.length > 2 * KEEP_OUTPUT) output = output.slice(-KEEP_OUTPUT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/**
 * Each process gets its own data directory (removed when it stops, unless the caller passed
 * PF_DATA_DIR to reuse it). The audit log is off unless the test turns it on: its embedded store
 * (PGlite) costs seconds of CPU at first start, which suites about other things should not pay.
 */
export async function startScanner(opts: StartOptions = {}): Promise<ScannerProcess> {
  const port = opts.port ?? (await freePort());
  const ownDir = opts.env?.PF_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'pf-scanner-'));
  const dataDir = opts.env?.PF_DATA_DIR ?? ownDir!;
  const serveArgs = ['serve', '--host', '127.0.0.1', '--port', String(port), ...(opts.args ?? [])];
  const argv = opts.compiled ? [join(REPO_ROOT, 'dist', 'scanner', 'cli.js'), ...serveArgs] : cliArgs(...serveArgs);
  const { child, exited, output } = spawnNode(argv, { PF_AUDIT_ENABLED: 'false', PF_DATA_DIR: dataDir, ...opts.env });
  if (ownDir) child.once('exit', () => rmSync(ownDir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`scanner exited with ${child.exitCode}: ${output()}`);
        const r = await fetch(`${url}/readyz`);
        return r.ok;
      },
      opts.readyTimeoutMs ?? 90_000,
      `scanner on ${url}`,
    );
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(err as Error).message}\n${output()}`);
  }
  return {
    url,
    port,
    child,
    dataDir,
    logs: output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
