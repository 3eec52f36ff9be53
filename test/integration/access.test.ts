// API keys, rate limits shared through Redis (and per pod without it), IP lists and trusted
// proxies, on real scanner processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, skipWithoutRedis, type RedisServer } from '../harness/redis.js';
import { startScanner, type ScannerProcess } from '../harness/scanner-process.js';
import { waitFor } from '../harness/servers.js';

const skip = skipWithoutRedis();

/** POST a scan, or GET when body is null. */
async function call(s: ScannerProcess, path: string, headers: Record<string, string> = {}, body: unknown = { input: 'hello' }) {
  const r = await fetch(s.url + path, body === null ? { headers } : { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : undefined };
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('access control', { skip }, () => {
  let redis: RedisServer;
  let a: ScannerProcess;
  let b: ScannerProcess;
  let dir: string;
  const keysFile = () => join(dir, 'keys');

  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'pf-access-'));
    writeFileSync(keysFile(), 'alice:key-alice\nbob:key-bob\ncarol:key-carol\ndave:key-dave\nerin:key-erin\n');
    const common = { auth: { apiKeysPath: keysFile(), reloadSeconds: 1 }, rateLimit: { enabled: true, requestsPerMinute: 1, burst: 5 } };
    // A trusts X-Forwarded-For from loopback; B trusts no proxy, so it sees the socket address.
    writeFileSync(join(dir, 'a.yaml'), JSON.stringify({ ...common, ipAccess: { deny: ['10.0.0.0/8'], trustedProxies: ['loopback'] } }));
    writeFileSync(join(dir, 'b.yaml'), JSON.stringify({ ...common, ipAccess: { deny: ['10.0.0.0/8'] } }));
    // A command timeout long enough for a busy CI machine: here the shared bucket is under test, and a
    // timed-out call would (rightly) fall back to the pod's own bucket.
    const env = { PF_CACHE_REDIS_URL: redis.url, PF_FIREWALL_NAME: 'access', PF_CACHE_REDIS_BREAKER_COOLDOWN_MS: '500', PF_CACHE_REDIS_COMMAND_TIMEOUT_MS: '2000' };
    [a, b] = await Promise.all([
      startScanner({ env, args: ['--config', join(dir, 'a.yaml')], readyTimeoutMs: 90_000 }),
      startScanner({ env, args: ['--config', join(dir, 'b.yaml')], readyTimeoutMs: 90_000 }),
    ]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 without a valid key and serves a valid one; probes stay open', async () => {
    for (const headers of [{}, bearer('wrong'), { 'x-api-key': 'key-alic' }] as Array<Record<string, string>>) {
      const r = await call(a, '/v1/scan', headers);
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'unauthorized');
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.equal((await call(a, '/v1/scan', bearer('key-alice'))).status, 200);
    assert.equal((await call(a, '/v1/scan', { 'x-api-key': 'key-alice' })).status, 200);
    assert.equal((await call(a, '/v1/info', {}, null)).status, 401, 'every /v1 route');
    assert.equal((await call(a, '/healthz', {}, null)).status, 200);
    assert.equal((await call(a, '/readyz', {}, null)).status, 200);
  });

  it('picks up rotated keys without a restart', async () => {
    writeFileSync(keysFile(), 'alice:key-alice\nbob:key-bob\ncarol:key-carol\ndave:key-dave\nerin:key-erin-2\n');
    await waitFor(async () => (await call(a, '/v1/info', bearer('key-erin'), null)).status === 401, 15_000, 'the old key to be refused');
    // Authenticated; erin's bucket may be empty from the polling above (the same client), hence 429.
    assert.ok([200, 429].includes((await call(a, '/v1/info', bearer('key-erin-2'), null)).status));
  });

  it('limits a key across both pods through Redis: burst 5, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(i % 2 ? b : a, '/v1/info', bearer('key-bob'), null)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await call(a, '/v1/info', bearer('key-bob'), null);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
    assert.equal((await call(a, '/v1/info', bearer('key-carol'), null)).status, 200, 'other keys have their own bucket');
  });

  it('falls back to per-pod limits while Redis is down', async () => {
    await redis.kill();
    try {
      const onA: number[] = [];
      for (let i = 0; i < 6; i++) onA.push((await call(a, '/v1/info', bearer('key-dave'), null)).status);
      assert.deepEqual(onA, [200, 200, 200, 200, 200, 429], 'still limited, by the pod alone');
      assert.equal((await call(b, '/v1/info', bearer('key-dave'), null)).status, 200, 'the other pod has its own bucket meanwhile');
    } finally {
      await redis.start();
    }
  });

  it('refuses denied addresses, taking X-Forwarded-For only from trusted proxies', async () => {
    const key = bearer('key-carol');
    const viaProxy = await call(a, '/v1/info', { ...key, 'x-forwarded-for': '10.1.2.3' }, null);
    assert.equal(viaProxy.status, 403);
    assert.equal(viaProxy.body.error.code, 'ip_forbidden');
    assert.equal((await call(a, '/v1/info', { ...key, 'x-forwarded-for': '192.0.2.7' }, null)).status, 200);
    assert.equal((await call(b, '/v1/info', { ...key, 'x-forwarded-for': '10.1.2.3' }, null)).status, 200, 'B trusts no proxy: the header is ignored');
  });
});
