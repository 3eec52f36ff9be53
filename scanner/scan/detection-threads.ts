// Detection threads: the cacheable detectors run in worker threads, so that a pod with more than
// one CPU uses them — the event loop keeps HTTP, normalisation, the caches and the policy.
//
//   event loop ── [{id, text, direction, deadline, trace}] (one message per turn) ──► the thread
//                 with the fewest scans in flight: normalise again, run every cacheable detector
//              ◄── [{id, detection | error, timings}] + the thread's counters (one message per turn) ──
//
// Each thread loads its own detectors (rule packs, model session): memory grows by one set per
// thread. A thread admits texts within its character budget (budget.ts) and does not start a scan
// whose deadline has passed, so an overloaded thread drains its queue instead of growing it. A scan the threads do not answer within the detector time budget gets a detector_timeout
// error (the policy's fail mode decides it), as does every scan a dying thread held. A thread that
// dies while serving is logged and replaced; one that cannot load its detectors is not retried, and
// its error is what later scans get when no thread is left.
import type { Worker } from 'node:worker_threads';
import type { ModelSpec } from '../../crds/schema.js';
import type { Detection } from '../cache/types.js';
import type { Direction, ScanContext, TimedSpan } from '../detectors/types.js';
import type { Logger } from '../log.js';
import type { DetectorError } from '../policy/decide.js';
import type { Normalised } from '../normalise/normalise.js';
import { summedSource, type SourceSnapshot, type StatSource } from '../observability/sources.js';
import { activeSpan, activeSpanRecording, recordTimed, type Span } from '../observability/tracing.js';
import { Outbox, siblingModule, startWorker } from '../threads.js';
import { failedDetection, versionOf, type DetectionEngine, type DetectorInfo } from './detection.js';

/** workerData of a detection thread. */
export interface ThreadData {
  model: ModelSpec;
  /** The canary key (the canary detector is cacheable). */
  canaryKey: Uint8Array;
}

export interface ToThread {
  id: number;
  text: string;
  direction: Direction;
  /** When the event loop stops waiting for the answer (ms since the epoch). */
  deadline: number;
  /** Send back each detector's timing, to be traced. */
  trace: boolean;
}

export type FromThread = { id: number; detection: Detection; timings?: TimedSpan[] } | { id: number; error: string };

type ThreadMessage =
  | { type: 'batch'; messages: FromThread[]; stats: SourceSnapshot[] }
  | { type: 'ready'; detectors: DetectorInfo[]; stats: SourceSnapshot[] }
  | { type: 'failed'; message: string };

interface Waiting {
  resolve: (d: Detection) => void;
  timer: NodeJS.Timeout;
  /** The span to put the thread's timings under, when traced. */
  span?: Span;
}

interface Thread {
  worker: Worker;
  outbox: Outbox<ToThread>;
  /** True once its detectors are loaded (only then is it given scans). */
  up: boolean;
  pending: Map<number, Waiting>;
  /** Counters of its detectors as of its last message. */
  stats: SourceSnapshot[];
}

const THREAD = siblingModule(import.meta.url, './detection-thread');

/** Name of the "detector" in errors about the threads themselves. */
const THREADS = 'detection_thread';

const failed = (code: DetectorError['code'], message: string) => failedDetection(THREADS, code, message);

export interface DetectionThreadsOptions extends ThreadData {
  threads: number;
  /** Where a thread's death and replacement are reported. */
  log?: Logger;
}

export class DetectionThreads implements DetectionEngine {
  private threads: Thread[] = [];
  private closed = false;
  private nextId = 1;
  /** Why the last thread that failed did so. */
  private failure = '';
  /** Last counters of threads that are gone (gauges zeroed), so totals never go backwards. */
  private retired: SourceSnapshot[] = [];
  private first: SourceSnapshot[] = [];

  private constructor(
    private readonly data: ThreadData,
    readonly detectors: readonly DetectorInfo[],
    readonly version: string,
    private readonly log: Logger | undefined,
  ) {}

  /** Starts the threads and resolves once every one has loaded its detectors. */
  static async start(opts: DetectionThreadsOptions): Promise<DetectionThreads> {
    const data: ThreadData = { model: opts.model, canaryKey: opts.canaryKey };
    const booting: Array<Promise<{ thread: Thread; detectors: DetectorInfo[]; stats: SourceSnapshot[] }>> = [];
    let engine: DetectionThreads | undefined;
    for (let i = 0; i < opts.threads; i++) booting.push(boot(data, (t, m) => engine?.onMessage(t, m), (t, code, error) => engine?.onExit(t, code, error)));
    const started = await Promise.allSettled(booting);
    const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const bad = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (bad) {
      await Promise.all(ok.map((s) => s.thread.worker.terminate()));
      throw bad.reason;
    }
    const detectors = ok[0].detectors;
    engine = new DetectionThreads(data, detectors, versionOf(detectors), opts.log);
    engine.threads = ok.map((s) => s.thread);
    engine.first = ok[0].stats;
    return engine;
  }

  private onMessage(t: Thread, m: ThreadMessage): void {
    if (m.type !== 'batch') return;
    t.stats = m.stats;
    for (const r of m.messages) {
      const w = t.pending.get(r.id);
      if (!w) continue; // answered late: the scan already timed out
      t.pending.delete(r.id);
      clearTimeout(w.timer);
      if ('error' in r) w.resolve(failed('detector_error', r.error));
      else {
        if (w.span && r.timings) recordTimed(r.timings, w.span);
        w.resolve(r.detection);
      }
    }
  }

  private onExit(t: Thread, code: number, error: string): void {
    this.threads = this.threads.filter((x) => x !== t);
    this.retired.push(...t.stats.map((s) => ({ ...s, stats: Object.fromEntries(Object.entries(s.stats).map(([k, v]) => [k, k.endsWith('_total') ? v : 0])) })));
    const message = this.closed ? 'detection threads are closed' : `detection thread exited (code ${code})${error ? `: ${error}` : ''}`;
    if (!this.closed) this.log?.error({ code, error, scans: t.pending.size }, 'detection thread exited; its scans get detector_error; starting a replacement');
    for (const w of t.pending.values()) {
      clearTimeout(w.timer);
      w.resolve(failed('detector_error', message));
    }
    t.pending.clear();
    if (this.closed) return;
    // Replace it; meanwhile scans go to the other threads (with none left they fail at once).
    const replacement = boot(
      this.data,
      (x, m) => this.onMessage(x, m),
      (x, c, e) => this.onExit(x, c, e),
      (x) => this.threads.push(x),
    );
    replacement.then(
      () => this.log?.info('replacement detection thread ready'),
      (err: Error) => {
        this.failure = err.message;
        this.log?.error({ err: err.message }, 'replacement detection thread could not start');
      },
    );
  }

  detect(text: string, _input: Normalised, ctx: ScanContext, timeoutMs: number): Promise<Detection> {
    if (this.closed) return Promise.resolve(failed('detector_error', 'detection threads are closed'));
    let t: Thread | undefined;
    for (const x of this.threads) if (!t || x.pending.size < t.pending.size) t = x;
    if (!t) return Promise.resolve(failed('detector_error', `no detection thread is running${this.failure ? `: ${this.failure}` : ''}`));
    const thread = t;
    const id = this.nextId++;
    const trace = activeSpanRecording();
    return new Promise<Detection>((resolve) => {
      const timer = setTimeout(() => {
        thread.pending.delete(id);
        resolve(failed('detector_timeout', `the detection thread did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      thread.pending.set(id, { resolve, timer, span: trace ? activeSpan() : undefined });
      thread.outbox.push({ id, text, direction: ctx.direction, deadline: performance.timeOrigin + performance.now() + timeoutMs, trace });
    });
  }

  statSources(): StatSource[] {
    return this.first.map((f) =>
      summedSource(f, () => [...this.retired, ...this.threads.flatMap((t) => t.stats)].filter((s) => s.name === f.name)),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}

/** Starts one thread; resolves once it has loaded its detectors, rejects if it cannot. */
function boot(
  data: ThreadData,
  onMessage: (t: Thread, m: ThreadMessage) => void,
  onExit: (t: Thread, code: number, error: string) => void,
  onUp?: (t: Thread) => void,
): Promise<{ thread: Thread; detectors: DetectorInfo[]; stats: SourceSnapshot[] }> {
  const worker = startWorker(THREAD, { workerData: data });
  const t: Thread = { worker, outbox: new Outbox((batch) => worker.postMessage(batch)), up: false, pending: new Map(), stats: [] };
  return new Promise((resolve, reject) => {
    let error = '';
    worker.on('error', (err) => {
      error = err.message;
    });
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'ready') {
        t.up = true;
        t.stats = m.stats;
        onUp?.(t);
        resolve({ thread: t, detectors: m.detectors, stats: m.stats });
      } else if (m.type === 'failed') {
        error = m.message;
        void worker.terminate();
      } else onMessage(t, m);
    });
    worker.on('exit', (code) => {
      if (!t.up) reject(new Error(`a detection thread could not start: ${error || `exit code ${code}`}`));
      else onExit(t, code, error);
    });
  });
}
