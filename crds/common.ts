// Names and building blocks shared by every part of the PromptFirewall API.
import { z } from 'zod';

export const API_GROUP = 'promptfirewall.io';
export const API_VERSION = 'v1alpha1';
export const KIND = 'PromptFirewall';
export const PLURAL = 'promptfirewalls';
export const SINGULAR = 'promptfirewall';
export const SHORT_NAMES = ['pfw'];

// canary and system_prompt_leak are output-side: they fire on model responses (direction response).
export const CATEGORIES = ['prompt_injection', 'jailbreak', 'pii', 'secret', 'invisible_text', 'canary', 'system_prompt_leak'] as const;
export type Category = (typeof CATEGORIES)[number];
export const ACTIONS = ['allow', 'flag', 'redact', 'block'] as const;
export type Action = (typeof ACTIONS)[number];

/** A CEL rule attached to an object schema; the API server evaluates it at admission. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}
/** Use as `.meta(cel({...}))`: the rule lands in the CRD as x-kubernetes-validations. */
export const cel = (...rules: CelRule[]) => ({ 'x-kubernetes-validations': rules });

/** A key of a Secret in the PromptFirewall's namespace. The operator passes its value to the
 *  scanner as an environment variable or a mounted file; the value never enters the ConfigMap. */
export const SecretKeyRefSchema = z
  .object({
    name: z.string().min(1).max(253).describe('Name of the Secret, in the same namespace as the PromptFirewall.'),
    key: z.string().min(1).max(253).describe('Key inside the Secret.'),
  })
  .describe('Reference to one key of a Secret.');

/** A whole Secret in the PromptFirewall's namespace (for example one API key per key). */
export const SecretRefSchema = z
  .object({ name: z.string().min(1).max(253).describe('Name of the Secret, in the same namespace as the PromptFirewall.') })
  .describe('Reference to a Secret.');

/** A Kubernetes resource quantity such as 500m, 1, 128Mi or 1Gi. */
export const QuantitySchema = z
  .string()
  .regex(/^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/, 'must be a Kubernetes quantity such as 500m, 128Mi or 1Gi');
