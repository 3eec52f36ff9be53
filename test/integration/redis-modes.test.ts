// L2 through Redis Sentinel and Redis Cluster, chosen by configuration.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firewall } from '../../scanner/firewall.js';
import { startRedis, skipWithoutRedis, type RedisServer } from '../harness/redis.js';
import { waitFor } from '../harness/servers.js';

const skip = skipWithoutRedis();

describe('Redis modes', { skip }, () => {
  const servers: RedisServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pf-redis-modes-'));
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A firewall with only L2 below L1 (L1 off): a second scan of a text must come from Redis. */
  async function expectL2(name: string, redisConfig: object): Promise<void> {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ cache: { l1: { enabled: false }, disk: { enabled: false }, redis: redisConfig }, audit: { enabled: false } }));
    const fw = await Firewall.create({ configFile: file, env: { PF_DATA_DIR: dir } });
    try {
      let n = 0;
      await waitFor(
        async () => {
          const input = `${name} text ${n++}`;
          await fw.scanner.scan({ input, direction: 'prompt' });
          return (await fw.scanner.scan({ input, direction: 'prompt' })).cache === 'l2';
        },
        30_000,
        `an L2 hit through ${name}`,
      );
    } finally {
      await fw.close();
    }
  }

  it('finds the master through a sentinel', async () => {
    const master = await startRedis();
    servers.push(master);
    const sentinel = await startRedis([], { sentinelOf: master.port });
    servers.push(sentinel);
    await expectL2('sentinel', { mode: 'sentinel', nodes: [`127.0.0.1:${sentinel.port}`], sentinelMasterName: 'mymaster' });
  });

  it('routes keys through a cluster', async () => {
    const node = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1']);
    servers.push(node);
    assert.equal(await node.command('CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), '+OK');
    await waitFor(async () => (await node.command('CLUSTER', 'INFO')).includes('cluster_state:ok'), 15_000, 'cluster_state:ok');
    await expectL2('cluster', { mode: 'cluster', url: node.url });
  });
});
