// How many scanner pods run: the HorizontalPodAutoscaler (autoscaling/v2) and the
// PodDisruptionBudget that keeps voluntary disruptions from taking the fleet down.
import type { PromptFirewallSpec } from '../../crds/schema.js';
import { childMeta, selectorLabels, type KubeObject, type Owner } from './meta.js';

/**
 * The HPA scales when |utilisation / target − 1| exceeds the tolerance. To scale down only below
 * `below`% with a target of `target`%, scale-down tolerance = 1 − below/target (30 of 70 → 0.571),
 * as a Kubernetes quantity in thousandths, rounded up so the threshold stays just under `below`.
 */
export function scaleDownTolerance(targetPercent: number, belowPercent: number): string {
  return `${Math.ceil((1 - belowPercent / targetPercent) * 1000)}m`;
}

export function horizontalPodAutoscaler(owner: Owner, spec: PromptFirewallSpec): KubeObject {
  const a = spec.autoscaling;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(owner),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: owner.name },
      minReplicas: spec.replicas.min,
      maxReplicas: spec.replicas.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetCPUUtilization } } }],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: a.scaleUpCooldownSeconds },
        scaleDown: { stabilizationWindowSeconds: a.scaleDownCooldownSeconds, tolerance: scaleDownTolerance(a.targetCPUUtilization, a.scaleDownBelowCPUUtilization) },
      },
    },
  };
}

/** True when the API server kept the scale-down tolerance (feature HPAConfigurableTolerance on). */
export function toleranceApplied(stored: { spec?: { behavior?: { scaleDown?: { tolerance?: unknown } } } } | undefined): boolean {
  return stored?.spec?.behavior?.scaleDown?.tolerance !== undefined;
}

export function podDisruptionBudget(owner: Owner, spec: PromptFirewallSpec): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(owner),
    spec: {
      selector: { matchLabels: selectorLabels(owner) },
      maxUnavailable: spec.podDisruptionBudget.maxUnavailable,
      // A pod that is not ready serves nothing; evicting it must not be blocked (node drains).
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
