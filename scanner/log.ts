// Structured JSON logs. Level from LOG_LEVEL (default info). Never log prompt text.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({ name, level: env.LOG_LEVEL ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
