// spec.policy: how scores become verdicts. Read by the scanner, hot-reloaded.
import { z } from 'zod';
import { ACTIONS, CATEGORIES, type Action, type Category } from '../common.js';

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

/** What each category means, for the descriptions of both category tables. */
const CATEGORY_TEXT: Record<Category, string> = {
  prompt_injection: 'prompt injection (instructions that try to override the application)',
  jailbreak: 'jailbreaks (persona and refusal-suppression attacks)',
  secret: 'secrets (API keys, tokens, private keys, passwords)',
  pii: 'personal data (e-mail, phone, SSN, payment card, IBAN, IP address)',
  invisible_text: 'invisible text (zero-width, bidi-control and Unicode tag characters)',
  canary: 'canary tokens (markers planted in a system prompt; seen in a response, the prompt leaked)',
  system_prompt_leak: 'the request\'s system prompt echoed back in a response',
};

const categoriesSchema = (defaults: Record<Category, [number, Action]>, description: string) =>
  z
    .object(
      Object.fromEntries(CATEGORIES.map((c) => [c, categoryPolicy(defaults[c][0], defaults[c][1], CATEGORY_TEXT[c])])) as Record<
        Category,
        ReturnType<typeof categoryPolicy>
      >,
    )
    .prefault({})
    .describe(description);

export const CategoriesSchema = categoriesSchema(
  {
    prompt_injection: [0.5, 'block'],
    jailbreak: [0.5, 'block'],
    secret: [0.9, 'block'],
    pii: [0.8, 'redact'],
    invisible_text: [0.5, 'flag'],
    canary: [0.9, 'flag'],
    system_prompt_leak: [0.5, 'flag'],
  },
  'Per-category threshold and action for prompts (direction prompt). Categories left out keep their defaults.',
);

/** Model output is judged by its own table: an injection phrase in an answer matters less than in a
 *  prompt, while a canary or an echoed system prompt in an answer is a leak. */
export const ResponsePolicySchema = z
  .object({
    categories: categoriesSchema(
      {
        prompt_injection: [0.5, 'flag'],
        jailbreak: [0.5, 'flag'],
        secret: [0.9, 'block'],
        pii: [0.8, 'redact'],
        invisible_text: [0.5, 'flag'],
        canary: [0.9, 'block'],
        system_prompt_leak: [0.5, 'block'],
      },
      'Per-category threshold and action for model responses (direction response, and the proxy\'s response scanning). Categories left out keep their defaults.',
    ),
  })
  .prefault({})
  .describe('How scores of model output become verdicts; mode and failMode are shared with prompts.');

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
    response: ResponsePolicySchema,
    limits: LimitsSchema,
  })
  .prefault({})
  .describe('How scores become verdicts. Hot-reloaded by the scanner when it changes; cached verdicts of an older policy are never served.');

export type Policy = z.output<typeof PolicySchema>;
export type Limits = z.output<typeof LimitsSchema>;
export type CategoryPolicy = Policy['categories'][keyof Policy['categories']];
