// Assembles a working firewall from configuration: policy, detectors, caches and the scanner.
// Used by the HTTP server and by the CLI alike.
import type { ScannerConfig } from '../crds/schema.js';
import { TieredCache } from './cache/tiered.js';
import { Canaries, defaultCanaryKeyFile, resolveCanaryKey, type CanaryKeySource } from './canary/canary.js';
import { ConfigWatcher } from './config/watch.js';
import { loadConfig } from './config/load.js';
import { createDetectors } from './detectors/registry.js';
import type { Detector } from './detectors/types.js';
import { policyVersion } from './policy/decide.js';
import { Scanner, type ActivePolicy } from './scan/scanner.js';

export interface FirewallOptions {
  /** Configuration file (YAML/JSON); embedded defaults when absent. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Watch the configuration file and apply changes without a restart. */
  watch?: boolean;
  onReload?(event: { ok: true; policyVersion: string } | { ok: false; error: Error }): void;
}

export class Firewall {
  private active: ActivePolicy;
  private watcher: ConfigWatcher | undefined;

  private constructor(
    private config: ScannerConfig,
    readonly detectors: Detector[],
    readonly cache: TieredCache,
    readonly scanner: Scanner,
    active: ActivePolicy,
    /** Issues and recognises canary tokens; the key is fixed for the life of the process. */
    readonly canaries: Canaries,
    readonly canaryKeySource: CanaryKeySource,
  ) {
    this.active = active;
  }

  static async create(options: FirewallOptions = {}): Promise<Firewall> {
    const env = options.env ?? process.env;
    const { config, raw } = loadConfig({ file: options.configFile, env });
    const canaryKey = resolveCanaryKey(config.proxy.canary.key, defaultCanaryKeyFile(env));
    const canaries = new Canaries(canaryKey.key);
    const detectors = await createDetectors({ canaries });
    const cache = new TieredCache(config.cache.l1);
    const holder: { fw?: Firewall } = {};
    const active = { policy: config.policy, version: policyVersion(config.policy) };
    const scanner = new Scanner(detectors, cache, () => holder.fw!.active);
    const fw = new Firewall(config, detectors, cache, scanner, active, canaries, canaryKey.source);
    holder.fw = fw;
    if (options.watch && options.configFile) {
      fw.watcher = new ConfigWatcher(
        {
          file: options.configFile,
          env,
          onChange: (next) => {
            fw.apply(next);
            options.onReload?.({ ok: true, policyVersion: fw.active.version });
          },
          onError: (error) => options.onReload?.({ ok: false, error }),
        },
        raw,
      );
      fw.watcher.start();
    }
    return fw;
  }

  get policy(): ActivePolicy {
    return this.active;
  }

  get configuration(): ScannerConfig {
    return this.config;
  }

  /** Swaps in a new configuration. The policy version changes, so old cache entries stop matching. */
  apply(next: ScannerConfig): void {
    const l1Changed = JSON.stringify(next.cache.l1) !== JSON.stringify(this.config.cache.l1);
    this.config = next;
    this.active = { policy: next.policy, version: policyVersion(next.policy) };
    if (l1Changed) this.cache.configure(next.cache.l1);
  }

  /** Re-reads the configuration file now (tests, SIGHUP). */
  reload(): void {
    this.watcher?.check();
  }

  async close(): Promise<void> {
    this.watcher?.stop();
    await this.cache.close();
    await Promise.all(this.detectors.map((d) => d.close?.()));
  }
}
