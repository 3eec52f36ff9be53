// The scanner fleet: how many pods, how they scale, what they run, where they run and how
// Kubernetes checks and reaches them. Read by the operator only.
import { z } from 'zod';
import { cel, IntOrPercentSchema, LabelSelectorSchema, OpaqueObjectSchema, QuantitySchema } from '../common.js';

export const ReplicasSchema = z
  .object({
    min: z.number().int().min(1).max(1000).default(2).describe('Fewest scanner pods.'),
    max: z.number().int().min(1).max(1000).default(10).describe('Most scanner pods.'),
  })
  // has() guards: see quantityLE.
  .meta(cel({ rule: '!has(self.min) || !has(self.max) || self.min <= self.max', message: 'replicas.min must be less than or equal to replicas.max' }))
  .prefault({})
  .describe('Number of scanner pods, between min and max as the autoscaler decides.');

export const AutoscalingSchema = z
  .object({
    targetCPUUtilization: z.number().int().min(1).max(100).default(70).describe('Average CPU utilisation (percent of requests) the autoscaler aims for.'),
    scaleDownBelowCPUUtilization: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(30)
      .describe('Scale down only while CPU utilisation is below this percentage (0: never scale down on CPU). Needs the HPAConfigurableTolerance feature; without it the cluster-wide 10% tolerance applies and status says so.'),
    scaleUpCooldownSeconds: z.number().int().min(0).max(3600).default(300).describe('Stabilisation window before scaling up, in seconds.'),
    scaleDownCooldownSeconds: z.number().int().min(0).max(3600).default(600).describe('Stabilisation window before scaling down, in seconds.'),
  })
  .meta(cel({ rule: '!has(self.scaleDownBelowCPUUtilization) || !has(self.targetCPUUtilization) || self.scaleDownBelowCPUUtilization < self.targetCPUUtilization', message: 'autoscaling.scaleDownBelowCPUUtilization must be below autoscaling.targetCPUUtilization' }))
  .prefault({})
  .describe('Horizontal autoscaling on CPU.');

export const HealthCheckSchema = z
  .object({
    periodSeconds: z.number().int().min(1).max(3600).default(30).describe('How often Kubernetes probes each pod.'),
    timeoutSeconds: z.number().int().min(1).max(600).default(5).describe('How long a probe may take.'),
    failureThreshold: z.number().int().min(1).max(100).default(3).describe('Consecutive failures before a pod is restarted (liveness) or taken out of the Service (readiness).'),
  })
  .meta(cel({ rule: '!has(self.timeoutSeconds) || !has(self.periodSeconds) || self.timeoutSeconds <= self.periodSeconds', message: 'healthCheck.timeoutSeconds must not exceed healthCheck.periodSeconds' }))
  .prefault({})
  .describe('Readiness and liveness probes of the scanner pods.');

export const ImageSchema = z
  .object({
    reference: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe("Scanner image, for example registry.example/prompt-firewall:0.1.0. Default: the operator's --scanner-image, the scanner of the operator's own release."),
    pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent').describe('When the kubelet pulls the image.'),
    pullSecrets: z
      .array(z.object({ name: z.string().min(1).max(253).describe('Name of a docker-registry Secret in the same namespace.') }))
      .default([])
      .describe('Secrets with registry credentials for pulling the image.'),
  })
  .prefault({})
  .describe('Container image of the scanner pods.');

// has() guards: the API server also evaluates rules against the `{}` default before nested
// defaults are filled in.
const has = (path: string) => path.split('.').map((_, i, parts) => `has(self.${parts.slice(0, i + 1).join('.')})`).join(' && ');
const quantityLE = (small: string, big: string) => `!(${has(small)}) || !(${has(big)}) || quantity(self.${small}).compareTo(quantity(self.${big})) <= 0`;

export const ResourcesSchema = z
  .object({
    requests: z
      .object({
        cpu: QuantitySchema.default('500m').describe('CPU each pod is guaranteed. The autoscaler measures utilisation against it, so it is always set.'),
        memory: QuantitySchema.default('128Mi').describe('Memory each pod is guaranteed.'),
      })
      .prefault({})
      .describe('Resources reserved for each scanner pod.'),
    limits: z
      .object({
        cpu: QuantitySchema.optional().describe('CPU ceiling per pod. Unset by default: throttling costs latency, and the request already drives scheduling and autoscaling.'),
        memory: QuantitySchema.default('384Mi').describe('Memory ceiling per pod; above it the pod is restarted. The default leaves room for one detection thread under bursts of long inputs.'),
      })
      .prefault({})
      .describe('Ceilings for each scanner pod.'),
  })
  .meta(
    cel(
      { rule: `${quantityLE('requests.cpu', 'limits.cpu')}`, message: 'resources.limits.cpu must be at least resources.requests.cpu' },
      { rule: `${quantityLE('requests.memory', 'limits.memory')}`, message: 'resources.limits.memory must be at least resources.requests.memory' },
    ),
  )
  .prefault({})
  .describe('CPU and memory of each scanner pod.');

export const PlacementSchema = z
  .object({
    nodeSelector: z.record(z.string(), z.string()).default({}).describe('Labels a node must have to run scanner pods.'),
    tolerations: z
      .array(
        z.object({
          key: z.string().optional().describe('Taint key; empty with operator Exists matches every taint.'),
          operator: z.enum(['Exists', 'Equal']).optional().describe('Exists or Equal (default Equal).'),
          value: z.string().optional().describe('Taint value for Equal.'),
          effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Taint effect to tolerate; empty means all.'),
          tolerationSeconds: z.number().int().optional().describe('For NoExecute: how long the pod stays bound after the taint appears.'),
        }),
      )
      .default([])
      .describe('Taints the scanner pods tolerate.'),
    affinity: OpaqueObjectSchema.optional().describe('Pod affinity, as in a Pod spec (nodeAffinity, podAffinity, podAntiAffinity).'),
    spreadAcrossNodes: z
      .enum(['preferred', 'required', 'none'])
      .default('preferred')
      .describe('Topology spread of the pods across nodes (and, preferred only, zones): preferred schedules anyway when it cannot spread, required leaves pods Pending instead.'),
    priorityClassName: z.string().max(253).optional().describe('PriorityClass of the scanner pods.'),
  })
  .prefault({})
  .describe('Where the scanner pods run.');

export const ServiceSchema = z
  .object({
    port: z.number().int().min(1).max(65535).default(8080).describe('Port of the ClusterIP Service (the pods listen on 8080).'),
    annotations: z.record(z.string(), z.string()).default({}).describe('Extra annotations on the Service.'),
  })
  .prefault({})
  .describe('The in-cluster Service in front of the ready scanner pods.');

export const PodDisruptionBudgetSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Create a PodDisruptionBudget so voluntary disruptions (node drains) keep the fleet serving.'),
    maxUnavailable: IntOrPercentSchema.default(1).describe('Pods (or a percentage such as 25%) that may be down at once during voluntary disruptions.'),
  })
  .prefault({})
  .describe('PodDisruptionBudget of the scanner pods.');

export const NetworkPolicySchema = z
  .object({
    enabled: z.boolean().default(false).describe('Create a NetworkPolicy that admits traffic to the scanner port only from ingressFrom. Outbound traffic (Redis, Postgres, the proxy upstream) is not restricted.'),
    ingressFrom: z
      .array(
        z
          .object({
            podSelector: LabelSelectorSchema.optional().describe('Pods allowed to call the scanner (in the namespaces of namespaceSelector, or else in this namespace).'),
            namespaceSelector: LabelSelectorSchema.optional().describe('Namespaces whose pods are allowed to call the scanner.'),
            ipBlock: z
              .object({
                cidr: z.string().describe('Allowed CIDR.'),
                except: z.array(z.string()).optional().describe('CIDRs excluded from it.'),
              })
              .optional()
              .describe('Addresses allowed to call the scanner.'),
          })
          .meta(cel({ rule: '!has(self.ipBlock) || (!has(self.podSelector) && !has(self.namespaceSelector))', message: 'an ingressFrom peer with ipBlock may not have podSelector or namespaceSelector' }))
          .describe('A NetworkPolicy peer.'),
      )
      .default([])
      .describe('Who may call the scanner. Empty: every pod in the same namespace.'),
  })
  .prefault({})
  .describe('Optional NetworkPolicy for the scanner pods.');

export const ShutdownSchema = z
  .object({
    drainDelaySeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(5)
      .describe('After SIGTERM a pod reports not ready and keeps serving this long, so Service endpoints stop sending it traffic before it closes.'),
    timeoutSeconds: z.number().int().min(1).max(600).default(25).describe('Longest time in-flight requests may take to finish after the drain delay.'),
  })
  .prefault({})
  .describe('Graceful shutdown of a scanner pod.');
