// The PromptFirewall API, defined once. Everything else is a view of this file:
//  - TypeScript types (z.infer / z.input),
//  - runtime validation in the scanner and the operator (parse),
//  - the CRD's openAPIV3Schema (crds/generate.ts via z.toJSONSchema).
// Every field has a description and a default, so `spec: {}` is a valid resource.
// Cross-field rules are written twice on purpose, in the one place where both languages meet:
// as CEL (`x-kubernetes-validations`, enforced by the API server at `kubectl apply`) and as a
// zod refinement (enforced by the scanner when it loads a file). test/unit/crds.test.ts checks
// that both reject the same examples.
import { z } from 'zod';

export const API_GROUP = 'promptfirewall.io';
export const API_VERSION = 'v1alpha1';
export const KIND = 'PromptFirewall';
export const PLURAL = 'promptfirewalls';
export const SINGULAR = 'promptfirewall';
export const SHORT_NAMES = ['pfw'];

/** A CEL rule attached to an object schema; the API server evaluates it at admission. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}
export const cel = (...rules: CelRule[]) => ({ 'x-kubernetes-validations': rules });

export const CATEGORIES = ['prompt_injection', 'jailbreak', 'pii', 'secret', 'invisible_text'] as const;
export type Category = (typeof CATEGORIES)[number];
export const ACTIONS = ['allow', 'flag', 'redact', 'block'] as const;
export type Action = (typeof ACTIONS)[number];

const categoryPolicy = (threshold: number, action: Action, what: string) =>
  z
    .object({
      threshold: z
        .number()
        .min(0)
        .max(1)
        .default(threshold)
        .describe(`Score in [0,1] at or above which the action applies to ${what}.`),
      action: z
        .enum(ACTIONS)
        .default(action)
        .describe(`What happens when ${what} reaches the threshold: allow, flag (pass and log), redact (replace the matched text), or block.`),
    })
    .prefault({})
    .describe(`Threshold and action for ${what}.`);

export const CategoriesSchema = z
  .object({
    prompt_injection: categoryPolicy(0.5, 'block', 'prompt injection (instructions that try to override the application)'),
    jailbreak: categoryPolicy(0.5, 'block', 'jailbreaks (persona and refusal-suppression attacks)'),
    secret: categoryPolicy(0.9, 'block', 'secrets (API keys, tokens, private keys, passwords)'),
    pii: categoryPolicy(0.8, 'redact', 'personal data (e-mail, phone, SSN, payment card, IBAN, IP address)'),
    invisible_text: categoryPolicy(0.5, 'flag', 'invisible text (zero-width, bidi-control and Unicode tag characters)'),
  })
  .prefault({})
  .describe('Per-category threshold and action. Categories left out keep their defaults.');

export const LimitsSchema = z
  .object({
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('Largest accepted request body in bytes; larger bodies get 413.'),
    maxInputChars: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(200_000)
      .describe('Longest text (in UTF-16 code units) scanned per input or message; longer ones are refused with 400.'),
    maxBatchItems: z.number().int().min(1).max(1000).default(64).describe('Most items accepted by POST /v1/scan/batch.'),
    maxMessages: z.number().int().min(1).max(10_000).default(256).describe('Most chat messages accepted in one scan.'),
  })
  .prefault({})
  .describe('Input limits enforced before any scanning.');

export const PolicySchema = z
  .object({
    mode: z
      .enum(['enforce', 'monitor'])
      .default('enforce')
      .describe('enforce applies the actions; monitor never blocks or redacts, it flags and logs what it would have done.'),
    failMode: z
      .enum(['open', 'closed'])
      .default('closed')
      .describe('What happens when a detector fails or times out: closed blocks the request, open allows it (and flags the error).'),
    detectorTimeoutMs: z
      .number()
      .int()
      .min(1)
      .max(60_000)
      .default(250)
      .describe('Time budget for the asynchronous detectors (the model) of one scan, in milliseconds.'),
    categories: CategoriesSchema,
    limits: LimitsSchema,
  })
  .prefault({})
  .describe('How scores become verdicts. Hot-reloaded by the scanner when it changes; cached verdicts of an older policy are never served.');

export const L1CacheSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Keep recent verdicts in process memory.'),
    maxEntries: z.number().int().min(1).max(10_000_000).default(1000).describe('Most verdicts held in memory per pod.'),
    ttlSeconds: z.number().int().min(1).max(86_400).default(60).describe('How long a verdict stays in memory.'),
  })
  .prefault({})
  .describe('In-process LRU verdict cache (L1).');

export const CacheSchema = z
  .object({
    l1: L1CacheSchema,
  })
  .prefault({})
  .describe('Verdict caches. Caches hold detection results keyed by a hash of the normalised text, policy version and model version; never raw text.');

/** What the scanner reads from its configuration file: the part of the spec that shapes a scan. */
export const ScannerConfigSchema = z
  .object({
    policy: PolicySchema,
    cache: CacheSchema,
  })
  .describe('Scanner configuration rendered by the operator into a ConfigMap.');

export const PromptFirewallSpecSchema = ScannerConfigSchema.describe(
  'Desired state of a Prompt Firewall: the scanner fleet, its policy and the shared state it uses. Every field has a default, so `spec: {}` is valid.',
);

export type Policy = z.output<typeof PolicySchema>;
export type Limits = z.output<typeof LimitsSchema>;
export type CategoryPolicy = Policy['categories'][Category];
export type ScannerConfig = z.output<typeof ScannerConfigSchema>;
export type ScannerConfigInput = z.input<typeof ScannerConfigSchema>;
export type PromptFirewallSpec = z.output<typeof PromptFirewallSpecSchema>;
