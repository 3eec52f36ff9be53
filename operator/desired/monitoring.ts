// Prometheus Operator ServiceMonitor for the scanners' /metrics (only where its CRD is installed).
import type { PromptFirewallSpec } from '../../crds/schema.js';
import { childMeta, selectorLabels, type KubeObject, type Owner } from './meta.js';

export const SERVICE_MONITOR_API = { group: 'monitoring.coreos.com', version: 'v1', kind: 'ServiceMonitor', plural: 'servicemonitors' } as const;

export function serviceMonitor(owner: Owner, spec: PromptFirewallSpec): KubeObject {
  const sm = spec.observability.serviceMonitor;
  return {
    apiVersion: `${SERVICE_MONITOR_API.group}/${SERVICE_MONITOR_API.version}`,
    kind: SERVICE_MONITOR_API.kind,
    metadata: childMeta(owner, { labels: sm.labels }),
    spec: {
      selector: { matchLabels: selectorLabels(owner) },
      endpoints: [{ port: 'http', path: '/metrics', interval: sm.interval }],
    },
  };
}
