// Thin Kubernetes I/O for the operator, over @kubernetes/client-node: server-side apply of
// children and of the status subresource, reads of what the spec refers to, deletes, discovery.
// Nothing here decides anything; operator/desired/ does.
import { randomBytes } from 'node:crypto';
import {
  ApiException,
  CoreV1Api,
  EventsV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, KIND, PLURAL, type PromptFirewallStatus } from '../../crds/schema.js';
import { FIELD_MANAGER, PFW_API_VERSION, type KubeObject } from '../desired/meta.js';

/** A PromptFirewall as read from the API (spec not yet validated). */
export interface PromptFirewallObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; generation?: number; resourceVersion?: string; deletionTimestamp?: Date };
  spec?: unknown;
  status?: PromptFirewallStatus;
}

/** HTTP status of a failed API call, or undefined for other errors. */
export function statusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

/** The API server's own message of a failed call (for example a validation error), else the error's. */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      if (body?.message) return String(body.message);
    } catch {
      // not JSON: fall through
    }
  }
  return (err as Error)?.message ?? String(err);
}

const notFound = (err: unknown) => statusCode(err) === 404;

/** MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
export const microTime = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Who reports Events. */
export const REPORTING_CONTROLLER = 'promptfirewall.io/operator';

export class KubeClient {
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly events: EventsV1Api;
  private discovery = new Map<string, { at: number; served: boolean }>();

  constructor(readonly kubeConfig: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.events = kubeConfig.makeApiClient(EventsV1Api);
  }

  /** Records an Event about a PromptFirewall (shown by kubectl describe). */
  async recordEvent(pfw: Pick<PromptFirewallObject, 'metadata'>, event: { type: 'Normal' | 'Warning'; reason: string; message: string }, instance: string): Promise<void> {
    const { name, namespace, uid } = pfw.metadata;
    await this.events.createNamespacedEvent({
      namespace,
      body: {
        // Named as client-go names them: the object's name and a unique suffix.
        metadata: { name: `${name}.${Date.now().toString(16)}${randomBytes(3).toString('hex')}`, namespace },
        eventTime: microTime() as never,
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: instance.slice(0, 128),
        action: 'Reconcile',
        type: event.type,
        reason: event.reason,
        note: event.message.slice(0, 1024),
        regarding: { apiVersion: PFW_API_VERSION, kind: KIND, name, namespace, uid },
      },
    });
  }

  /** Server-side apply under the operator's field manager; returns what the API server stored. */
  async apply<T extends KubernetesObject = KubeObject>(obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<T> {
    return (await this.objects.patch(obj as KubernetesObject, undefined, opts.dryRun ? 'All' : undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)) as T;
  }

  /** Deletes an object; a missing one is not an error. */
  async delete(apiVersion: string, kind: string, namespace: string, name: string): Promise<void> {
    try {
      await this.objects.delete({ apiVersion, kind, metadata: { name, namespace } });
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }

  /** Reads an object, or undefined when it does not exist. */
  async read<T extends KubernetesObject>(apiVersion: string, kind: string, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.objects.read({ apiVersion, kind, metadata: { name, namespace } })) as T;
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  async listPromptFirewalls(namespace?: string): Promise<{ metadata?: { resourceVersion?: string }; items: PromptFirewallObject[] }> {
    const list = namespace
      ? await this.custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: PLURAL })
      : await this.custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: PLURAL });
    return list as { metadata?: { resourceVersion?: string }; items: PromptFirewallObject[] };
  }

  /** Writes status through the status subresource (server-side apply: fields left out are removed). */
  async applyStatus(pfw: Pick<PromptFirewallObject, 'metadata'>, status: PromptFirewallStatus): Promise<void> {
    const { name, namespace } = pfw.metadata;
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: API_GROUP,
        version: API_VERSION,
        namespace,
        plural: PLURAL,
        name,
        body: { apiVersion: PFW_API_VERSION, kind: KIND, metadata: { name, namespace }, status },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      // The generated client would send a JSON patch content type; apply needs this one.
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }

  /** Whether the cluster serves a kind (for add-ons such as the ServiceMonitor CRD); cached for a minute. */
  async serves(group: string, version: string, kind: string): Promise<boolean> {
    const key = `${group}/${version}/${kind}`;
    const hit = this.discovery.get(key);
    if (hit && Date.now() - hit.at < 60_000) return hit.served;
    let served = false;
    try {
      const list = await this.custom.getAPIResources({ group, version });
      served = list.resources.some((r) => r.kind === kind);
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    this.discovery.set(key, { at: Date.now(), served });
    return served;
  }
}

export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return shareConnections(kc);
}

/**
 * client-node 2 makes a new undici Agent, hence a new TLS connection, for every request it sends
 * with TLS settings (a CA, a client certificate). One Agent per KubeConfig keeps connections alive
 * across requests: a PromptFirewall reconciles in about half the time (bench/operator.ts). Credentials in
 * headers (tokens, refreshed per request) are unaffected; a rotated client certificate needs a restart.
 */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createDispatcher(cluster: unknown, options: unknown): unknown };
  const create = target.createDispatcher.bind(kc);
  let shared: unknown;
  target.createDispatcher = (cluster, options) => (shared ??= create(cluster, options));
  return kc;
}
