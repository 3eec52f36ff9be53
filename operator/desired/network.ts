// How the scanner pods are reached: the ClusterIP Service (ready pods only) and, optionally, a
// NetworkPolicy that admits only the listed callers.
import type { PromptFirewallSpec } from '../../crds/schema.js';
import { childMeta, selectorLabels, type KubeObject, type Owner } from './meta.js';

export function service(owner: Owner, spec: PromptFirewallSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(owner, { annotations: spec.service.annotations }),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(owner),
      // Endpoints list only pods whose readiness probe passes (publishNotReadyAddresses stays false).
      ports: [{ name: 'http', port: spec.service.port, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    },
  };
}

export const endpointUrl = (owner: Owner, spec: PromptFirewallSpec) => `http://${owner.name}.${owner.namespace}.svc:${spec.service.port}`;

export function networkPolicy(owner: Owner, spec: PromptFirewallSpec): KubeObject {
  const from = spec.networkPolicy.ingressFrom.length ? spec.networkPolicy.ingressFrom : [{ podSelector: {} }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMeta(owner),
    spec: {
      podSelector: { matchLabels: selectorLabels(owner) },
      policyTypes: ['Ingress'],
      ingress: [{ from, ports: [{ protocol: 'TCP', port: 'http' }] }],
    },
  };
}
