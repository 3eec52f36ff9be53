// Who may call the /v1 API and how often: IP allow/deny lists, API keys and rate limits, following
// configuration reloads. The HTTP side is scanner/http/guard.ts.
import type { ScannerConfig } from '../../crds/schema.js';
import type { Logger } from '../log.js';
import type { RedisConnection } from '../redis/connection.js';
import { IpSet } from './ip.js';
import { ApiKeys } from './keys.js';
import { RateLimiter } from './ratelimit.js';

type IpAccess = ScannerConfig['ipAccess'];

export class Access {
  readonly keys: ApiKeys;
  readonly limiter: RateLimiter;
  private lists: { source: IpAccess; allow: IpSet; deny: IpSet; trusted: IpSet } | undefined;

  constructor(
    private readonly config: () => ScannerConfig,
    redis?: RedisConnection,
    log?: Logger,
  ) {
    this.keys = new ApiKeys(log);
    this.limiter = new RateLimiter(redis);
    this.apply();
  }

  /** Picks up a new configuration (key file path). IP lists follow on their own. */
  apply(): void {
    const { auth } = this.config();
    this.keys.configure(auth.apiKeysPath, auth.reloadSeconds);
  }

  private ipLists() {
    const source = this.config().ipAccess;
    if (this.lists?.source !== source) this.lists = { source, allow: new IpSet(source.allow), deny: new IpSet(source.deny), trusted: new IpSet(source.trustedProxies) };
    return this.lists;
  }

  /** For express's trust proxy: whether X-Forwarded-For set by this hop is believed. */
  trustsProxy(addr: string): boolean {
    return this.ipLists().trusted.has(addr);
  }

  ipAllowed(ip: string | undefined): boolean {
    const { allow, deny } = this.ipLists();
    if (deny.has(ip)) return false;
    return allow.empty || allow.has(ip);
  }

  get stats() {
    return { auth: { ...this.keys.stats }, rateLimit: { ...this.limiter.stats } };
  }

  close(): void {
    this.keys.close();
  }
}
