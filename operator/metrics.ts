// The operator's own Prometheus metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ReconcileResult = 'success' | 'requeue' | 'error';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'prompt_firewall_operator_reconcile_total', help: 'Reconciles of PromptFirewalls by result (requeue: waiting for something the spec refers to).', labelNames: ['result'] as const, registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'prompt_firewall_operator_reconcile_duration_seconds',
    help: 'Time to reconcile one PromptFirewall.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly leader = new Gauge({ name: 'prompt_firewall_operator_leader', help: '1 while this replica holds the leader lease (or leader election is off).', registers: [this.registry] });
  readonly managed = new Gauge({ name: 'prompt_firewall_operator_managed_resources', help: 'PromptFirewalls in the watched namespaces.', registers: [this.registry] });

  constructor(queueDepth: () => number) {
    new Gauge({
      name: 'prompt_firewall_operator_queue_depth',
      help: 'PromptFirewalls waiting to be reconciled.',
      registers: [this.registry],
      collect() {
        this.set(queueDepth());
      },
    });
    for (const r of ['success', 'requeue', 'error'] as const) this.reconciles.inc({ result: r }, 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'prompt_firewall_operator_' });
  }
}
