// spec.policy: how scores become verdicts. Read by the scanner, hot-reloaded.
import { z } from 'zod';
import { ACTIONS, type Action } from '../common.js';

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

export type Policy = z.output<typeof PolicySchema>;
export type Limits = z.output<typeof LimitsSchema>;
export type CategoryPolicy = Policy['categories'][keyof Policy['categories']];
