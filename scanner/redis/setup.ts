// What the configuration asks of Redis, as ioredis options. Kept apart from the connection so
// that a scanner without Redis never loads ioredis (about 13 MB of resident memory).
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisCacheConfig } from '../../crds/schema.js';

export type RedisSetup =
  | { mode: 'standalone'; options: RedisOptions }
  | { mode: 'sentinel'; options: RedisOptions }
  | { mode: 'cluster'; nodes: Array<{ host: string; port: number }>; options: ClusterOptions };

/** Reconnect quickly at first, then every 2 s at most; never give up. */
const retry = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000);

/** Translates the configuration into ioredis options; undefined when no Redis is configured. Pure. */
export function redisSetup(config: RedisCacheConfig): RedisSetup | undefined {
  const url = config.url ? new URL(config.url) : undefined;
  if (url && url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`cache.redis.url must start with redis:// or rediss://, got ${url.protocol}//`);
  const common: RedisOptions = {
    username: url?.username ? decodeURIComponent(url.username) : undefined,
    password: url?.password ? decodeURIComponent(url.password) : undefined,
    tls: url?.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: config.connectTimeoutMs,
    // No commandTimeout here: it also applies to the handshake, which a busy event loop at start-up
    // can delay past a few milliseconds, leaving the client unconnected. `call` bounds each command.
    // Commands sent while disconnected fail at once rather than wait in a queue: a scan must not
    // wait for Redis to come back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
  };
  const db = url && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  const hostPort = (s: string) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
  };
  switch (config.mode) {
    case 'standalone':
      if (!url) return undefined;
      return { mode: 'standalone', options: { ...common, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379), db, retryStrategy: retry } };
    case 'sentinel':
      if (!config.nodes.length) return undefined;
      return {
        mode: 'sentinel',
        options: { ...common, sentinels: config.nodes.map(hostPort), name: config.sentinelMasterName, sentinelPassword: config.sentinelPassword, db, sentinelRetryStrategy: retry, retryStrategy: retry },
      };
    case 'cluster': {
      const nodes = [...(url ? [{ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) }] : []), ...config.nodes.map(hostPort)];
      if (!nodes.length) return undefined;
      const { enableOfflineQueue: _q, ...redisOptions } = common;
      return { mode: 'cluster', nodes, options: { redisOptions, enableOfflineQueue: false, clusterRetryStrategy: retry, slotsRefreshTimeout: Math.max(config.connectTimeoutMs, 1000) } };
    }
  }
}
