// Worker threads whose code is a module of this project: compiled next to its caller in dist/, or
// TypeScript under tsx (tests, `npm run train`), where the thread must register the loader first.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** URL of the module `name` (no extension) next to the module at `base` (its import.meta.url). */
export function siblingModule(base: string, name: string): URL {
  return new URL(`${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

/** Starts a worker thread running `module` (from siblingModule). */
export function startWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, options);
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/**
 * Messages to a thread (or from one) sent as one array per event-loop turn: under load many scans
 * start or finish in the same turn, and with one postMessage per scan it took ~6% of the event
 * loop's CPU (cpu profile of a loaded scanner).
 */
export class Outbox<M> {
  private queue: M[] = [];
  private scheduled = false;

  constructor(private readonly post: (batch: M[]) => void) {}

  push(message: M): void {
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = () => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length) this.post(batch);
  };
}
