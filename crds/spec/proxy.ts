// spec.proxy: the OpenAI-compatible firewall mode in front of a model server. The scanner answers
// /v1/chat/completions, /v1/completions and /v1/models like an OpenAI server: it scans the request,
// forwards it to `upstream`, scans the answer (streamed or not) and passes it back.
import { z } from 'zod';
import { SecretKeyRefSchema } from '../common.js';

export const StreamScanSchema = z
  .object({
    mode: z
      .enum(['incremental', 'buffer'])
      .default('incremental')
      .describe('incremental passes chunks on as soon as they are scanned; buffer holds the whole stream, scans it once and then sends it (or an error): the safest, but the client sees nothing until the model has finished.'),
    scanIntervalChars: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(16)
      .describe('New characters of a streamed answer that trigger a rescan. Text is sent only once scanned, so this is also the most text a chunk waits for (plus holdBackChars).'),
    holdBackChars: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(0)
      .describe('Scanned characters kept back at the end of a streamed answer until more text (or its end) arrives, so that a secret or canary of up to this length that arrives over several chunks is cut before any part of it is sent. Adds this many characters of delay.'),
    overlapChars: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(256)
      .describe('Already scanned characters rescanned with the new text, so that something spanning chunk boundaries is seen whole. Each rescan costs O(overlapChars + scanIntervalChars), never the whole answer.'),
  })
  .prefault({})
  .describe('How streamed (SSE) answers are scanned.');

export const ResponseScanSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Scan model answers with policy.response (secrets and personal data leaking out, canary tokens, the system prompt echoed back).'),
    stream: StreamScanSchema,
  })
  .prefault({})
  .describe('Scanning of what the model answers.');

export const CanarySchema = z
  .object({
    key: z
      .string()
      .min(16)
      .optional()
      .describe('Key that signs and recognises canary tokens (at least 16 characters); every pod of a firewall needs the same one. Set from keySecretRef by the operator (env PF_PROXY_CANARY_KEY). Without it a local run generates one and keeps it in $XDG_STATE_HOME/prompt-firewall/canary.key.'),
    keySecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the canary key.'),
  })
  .prefault({})
  .describe('Canary tokens: markers to plant in a system prompt (POST /v1/canary); a response that contains one has leaked the prompt.');

export const ProxySchema = z
  .object({
    upstream: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .optional()
      .describe('Base URL of the OpenAI-compatible model server, as an OpenAI client\'s base URL (for example http://vllm.llm-apps.svc:8000/v1). Without it the proxy routes answer 404.'),
    apiKey: z
      .string()
      .optional()
      .describe('API key sent upstream as "Authorization: Bearer", replacing the caller\'s. Set from apiKeySecretRef by the operator (env PF_PROXY_API_KEY); for local runs set it directly.'),
    apiKeySecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the API key sent upstream; without apiKey or apiKeySecretRef the caller\'s Authorization header is passed through.'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(60_000)
      .describe('Longest wait for the upstream\'s whole answer (for a stream: its first byte), in milliseconds; then 504.'),
    streamIdleTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(60_000)
      .describe('Longest pause between two chunks of a streamed answer, in milliseconds; then the stream ends with an upstream_timeout error event.'),
    forwardHeaders: z
      .array(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name'))
      .default(['authorization', 'api-key', 'openai-organization', 'openai-project', 'openai-beta', 'user-agent'])
      .describe('Request headers passed on to the upstream (case-insensitive). Authorization is replaced when an upstream API key is configured.'),
    scanRoles: z
      .array(z.string().min(1))
      .default(['user', 'tool', 'function'])
      .describe('Roles of the chat messages scanned before forwarding: what users write and what tools return (the main path of indirect injection).'),
    scanSystemMessages: z.boolean().default(false).describe('Scan system and developer messages too (the application writes them, so they are trusted by default).'),
    response: ResponseScanSchema,
    canary: CanarySchema,
  })
  .prefault({})
  .describe('OpenAI-compatible proxy mode.');

export type ProxyConfig = z.output<typeof ProxySchema>;
