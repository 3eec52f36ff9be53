// spec.observability: logs, metrics and traces.
import { z } from 'zod';

export const ObservabilitySchema = z
  .object({
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('Log level of the scanner pods.'),
  })
  .prefault({})
  .describe('Logs, metrics and traces.');
