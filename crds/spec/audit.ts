// spec.audit: the audit log of every scan, in Postgres (or an embedded store when none is set).
import { z } from 'zod';
import { QuantitySchema, SecretKeyRefSchema } from '../common.js';

export const AuditQueueSchema = z
  .object({
    size: z
      .number()
      .int()
      .min(10)
      .max(1_000_000)
      .default(10_000)
      .describe('Most audit records waiting in memory per pod. When it is full and the spool cannot take more, the policy failMode decides: closed refuses scans with 503, open drops records (counted and logged).'),
    batchSize: z.number().int().min(1).max(10_000).default(500).describe('Records written to Postgres in one statement.'),
    flushIntervalMs: z.number().int().min(10).max(60_000).default(200).describe('Longest time a record waits in memory before its batch is written (or spooled).'),
    shutdownTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(120_000)
      .default(5000)
      .describe('On SIGTERM, how long the pod tries to write what is queued to Postgres; the rest goes to the spool.'),
  })
  .prefault({})
  .describe('In-memory queue between the scans and Postgres.');

export const AuditSpoolSchema = z
  .object({
    path: z.string().optional().describe('Directory of the spool; by default spool/ in the scanner\'s data directory (PF_DATA_DIR).'),
    sizeLimit: QuantitySchema.default('256Mi').describe('Most disk space the spool may use.'),
  })
  .prefault({})
  .describe('On-disk spool that keeps audit records while Postgres is unreachable; replayed in order when it returns, and after a restart.');

export const AuditSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Record every scan in the audit log.'),
    postgres: z
      .object({
        url: z.string().optional().describe('Postgres connection URL for running the scanner outside Kubernetes. In a PromptFirewall use urlSecretRef instead.'),
        urlSecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the Postgres connection URL. Without url or urlSecretRef the audit log uses the embedded store.'),
        poolSize: z.number().int().min(1).max(100).default(4).describe('Connections per pod (the writer uses one; reads of /v1/events and /v1/stats the others).'),
        statementTimeoutMs: z.number().int().min(100).max(600_000).default(5000).describe('Longest a statement may run before it is cancelled and retried.'),
        connectTimeoutMs: z.number().int().min(100).max(60_000).default(2000).describe('Longest wait for a new connection.'),
      })
      .prefault({})
      .describe('Postgres that holds the firewall_logs table.'),
    embedded: z
      .object({
        enabled: z
          .boolean()
          .optional()
          .describe(
            'Use the embedded store when no Postgres is configured. Default: true for a scanner started by hand (npm start), false in a PromptFirewall: there each pod would keep its own store in an emptyDir, lost with the pod, and the embedded Postgres needs about 350 MB of memory per pod (800 MB on first start) — configure postgres instead. Set true only for a single-pod trial with memory to spare.',
          ),
        path: z.string().optional().describe('Directory of the embedded Postgres (PGlite); by default audit/ in the scanner\'s data directory (PF_DATA_DIR).'),
      })
      .prefault({})
      .describe('Embedded store used when no Postgres is configured: the same schema and queries in an in-process Postgres, for laptops and single pods.'),
    retentionDays: z.number().int().min(1).max(3650).default(30).describe('Days of audit records kept; older daily partitions are dropped.'),
    retentionCheckMinutes: z.number().int().min(1).max(1440).default(60).describe('How often old partitions are dropped and the coming days\' partitions created.'),
    partitionsAheadDays: z.number().int().min(1).max(90).default(3).describe('Daily partitions created ahead of time.'),
    storeText: z
      .enum(['none', 'redacted', 'raw'])
      .default('none')
      .describe('Whether the scanned text is stored: none (a keyed fingerprint and the length only), redacted (personal data and secrets replaced), or raw.'),
    fingerprintKey: z
      .string()
      .min(16)
      .optional()
      .describe('Secret key of the HMAC-SHA256 fingerprint of scanned text, for running outside Kubernetes; in a PromptFirewall use fingerprintKeySecretRef. Without either, each pod generates one in its data directory, and fingerprints differ between pods.'),
    fingerprintKeySecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the fingerprint key (at least 16 characters), the same for every pod of the installation.'),
    queue: AuditQueueSchema,
    spool: AuditSpoolSchema,
  })
  .prefault({})
  .describe('Audit log of scans.');

export type AuditConfig = z.output<typeof AuditSchema>;
