// The PromptFirewall API, defined once. Everything else is a view of it:
//  - TypeScript types (z.output / z.input),
//  - runtime validation in the scanner and the operator (parse),
//  - the CRD's openAPIV3Schema (crds/generate.ts via z.toJSONSchema).
// Every field has a description and a default, so `spec: {}` is a valid resource. Each part of
// the spec lives in its own file under crds/spec/; this file assembles them.
import { z } from 'zod';
import { AuthSchema, IpAccessSchema, RateLimitSchema } from './spec/access.js';
import { AuditSchema } from './spec/audit.js';
import { CacheSchema } from './spec/cache.js';
import { AutoscalingSchema, HealthCheckSchema, ReplicasSchema } from './spec/fleet.js';
import { ModelSchema } from './spec/model.js';
import { ObservabilitySchema } from './spec/observability.js';
import { PolicySchema } from './spec/policy.js';
import { ProxySchema } from './spec/proxy.js';

export * from './common.js';
export * from './spec/access.js';
export * from './spec/audit.js';
export * from './spec/cache.js';
export * from './spec/fleet.js';
export * from './spec/model.js';
export * from './spec/observability.js';
export * from './spec/policy.js';
export * from './spec/proxy.js';

/** What a scanner pod reads from its configuration file (the operator renders it into a ConfigMap;
 *  Secret references become environment variables or mounted files). */
export const ScannerConfigSchema = z
  .object({
    policy: PolicySchema,
    model: ModelSchema,
    cache: CacheSchema,
    audit: AuditSchema,
    auth: AuthSchema,
    rateLimit: RateLimitSchema,
    ipAccess: IpAccessSchema,
    proxy: ProxySchema,
    observability: ObservabilitySchema,
  })
  .describe('Scanner configuration.');

export const PromptFirewallSpecSchema = ScannerConfigSchema.extend({
  replicas: ReplicasSchema,
  autoscaling: AutoscalingSchema,
  healthCheck: HealthCheckSchema,
}).describe('Desired state of a Prompt Firewall: the scanner fleet, its policy and the shared state it uses. Every field has a default, so `spec: {}` is valid.');

export type ScannerConfig = z.output<typeof ScannerConfigSchema>;
export type ScannerConfigInput = z.input<typeof ScannerConfigSchema>;
export type PromptFirewallSpec = z.output<typeof PromptFirewallSpecSchema>;
