// The PromptFirewall controller: watches PromptFirewalls and the objects they own, and reconciles
// each one — level-triggered and idempotent — into its children with server-side apply, then
// reports status. Decisions live in operator/desired/; this file only sequences I/O.
import { Watch, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION, PLURAL, PromptFirewallSpecSchema, type PromptFirewallSpec, type PromptFirewallStatus } from '../crds/schema.js';
import { describeZodError } from '../scanner/scan/request.js';
import { desiredState, type Desired } from './desired/index.js';
import { keysSecret, keysSecretName, missingKeys, withGeneratedKeys } from './desired/keys.js';
import { apiVersionOf, CHILD_KINDS, type ChildKind } from './desired/kinds.js';
import { CHILD_SELECTOR, controllerOf, FIELD_MANAGER, type KubeObject, type Owner } from './desired/meta.js';
import { SERVICE_MONITOR_API } from './desired/monitoring.js';
import { toleranceApplied } from './desired/scaling.js';
import { secretUses } from './desired/scanner-config.js';
import { computeStatus, sameStatus, transitionEvents, type ObservedDeployment, type ObservedHpa, type Problem } from './desired/status.js';
import { apiMessage, statusCode, type KubeClient, type PromptFirewallObject } from './kube/client.js';
import { Informer } from './kube/informer.js';
import type { OperatorMetrics, ReconcileResult } from './metrics.js';
import { WorkQueue } from './queue.js';

export interface ControllerOptions {
  kube: KubeClient;
  /** Empty: all namespaces. */
  namespaces: string[];
  /** Scanner image for PromptFirewalls that name none. */
  defaultImage: string;
  workers: number;
  /** Every PromptFirewall is reconciled again at least this often. */
  resyncMs: number;
  /** This replica, as Events name it. */
  identity: string;
  log: Logger;
  metrics: OperatorMetrics;
  queue?: WorkQueue;
}

/** Thrown for what the user must fix; the item is retried with backoff and status says why. */
class Blocked extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

export class Controller {
  readonly queue: WorkQueue;
  private readonly pfws: Informer<PromptFirewallObject>;
  private readonly children = new Map<string, Informer<KubernetesObject>>();
  private readonly watch: Watch;
  private readonly generations = new Map<string, number | undefined>();
  /** Status last written, by uid: the cache may not have seen it yet. */
  private readonly written = new Map<string, PromptFirewallStatus>();
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly opts: ControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue();
    this.watch = new Watch(opts.kube.kubeConfig);
    const { kube, namespaces, log } = opts;
    this.pfws = new Informer<PromptFirewallObject>(this.watch, {
      what: PLURAL,
      path: (ns) => `/apis/${API_GROUP}/${API_VERSION}${ns ? `/namespaces/${ns}` : ''}/${PLURAL}`,
      list: (ns) => kube.listPromptFirewalls(ns),
      namespaces,
      log,
      onEvent: (type, pfw) => this.onPromptFirewall(type, pfw),
      notServedHint: 'the PromptFirewall CRD is not installed: kubectl apply --server-side -f crds/promptfirewall.yaml',
    });
  }

  /** Caches are filled: safe to start workers (and to report ready). */
  get synced(): boolean {
    return this.pfws.synced && [...this.children.values()].every((i) => i.synced);
  }

  /** Starts the watches (leader or not: a standby keeps warm caches for a fast takeover). */
  async startCaches(): Promise<void> {
    await Promise.all([this.pfws.start(), ...CHILD_KINDS.filter((k) => !k.addOn).map((k) => this.watchChildren(k))]);
  }

  private async watchChildren(kind: ChildKind): Promise<void> {
    if (this.children.has(kind.kind)) return;
    const apiVersion = apiVersionOf(kind);
    const informer = new Informer<KubernetesObject>(this.watch, {
      what: kind.plural,
      path: (ns) => `${kind.group ? `/apis/${apiVersion}` : '/api/v1'}${ns ? `/namespaces/${ns}` : ''}/${kind.plural}`,
      list: (ns) => this.opts.kube.objects.list(apiVersion, kind.kind, ns, undefined, undefined, undefined, undefined, CHILD_SELECTOR),
      labelSelector: CHILD_SELECTOR,
      namespaces: this.opts.namespaces,
      log: this.opts.log,
      onEvent: (_type, obj) => {
        // Any change to an owned object — drift, deletion, a status update — reconciles its owner.
        const owner = controllerOf(obj.metadata);
        if (owner && obj.metadata?.namespace) this.queue.add(keyOf(obj.metadata.namespace, owner.name));
      },
    });
    this.children.set(kind.kind, informer);
    await informer.start();
  }

  private onPromptFirewall(type: 'add' | 'update' | 'delete', pfw: PromptFirewallObject): void {
    const key = keyOf(pfw.metadata.namespace, pfw.metadata.name);
    if (type === 'delete') {
      this.generations.delete(key);
      this.written.delete(pfw.metadata.uid);
      this.opts.metrics.managed.set(this.pfws.list().length);
      return; // the garbage collector deletes the children through their owner references
    }
    // Our own status writes come back as updates with the same generation: skip those.
    if (type === 'update' && this.generations.get(key) === pfw.metadata.generation && !pfw.metadata.deletionTimestamp) return;
    this.generations.set(key, pfw.metadata.generation);
    this.opts.metrics.managed.set(this.pfws.list().length);
    this.queue.add(key);
  }

  /** Leader only: processes the queue with `workers` concurrent reconciles. */
  startWorkers(): void {
    if (this.running) return;
    this.running = true;
    for (const pfw of this.pfws.list()) this.queue.add(keyOf(pfw.metadata.namespace, pfw.metadata.name));
    this.workers = Array.from({ length: this.opts.workers }, () => this.work());
    this.resyncTimer = setInterval(() => {
      for (const pfw of this.pfws.list()) this.queue.add(keyOf(pfw.metadata.namespace, pfw.metadata.name));
    }, this.opts.resyncMs);
    this.resyncTimer.unref();
  }

  /** Stops taking work and waits for the reconciles in flight. */
  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
    await Promise.all(this.workers);
    await Promise.all([this.pfws.stop(), ...[...this.children.values()].map((i) => i.stop())]);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = process.hrtime.bigint();
      let result: ReconcileResult = 'success';
      try {
        result = await this.reconcile(key);
      } catch (err) {
        result = 'error';
        this.opts.log.error({ key, err: apiMessage(err) }, 'reconcile failed');
      } finally {
        this.opts.metrics.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.opts.metrics.reconciles.inc({ result });
        if (result === 'success') this.queue.forget(key);
        else this.queue.addRateLimited(key);
        this.queue.done(key);
      }
    }
  }

  /** One pass for one PromptFirewall: what should exist is made to exist, then status is written. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/');
    const pfw = this.pfws.get(namespace, name);
    if (!pfw || pfw.metadata.deletionTimestamp) return 'success';
    const owner: Owner = { name, namespace, uid: pfw.metadata.uid, generation: pfw.metadata.generation };
    const log = this.opts.log.child({ promptfirewall: key, generation: owner.generation });

    const parsed = PromptFirewallSpecSchema.safeParse(pfw.spec ?? {});
    if (!parsed.success) {
      // The CRD's schema admits only valid specs; this guards resources stored before an upgrade.
      await this.writeStatus(pfw, { blocked: { reason: 'InvalidSpec', message: describeZodError(parsed.error) } });
      return 'success'; // nothing changes until the spec does
    }
    let spec = parsed.data;

    let desired: Desired;
    let applied: Map<string, KubernetesObject>;
    try {
      spec = await this.ensureKeys(owner, spec);
      const secretVersions = await this.checkReferences(owner, spec);
      const serviceMonitorSupported = await this.serviceMonitorSupported();
      desired = desiredState({ owner, spec, defaultImage: this.opts.defaultImage, secretVersions, serviceMonitorSupported });
      applied = await this.applyAll(desired.objects);
      await this.prune(owner, desired.absent);
    } catch (err) {
      const problem = err instanceof Blocked ? err.problem : { reason: 'ApplyFailed', message: apiMessage(err) };
      log.warn({ reason: problem.reason, message: problem.message }, 'not reconciled; retrying with backoff');
      await this.writeStatus(pfw, { blocked: problem }).catch((e) => log.warn({ err: apiMessage(e) }, 'status write failed'));
      return err instanceof Blocked ? 'requeue' : 'error';
    }

    const hpa = applied.get('HorizontalPodAutoscaler') as ObservedHpa | undefined;
    const degraded: Problem[] = [];
    if (!toleranceApplied(hpa)) {
      degraded.push({
        reason: 'HPAToleranceUnsupported',
        message: `the API server dropped the HPA's scale-down tolerance (feature gate HPAConfigurableTolerance off): the fleet scales down below ${Math.round(spec.autoscaling.targetCPUUtilization * 0.9)}% CPU (cluster-wide 10% tolerance) instead of below ${spec.autoscaling.scaleDownBelowCPUUtilization}%`,
      });
    }
    if (desired.serviceMonitorUnavailable) {
      degraded.push({ reason: 'ServiceMonitorUnsupported', message: 'observability.serviceMonitor.enabled is set but the cluster has no monitoring.coreos.com/v1 ServiceMonitor CRD' });
    }
    await this.writeStatus(pfw, { desired, degraded, deployment: applied.get('Deployment') as ObservedDeployment, hpa });
    log.debug('reconciled');
    return 'success';
  }

  /** Points the key references the spec leaves out at the generated keys Secret, which is created
   *  the first time and only read afterwards (operator/desired/keys.ts). */
  private async ensureKeys(owner: Owner, spec: PromptFirewallSpec): Promise<PromptFirewallSpec> {
    const missing = missingKeys(spec);
    if (!missing.length) return spec;
    const { namespace } = owner;
    const name = keysSecretName(owner);
    const read = () => this.opts.kube.core.readNamespacedSecret({ namespace, name }).catch((err) => (statusCode(err) === 404 ? undefined : Promise.reject(err)));
    let secret = await read();
    if (!secret) {
      try {
        secret = await this.opts.kube.core.createNamespacedSecret({ namespace, body: keysSecret(owner) as V1Secret, fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (statusCode(err) !== 409) throw err;
        secret = await read(); // created meanwhile (a previous leader): use what is there
      }
    }
    const fields = missing.map((g) => g.refPath.join('.')).join(' and ');
    if (!secret) throw new Error(`Secret ${namespace}/${name} was deleted while it was being created`);
    if (controllerOf(secret.metadata)?.uid !== owner.uid) {
      throw new Blocked({ reason: 'SecretConflict', message: `Secret ${namespace}/${name} exists and is not owned by this PromptFirewall: delete it, or name your own Secret in ${fields}` });
    }
    const lacking = missing.filter((g) => secret.data?.[g.key] === undefined).map((g) => g.key);
    if (lacking.length) {
      throw new Blocked({ reason: 'SecretKeyNotFound', message: `Secret ${namespace}/${name} has no key ${lacking.map((k) => `"${k}"`).join(', ')}: delete it and the operator makes new keys` });
    }
    return withGeneratedKeys(owner, spec);
  }

  /** Secrets and model sources must exist before pods that need them are rolled out. Returns the
   *  resourceVersion of each Secret (a rotation rolls the pods). */
  private async checkReferences(owner: Owner, spec: PromptFirewallSpec): Promise<Record<string, string>> {
    const versions: Record<string, string> = {};
    for (const use of secretUses(spec)) {
      const field = use.slot.refPath.join('.');
      let secret: V1Secret | undefined;
      try {
        secret = await this.opts.kube.core.readNamespacedSecret({ namespace: owner.namespace, name: use.name });
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
        throw new Blocked({ reason: 'SecretNotFound', message: `Secret ${owner.namespace}/${use.name} (${field}) not found` });
      }
      if (use.key !== undefined && secret.data?.[use.key] === undefined) {
        throw new Blocked({ reason: 'SecretKeyNotFound', message: `Secret ${owner.namespace}/${use.name} (${field}) has no key "${use.key}"` });
      }
      versions[use.name] = secret.metadata?.resourceVersion ?? '';
    }
    const custom = spec.model.custom;
    const source = custom?.configMap
      ? { apiVersion: 'v1', kind: 'ConfigMap', name: custom.configMap.name }
      : custom?.persistentVolumeClaim
        ? { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: custom.persistentVolumeClaim.claimName }
        : undefined;
    if (source && !(await this.opts.kube.read(source.apiVersion, source.kind, owner.namespace, source.name))) {
      throw new Blocked({ reason: 'ModelSourceNotFound', message: `${source.kind} ${owner.namespace}/${source.name} (model.custom) not found` });
    }
    return versions;
  }

  private async serviceMonitorSupported(): Promise<boolean> {
    const served = await this.opts.kube.serves(SERVICE_MONITOR_API.group, SERVICE_MONITOR_API.version, SERVICE_MONITOR_API.kind);
    if (served && !this.children.has(SERVICE_MONITOR_API.kind)) await this.watchChildren(CHILD_KINDS.find((k) => k.addOn)!);
    return served;
  }

  private async applyAll(objects: KubeObject[]): Promise<Map<string, KubernetesObject>> {
    const results = await Promise.allSettled(objects.map((o) => this.opts.kube.apply(o)));
    const applied = new Map<string, KubernetesObject>();
    const failures: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') applied.set(objects[i].kind, r.value);
      else failures.push(`${objects[i].kind}: ${apiMessage(r.reason)}`);
    });
    if (failures.length) throw new Error(failures.join('; '));
    return applied;
  }

  /** Deletes optional children the spec no longer asks for. */
  private async prune(owner: Owner, absent: ChildKind[]): Promise<void> {
    for (const kind of absent) {
      const existing = this.children.get(kind.kind)?.get(owner.namespace, owner.name);
      if (existing && controllerOf(existing.metadata)?.uid === owner.uid) {
        await this.opts.kube.delete(apiVersionOf(kind), kind.kind, owner.namespace, owner.name);
      }
    }
  }

  private async writeStatus(pfw: PromptFirewallObject, input: Omit<Parameters<typeof computeStatus>[0], 'generation' | 'now' | 'previous' | 'degraded'> & { degraded?: Problem[] }): Promise<void> {
    const previous = this.written.get(pfw.metadata.uid) ?? pfw.status;
    const status = computeStatus({ degraded: [], ...input, generation: pfw.metadata.generation ?? 0, previous, now: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
    if (sameStatus(previous, status)) return;
    await this.opts.kube.applyStatus(pfw, status);
    this.written.set(pfw.metadata.uid, status);
    for (const event of transitionEvents(previous, status)) {
      // Off the reconcile's path: an Event is a courtesy, status is the record.
      void this.opts.kube.recordEvent(pfw, event, this.opts.identity).catch((err) => this.opts.log.debug({ err: apiMessage(err) }, 'event not recorded'));
    }
  }
}
