// status of a PromptFirewall: what the operator observed, written through the status subresource.
import { z } from 'zod';

export const CONDITION_TYPES = ['Ready', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** The metav1.Condition shape (Kubernetes API conventions). */
export const ConditionSchema = z
  .object({
    type: z.string().max(316).describe('Ready: the fleet serves. Progressing: a change is rolling out. Degraded: something asked for is not in effect.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    observedGeneration: z.number().int().min(0).optional().describe('metadata.generation the condition was computed from.'),
    lastTransitionTime: z.string().describe('When status last changed (RFC 3339).'),
    reason: z.string().max(1024).describe('CamelCase reason for the last transition, for machines.'),
    message: z.string().max(32768).describe('Explanation for humans.'),
  })
  .describe('One condition of the PromptFirewall.');
export type Condition = z.output<typeof ConditionSchema>;

export const PromptFirewallStatusSchema = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe('metadata.generation of the spec this status describes.'),
    conditions: z
      .array(ConditionSchema)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .optional()
      .describe('Ready, Progressing and Degraded.'),
    replicas: z.number().int().min(0).optional().describe('Scanner pods that exist (Deployment status.replicas).'),
    readyReplicas: z.number().int().min(0).optional().describe('Scanner pods that pass their readiness probe and receive traffic.'),
    desiredReplicas: z.number().int().min(0).optional().describe('Scanner pods the autoscaler wants.'),
    replicasSummary: z.string().optional().describe('ready/desired, for kubectl get.'),
    currentCPUUtilization: z.number().int().min(0).optional().describe('Average CPU utilisation of the pods in percent of their request, as the autoscaler last measured it.'),
    scaleDownTolerance: z.string().optional().describe('Scale-down tolerance the autoscaler applies (empty when the cluster does not support configurable tolerance).'),
    endpoint: z.string().optional().describe('In-cluster URL of the scanner Service.'),
    policyVersion: z.string().optional().describe('Version (hash) of the policy rendered for the pods; the scanners report the same in GET /v1/info.'),
    configHash: z.string().optional().describe('Hash of the pod configuration that needs a restart; a change rolls the pods.'),
  })
  .describe('Observed state, written by the operator.');
export type PromptFirewallStatus = z.output<typeof PromptFirewallStatusSchema>;
