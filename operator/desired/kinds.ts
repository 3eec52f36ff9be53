// The kinds of object a PromptFirewall owns. The controller watches them, prunes the optional
// ones, and the RBAC manifest grants exactly these (operator/rbac.ts).
export interface ChildKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  /** Only exists when the spec asks for it. */
  optional?: boolean;
  /** Served only where an add-on installed its CRD (ServiceMonitor). */
  addOn?: boolean;
}

export const CHILD_KINDS: readonly ChildKind[] = [
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { group: '', version: 'v1', kind: 'Service', plural: 'services' },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments' },
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' },
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', optional: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', optional: true },
  { group: 'monitoring.coreos.com', version: 'v1', kind: 'ServiceMonitor', plural: 'servicemonitors', optional: true, addOn: true },
];

export const apiVersionOf = (k: Pick<ChildKind, 'group' | 'version'>) => (k.group ? `${k.group}/${k.version}` : k.version);
