// Structured JSON logs. Level from LOG_LEVEL (default info). Never log prompt text.
//
// Lines go to stdout asynchronously (sonic-boom, sync: false): under load the lines written while
// one write is in flight leave in the next single write instead of one blocking write(2) per line
// on the event loop. pino flushes what is buffered when the process exits.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, env: NodeJS.ProcessEnv = process.env): Logger {
  return pino(
    { name, level: env.LOG_LEVEL ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: false }),
  );
}
