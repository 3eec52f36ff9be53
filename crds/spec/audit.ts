// spec.audit: the audit log of every scan, in Postgres (or an embedded store when none is set).
import { z } from 'zod';
import { SecretKeyRefSchema } from '../common.js';

export const AuditSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Record every scan in the audit log.'),
    postgres: z
      .object({
        url: z.string().optional().describe('Postgres connection URL for running the scanner outside Kubernetes. In a PromptFirewall use urlSecretRef instead.'),
        urlSecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the Postgres connection URL. Without url or urlSecretRef the audit log uses the embedded store.'),
      })
      .prefault({})
      .describe('Postgres that holds the firewall_logs table.'),
    retentionDays: z.number().int().min(1).max(3650).default(30).describe('Days of audit records kept; older daily partitions are dropped.'),
    storeText: z
      .enum(['none', 'redacted', 'raw'])
      .default('none')
      .describe('Whether the scanned text is stored: none (a keyed fingerprint and the length only), redacted (personal data and secrets replaced), or raw.'),
  })
  .prefault({})
  .describe('Audit log of scans.');
