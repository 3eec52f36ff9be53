// spec.proxy: the OpenAI-compatible firewall mode in front of a model server.
import { z } from 'zod';
import { SecretKeyRefSchema } from '../common.js';

export const ProxySchema = z
  .object({
    upstream: z.string().optional().describe('Base URL of the OpenAI-compatible model server (for example http://vllm.llm-apps.svc:8000/v1). Without it the proxy routes are off.'),
    apiKeySecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the API key sent upstream; without it the caller\'s Authorization header is passed through.'),
    timeoutMs: z.number().int().min(100).max(600_000).default(60_000).describe('Longest wait for the upstream, in milliseconds; then 504.'),
  })
  .prefault({})
  .describe('OpenAI-compatible proxy mode.');
