// Shared rules for test suites that need a real server (Redis, Postgres, kube-apiserver, Chromium).
// Under CI a missing server is a failure; on a developer machine the suite is skipped with a
// message that says how to get the server.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** Absolute path of an executable found on PATH or at one of the given locations, or undefined. */
export function findExecutable(name: string, extraPaths: string[] = []): string | undefined {
  for (const p of extraPaths) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decide whether a suite can run. Returns `false` (run it) when the dependency is present;
 * otherwise throws under CI, or returns a skip message for `describe(..., { skip })` outside CI.
 */
export function skipUnless(present: boolean, what: string, howToGet: string): string | false {
  if (present) return false;
  const message = `${what} is not available: ${howToGet}`;
  if (inCI) throw new Error(`CI=true and ${message}`);
  return message;
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `check` until it resolves truthy or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
