// A list-and-watch cache of one kind, in all namespaces or in each of a configured list, over
// client-node's ListWatch. client-node stops a ListWatch on any error other than an expired
// resourceVersion; this one restarts it with backoff, so a restarted API server or a CRD installed
// later only delays events. `synced` turns true after the first successful list of every namespace.
import { ListWatch, Watch, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiMessage, statusCode } from './client.js';

export type EventType = 'add' | 'update' | 'delete';

export interface InformerOptions<T extends KubernetesObject> {
  what: string;
  /** Watch path of the kind in one namespace, or in all when namespace is undefined. */
  path(namespace: string | undefined): string;
  list(namespace: string | undefined): Promise<{ metadata?: { resourceVersion?: string }; items: T[] }>;
  labelSelector?: string;
  /** Empty: all namespaces. */
  namespaces: string[];
  onEvent(type: EventType, obj: T): void;
  log: Logger;
  /** Logged when the kind is not served (404), e.g. how to install its CRD. */
  notServedHint?: string;
}

const MAX_RESTART_DELAY_MS = 30_000;

export class Informer<T extends KubernetesObject> {
  private readonly watches: Array<{ lw: ListWatch<T>; synced: boolean; delayMs: number; timer?: NodeJS.Timeout }> = [];
  private stopped = false;

  constructor(
    private readonly watch: Watch,
    private readonly opts: InformerOptions<T>,
  ) {}

  get synced(): boolean {
    return this.watches.length > 0 && this.watches.every((w) => w.synced);
  }

  /** Starts watching; resolves after the first attempt to list (successful or not). */
  async start(): Promise<void> {
    const scopes = this.opts.namespaces.length ? this.opts.namespaces : [undefined];
    await Promise.all(scopes.map((ns) => this.startOne(ns)));
  }

  private async startOne(namespace: string | undefined): Promise<void> {
    const entry = { synced: false, delayMs: 1000 } as (typeof this.watches)[number];
    const list = async () => {
      const result = await this.opts.list(namespace);
      entry.synced = true;
      entry.delayMs = 1000;
      return result;
    };
    entry.lw = new ListWatch<T>(this.opts.path(namespace), this.watch, list, false, this.opts.labelSelector);
    for (const type of ['add', 'update', 'delete'] as const) entry.lw.on(type, (obj) => this.opts.onEvent(type, obj));
    entry.lw.on('error', (err) => {
      if (this.stopped) return;
      const hint = statusCode(err) === 404 ? this.opts.notServedHint : undefined;
      this.opts.log.warn({ err: apiMessage(err), what: this.opts.what, namespace, retryInMs: entry.delayMs, ...(hint ? { hint } : {}) }, 'watch failed; restarting');
      entry.timer = setTimeout(() => void entry.lw.start(), entry.delayMs);
      entry.delayMs = Math.min(entry.delayMs * 2, MAX_RESTART_DELAY_MS);
    });
    this.watches.push(entry);
    await entry.lw.start();
  }

  list(): T[] {
    return this.watches.flatMap((w) => [...w.lw.list()]);
  }

  get(namespace: string, name: string): T | undefined {
    for (const w of this.watches) {
      const found = w.lw.get(name, namespace);
      if (found) return found;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watches) {
      clearTimeout(w.timer);
      await w.lw.stop();
    }
  }
}
