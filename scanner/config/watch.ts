// Hot reload of the configuration file. Kubernetes updates a mounted ConfigMap by swapping a
// symlink in its directory, which a watch on the file itself misses; so the directory is watched
// and, as a safety net, the file is polled. Reloads happen only when the content changed.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { ScannerConfig } from '../../crds/schema.js';
import { parseConfig } from './load.js';

export interface WatchOptions {
  file: string;
  env?: NodeJS.ProcessEnv;
  pollMs?: number;
  onChange(config: ScannerConfig): void;
  onError(err: Error): void;
}

export class ConfigWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: WatchOptions,
    private lastRaw: string,
  ) {}

  start(): void {
    try {
      this.watcher = watch(dirname(this.opts.file), { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => undefined);
    } catch {
      // The poll below still picks changes up.
    }
    this.timer = setInterval(() => this.check(), this.opts.pollMs ?? 5000);
    this.timer.unref();
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.check(), 50);
    this.debounce.unref();
  }

  /** Re-reads the file; applies it when it changed and is valid, reports it when invalid. */
  check(): void {
    let raw: string;
    try {
      raw = readFileSync(this.opts.file, 'utf8');
    } catch (err) {
      // A ConfigMap update briefly removes the file; a later poll sees the new one.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onError(err as Error);
      return;
    }
    if (raw === this.lastRaw) return;
    this.lastRaw = raw;
    try {
      this.opts.onChange(parseConfig(raw, this.opts.file, this.opts.env));
    } catch (err) {
      this.opts.onError(err as Error);
    }
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }
}
