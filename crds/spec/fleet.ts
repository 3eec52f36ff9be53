// The scanner fleet: how many pods, how they scale, what they run and how Kubernetes checks them.
// Read by the operator only.
import { z } from 'zod';
import { cel } from '../common.js';

export const ReplicasSchema = z
  .object({
    min: z.number().int().min(1).max(1000).default(2).describe('Fewest scanner pods.'),
    max: z.number().int().min(1).max(1000).default(10).describe('Most scanner pods.'),
  })
  .meta(cel({ rule: 'self.min <= self.max', message: 'replicas.min must be less than or equal to replicas.max' }))
  .prefault({})
  .describe('Number of scanner pods, between min and max as the autoscaler decides.');

export const AutoscalingSchema = z
  .object({
    targetCPUUtilization: z.number().int().min(1).max(100).default(70).describe('Average CPU utilisation (percent of requests) the autoscaler aims for.'),
    scaleDownBelowCPUUtilization: z.number().int().min(0).max(100).default(30).describe('Scale down only while CPU utilisation is below this percentage.'),
    scaleUpCooldownSeconds: z.number().int().min(0).max(3600).default(300).describe('Stabilisation window before scaling up, in seconds.'),
    scaleDownCooldownSeconds: z.number().int().min(0).max(3600).default(600).describe('Stabilisation window before scaling down, in seconds.'),
  })
  .meta(cel({ rule: 'self.scaleDownBelowCPUUtilization < self.targetCPUUtilization', message: 'autoscaling.scaleDownBelowCPUUtilization must be below autoscaling.targetCPUUtilization' }))
  .prefault({})
  .describe('Horizontal autoscaling on CPU.');

export const HealthCheckSchema = z
  .object({
    periodSeconds: z.number().int().min(1).max(3600).default(30).describe('How often Kubernetes probes each pod.'),
    timeoutSeconds: z.number().int().min(1).max(600).default(5).describe('How long a probe may take.'),
    failureThreshold: z.number().int().min(1).max(100).default(3).describe('Consecutive failures before a pod is restarted (liveness) or taken out of the Service (readiness).'),
  })
  .prefault({})
  .describe('Readiness and liveness probes of the scanner pods.');
