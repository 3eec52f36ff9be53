// The embedded default: with no Postgres configured the audit log runs the same schema and
// queries in PGlite, so a scanner started with nothing configured keeps its audit log.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedSql } from '../../scanner/audit/embedded.js';
import { startScanner } from '../harness/scanner-process.js';
import { waitFor } from '../harness/servers.js';
import { storeConformance } from '../harness/audit-conformance.js';

describe('embedded audit store (PGlite)', () => {
  it('runs the same schema and queries, and serves /v1/events of a scanner with nothing configured', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pf-embedded-'));
    try {
      // In-process first: the same conformance checks as on Postgres (also initialises the store,
      // which takes PGlite a while the first time).
      const sql = new EmbeddedSql(join(dataDir, 'audit'));
      await storeConformance(sql);
      await sql.close();

      const s = await startScanner({ env: { PF_AUDIT_ENABLED: 'true', PF_DATA_DIR: dataDir }, readyTimeoutMs: 90_000 });
      try {
        const r = await fetch(`${s.url}/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'embedded-1' }, body: JSON.stringify({ input: 'hi\u200b there' }) });
        assert.equal(r.status, 200);
        const events = await waitFor(
          async () => {
            const e = await fetch(`${s.url}/v1/events?requestId=embedded-1`);
            const body = (await e.json()) as { events: Array<Record<string, unknown>> };
            return e.status === 200 && body.events.length === 1 && body.events;
          },
          90_000,
          'the scan in /v1/events',
        );
        assert.equal(events[0].verdict, 'flag');
        assert.equal(events[0].text, undefined, 'no text unless the policy stores it');
        const stats = (await (await fetch(`${s.url}/v1/stats?since=1h`)).json()) as { total: number; verdicts: Record<string, number> };
        assert.equal(stats.verdicts.flag, 1);
        assert.equal(await s.stop(), 0);
      } finally {
        await s.stop('SIGKILL');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
