// Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews the
// Lease every retry period; a candidate takes it over once it has seen no renewal for the lease
// duration (measured on its own clock, so clock skew between machines does not matter); writes
// use the Lease's resourceVersion, so two candidates can never both win. A leader that cannot
// renew within the renew deadline stops leading before the lease can expire for the others.
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiMessage, microTime, statusCode } from './kube/client.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  onStartedLeading(): void;
  /** Called once when leadership is lost (not when released on shutdown). */
  onStoppedLeading(): void;
  log: Logger;
}


export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private leader = false;
  private stopped = false;
  private observed: { holder?: string; renewTime?: string; at: number } = { at: 0 };
  private wake: (() => void) | undefined;
  private lastRenew = 0;
  private running: Promise<void> | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Campaigns until stopped: acquires the Lease, then keeps renewing it. */
  start(): void {
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const attempt = this.tryAcquireOrRenew().catch((err) => {
        this.opts.log.warn({ err: apiMessage(err) }, 'leader election: lease update failed');
        return false;
      });
      // A leader waits for a hung request no longer than its renew deadline allows.
      const ok = this.leader ? await withDeadline(attempt, this.lastRenew + this.opts.renewDeadlineMs - Date.now()) : await attempt;
      const now = Date.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leader) {
          this.leader = true;
          this.opts.log.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'became leader');
          this.opts.onStartedLeading();
        }
      } else if (this.leader && now - this.lastRenew >= this.opts.renewDeadlineMs) {
        this.leader = false;
        this.opts.log.error({ lease: `${this.opts.namespace}/${this.opts.name}` }, 'lost leadership: could not renew the lease in time');
        this.opts.onStoppedLeading();
        return;
      }
      await this.sleep(this.opts.retryPeriodMs * (this.leader ? 1 : 1 + Math.random() * 0.2));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = Date.now();
    const durationSeconds = Math.max(1, Math.round(this.opts.leaseDurationMs / 1000));
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      const body: V1Lease = {
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now) as never, renewTime: microTime(now) as never, leaseTransitions: 0 },
      };
      return this.write(() => this.api.createNamespacedLease({ namespace, body }));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = String(spec.renewTime ?? '');
    if (holder !== this.observed.holder || renewTime !== this.observed.renewTime) this.observed = { holder, renewTime, at: now };
    const heldByOther = holder !== '' && holder !== identity;
    if (heldByOther && this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 > now) return false;
    const mine = holder === identity;
    const body: V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTime(now) as never,
        acquireTime: (mine ? spec.acquireTime : microTime(now)) as never,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine || holder === '' ? 0 : 1),
      },
    };
    return this.write(() => this.api.replaceNamespacedLease({ namespace, name, body }));
  }

  private async write(call: () => Promise<V1Lease>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      if (statusCode(err) === 409) return false; // someone else wrote first
      throw err;
    }
  }

  /** Stops campaigning; a leader gives the Lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running; // no renewal may land after the release
    if (!this.leader) return;
    this.leader = false;
    const { namespace, name } = this.opts;
    try {
      const lease = await this.api.readNamespacedLease({ namespace, name });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = microTime(Date.now());
      await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now as never, acquireTime: now as never } },
      });
      this.opts.log.info('released the leader lease');
    } catch (err) {
      this.opts.log.warn({ err: apiMessage(err) }, 'could not release the leader lease; it expires by itself');
    }
  }
}

/** The promise's value, or false once `ms` have passed. */
function withDeadline(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
