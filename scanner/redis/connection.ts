// One Redis connection per pod, shared by the L2 cache and the rate limiter. Every command goes
// through `call`, which never throws and never waits longer than the command timeout: while Redis
// is disconnected calls are skipped at once, slow or failing commands count towards a circuit
// breaker that stops calling Redis for a cool-down. ioredis reconnects in the background, so
// caching resumes by itself when Redis is back.
import { Cluster, Redis } from 'ioredis';
import type { RedisCacheConfig } from '../../crds/schema.js';
import type { Logger } from '../log.js';
import { CircuitBreaker } from './breaker.js';
import type { RedisSetup } from './setup.js';

export type RedisClient = Redis | Cluster;

export interface RedisStats {
  /** Commands sent. */
  calls: number;
  failures: number;
  timeouts: number;
  /** Calls skipped because Redis was disconnected or the circuit was open. */
  skipped: number;
  /** 1 while the circuit is open or half-open, else 0. */
  circuitOpen: number;
  circuitOpens: number;
}

export class RedisConnection {
  readonly client: RedisClient;
  private readonly breaker: CircuitBreaker;
  private readonly timeoutMs: number;
  private readonly counts = { calls: 0, failures: 0, timeouts: 0, skipped: 0 };
  private lastError = 0;

  constructor(
    setup: RedisSetup,
    config: RedisCacheConfig,
    /** Prefix of every key of this firewall. */
    readonly prefix: string,
    private readonly log?: Logger,
  ) {
    this.client = setup.mode === 'cluster' ? new Cluster(setup.nodes, setup.options) : new Redis(setup.options);
    // Connection errors are reported through `call` results and the stats; an unhandled 'error'
    // event would crash the process.
    this.client.on('error', (err: Error) => this.warn(err));
    this.breaker = new CircuitBreaker(config.breaker);
    this.timeoutMs = config.commandTimeoutMs;
  }

  get stats(): RedisStats {
    return {
      ...this.counts,
      skipped: this.counts.skipped + this.breaker.stats.shortCircuited,
      circuitOpen: this.breaker.state === 'closed' ? 0 : 1,
      circuitOpens: this.breaker.stats.opened,
    };
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Runs one command; undefined when Redis is unavailable, slow or failing. Never throws. */
  async call<T>(command: (client: RedisClient) => Promise<T>): Promise<T | undefined> {
    if (this.client.status !== 'ready') {
      this.counts.skipped++;
      return undefined;
    }
    if (!this.breaker.allow()) return undefined;
    this.counts.calls++;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      const result = await Promise.race([
        command(this.client),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(new Error(`redis command timed out after ${this.timeoutMs} ms`));
          }, this.timeoutMs);
        }),
      ]);
      this.breaker.success();
      return result;
    } catch (err) {
      if (timedOut || /timed? ?out/i.test((err as Error).message)) this.counts.timeouts++;
      else this.counts.failures++;
      this.breaker.failure();
      this.warn(err as Error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** At most one warning every 10 s: a dead Redis must not flood the log. */
  private warn(err: Error): void {
    const now = Date.now();
    if (now - this.lastError < 10_000) return;
    this.lastError = now;
    this.log?.warn({ err: err.message, stats: this.stats }, 'redis unavailable; skipping the shared cache and shared rate limits');
  }

  async close(): Promise<void> {
    const quit = this.client.status === 'ready' ? this.client.quit().catch(() => undefined) : undefined;
    await Promise.race([quit, new Promise((r) => setTimeout(r, 500).unref())]);
    this.client.disconnect();
  }
}
