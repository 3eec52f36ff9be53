// Spec → the objects that should exist. Pure: the same input always gives the same objects, and
// nothing here talks to Kubernetes.
import type { PromptFirewallSpec } from '../../crds/schema.js';
import { CHILD_KINDS, type ChildKind } from './kinds.js';
import type { KubeObject, Owner } from './meta.js';
import { serviceMonitor } from './monitoring.js';
import { endpointUrl, networkPolicy, service } from './network.js';
import { horizontalPodAutoscaler, podDisruptionBudget } from './scaling.js';
import { configHash, renderScannerConfig, specPolicyVersion } from './scanner-config.js';
import { configMap, deployment, serviceAccount } from './workload.js';

export interface DesiredInput {
  owner: Owner;
  spec: PromptFirewallSpec;
  defaultImage: string;
  /** resourceVersion of each Secret the pods read, by name: a rotated Secret rolls the pods. */
  secretVersions?: Record<string, string>;
  /** The cluster serves monitoring.coreos.com/v1 ServiceMonitor. */
  serviceMonitorSupported: boolean;
}

export interface Desired {
  /** Objects to apply (in any order: the controllers wait for what they reference). */
  objects: KubeObject[];
  /** Optional kinds that must not exist (turned off, or not supported by the cluster). */
  absent: ChildKind[];
  configHash: string;
  policyVersion: string;
  endpoint: string;
  /** ServiceMonitor asked for but its CRD is not installed. */
  serviceMonitorUnavailable: boolean;
}

export function desiredState(input: DesiredInput): Desired {
  const { owner, spec } = input;
  const config = renderScannerConfig(spec);
  const hash = configHash(config, input.secretVersions);
  const wantMonitor = spec.observability.serviceMonitor.enabled;
  const objects = [
    serviceAccount(owner),
    configMap(owner, config),
    service(owner, spec),
    deployment({ owner, spec, config, configHash: hash, defaultImage: input.defaultImage }),
    horizontalPodAutoscaler(owner, spec),
  ];
  if (spec.podDisruptionBudget.enabled) objects.push(podDisruptionBudget(owner, spec));
  if (spec.networkPolicy.enabled) objects.push(networkPolicy(owner, spec));
  if (wantMonitor && input.serviceMonitorSupported) objects.push(serviceMonitor(owner, spec));
  const present = new Set(objects.map((o) => o.kind));
  return {
    objects,
    // An unsupported ServiceMonitor kind cannot exist, so there is nothing to prune.
    absent: CHILD_KINDS.filter((k) => k.optional && !present.has(k.kind) && !(k.addOn && !input.serviceMonitorSupported)),
    configHash: hash,
    policyVersion: specPolicyVersion(spec),
    endpoint: endpointUrl(owner, spec),
    serviceMonitorUnavailable: wantMonitor && !input.serviceMonitorSupported,
  };
}
