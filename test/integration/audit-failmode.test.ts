// When the audit log can keep nothing more (Postgres unreachable, queue full, spool full), the
// policy's fail mode decides: closed refuses scans with 503, open lets them through and counts the
// dropped records.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Firewall } from '../../scanner/firewall.js';
import { serve, type RunningServer } from '../../scanner/http/server.js';
import { freePort, waitFor } from '../harness/servers.js';

describe('audit log with every bound exhausted', () => {
  let dir: string;
  let fw: Firewall;
  let server: RunningServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-failmode-'));
    const closedPort = await freePort(); // nothing listens there: Postgres is "down"
    fw = await Firewall.create({
      stateful: true,
      env: {
        PF_DATA_DIR: dir,
        PF_AUDIT_POSTGRES_URL: `postgres://nobody@127.0.0.1:${closedPort}/x`,
        PF_AUDIT_QUEUE_SIZE: '10',
        PF_AUDIT_SPOOL_SIZE_LIMIT: '1', // one byte: no record fits
        PF_CACHE_DISK_ENABLED: 'false',
      },
      log: pino({ level: 'silent' }),
    });
    server = await serve(fw, pino({ level: 'silent' }), { port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await server.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const scan = (i: number) => fetch(`${server.url}/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: `text ${i}` }) });

  it('fail closed: scans are refused with 503 audit_unavailable once nothing more can be kept', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await scan(i)).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
    assert.deepEqual(statuses.slice(10), Array(5).fill(503));
    const r = await scan(99);
    assert.equal(r.headers.get('retry-after'), '1');
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'audit_unavailable');
    assert.equal(fw.stats().audit?.dropped, 0, 'nothing was dropped: the scans were refused instead');
  });

  it('fail open: scans go through and every lost record is counted', async () => {
    fw.apply({ ...fw.configuration, policy: { ...fw.configuration.policy, failMode: 'open' } });
    for (let i = 0; i < 5; i++) assert.equal((await scan(100 + i)).status, 200);
    await waitFor(async () => fw.stats().audit?.dropped === 5, 5000, 'five dropped records');
  });
});

describe('audit log without Postgres and with the embedded store disabled (as the operator renders it)', () => {
  it('keeps no audit log, so nothing can fill up and refuse scans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-noaudit-'));
    const fw = await Firewall.create({ stateful: true, env: { PF_DATA_DIR: dir, PF_AUDIT_EMBEDDED_ENABLED: 'false', PF_CACHE_DISK_ENABLED: 'false' }, log: pino({ level: 'silent' }) });
    try {
      assert.equal(fw.audit, undefined);
      assert.equal((await fw.scanner.scan({ input: 'hello', direction: 'prompt' })).verdict, 'allow');
    } finally {
      await fw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
