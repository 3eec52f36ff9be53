// spec.observability: logs, metrics and traces.
import { z } from 'zod';

export const ObservabilitySchema = z
  .object({
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('Log level of the scanner pods.'),
    otlp: z
      .object({
        endpoint: z
          .string()
          .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
          .optional()
          .describe('OTLP collector URL (for example http://otel-collector.observability.svc:4318) that receives traces; the operator passes it to the pods as OTEL_EXPORTER_OTLP_ENDPOINT. Without it nothing is exported.'),
      })
      .prefault({})
      .describe('OpenTelemetry export.'),
    serviceMonitor: z
      .object({
        enabled: z.boolean().default(false).describe('Create a Prometheus Operator ServiceMonitor that scrapes /metrics of every scanner pod (only where the ServiceMonitor CRD is installed; otherwise status reports it).'),
        interval: z
          .string()
          .regex(/^[0-9]+(ms|s|m|h)$/, 'must be a duration such as 30s')
          .default('30s')
          .describe('Scrape interval.'),
        labels: z.record(z.string(), z.string()).default({}).describe('Extra labels on the ServiceMonitor, for a Prometheus whose serviceMonitorSelector needs them.'),
      })
      .prefault({})
      .describe('Prometheus scraping through the Prometheus Operator.'),
  })
  .prefault({})
  .describe('Logs, metrics and traces.');
