// Cacheable detection: every detector whose findings depend only on the normalised text, run on
// one text, their findings merged across views into main-view coordinates (what the caches hold).
// InlineDetection runs them on the calling thread; DetectionThreads (detection-threads.ts) runs an
// InlineDetection in each of its worker threads.
import type { Category } from '../../crds/schema.js';
import type { Detection } from '../cache/types.js';
import type { Detector, Finding, ScanContext, Span, TimedSpan, ViewFinding } from '../detectors/types.js';
import type { Normalised } from '../normalise/normalise.js';
import type { StatSource } from '../observability/sources.js';
import { activeSpanRecording, recordTimed, withSpan } from '../observability/tracing.js';
import type { DetectorError } from '../policy/decide.js';
import { CharBudget } from './budget.js';

/** What /v1/info says about a detector. */
export interface DetectorInfo {
  name: string;
  categories: readonly Category[];
  version: string | null;
}

/** Runs the cacheable detectors on one text, here or elsewhere. */
export interface DetectionEngine {
  /** The detectors, in order. */
  readonly detectors: readonly DetectorInfo[];
  /** Versions of the detectors (the model's hash among them): part of the cache key. */
  readonly version: string;
  /** `text` is the original text and `input` its normalised form (engines elsewhere normalise
   *  `text` again themselves). Detectors not done within `timeoutMs` are reported as timed out. */
  detect(text: string, input: Normalised, ctx: ScanContext, timeoutMs: number): Promise<Detection>;
  /** Counters the detectors keep (the model's batches), for /metrics and the dashboard. */
  statSources(): StatSource[];
  close(): Promise<void>;
}

export const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as Promise<T>)?.then === 'function';

/** A detection that did not run: no findings, one error (the policy's fail mode decides it). */
export const failedDetection = (detector: string, code: DetectorError['code'], message: string): Detection => ({ findings: [], errors: [{ detector, code, message }] });

export const infoOf = (d: Detector): DetectorInfo => ({ name: d.name, categories: d.categories, version: d.version ?? null });

export const versionOf = (detectors: readonly DetectorInfo[]) => detectors.map((d) => `${d.name}@${d.version ?? '1'}`).join(',');

/** Characters the detectors of one thread work on at once (budget.ts): the longest text a scan
 *  accepts by default (policy.limits.maxInputChars). One scan of a 150 KB text raises the heap in
 *  use by ~15–20 MB (the model's windows, the rules' word keys); a pod's heap is 96 MiB. */
export const DETECTION_CHAR_BUDGET = 200_000;

export class InlineDetection implements DetectionEngine {
  readonly detectors: readonly DetectorInfo[];
  readonly version: string;
  private readonly budget = new CharBudget(DETECTION_CHAR_BUDGET);
  /** Trace span names, one per detector, built once rather than per scan. */
  private readonly spanNames: string[];

  constructor(private readonly list: readonly Detector[]) {
    this.detectors = list.map(infoOf);
    this.version = versionOf(this.detectors);
    this.spanNames = list.map((d) => `detector.${d.name}`);
  }

  detect(text: string, input: Normalised, ctx: ScanContext, timeoutMs: number): Promise<Detection> {
    return this.run(text.length, () => input, ctx, timeoutMs);
  }

  /**
   * Runs every detector on a text of `chars` characters once it fits the character budget;
   * `input` is called only then (a detection thread normalises the text once admitted). With
   * `timings`, each detector's start and end (and the spans it timed itself) are appended there —
   * what a detection thread sends back to be traced; otherwise each detector runs inside a trace
   * span of its own (a no-op while tracing is off). The budget is held until every detector has
   * finished, also when the answer went out earlier on the timeout: the model keeps scoring the
   * windows it was given.
   */
  async run(chars: number, input: () => Normalised, ctx: ScanContext, timeoutMs: number, timings?: TimedSpan[]): Promise<Detection> {
    const started = performance.now();
    const admitted = timeoutMs > 0 && this.budget.acquire(chars, timeoutMs);
    if (admitted !== true && !(await admitted))
      return failedDetection('detection', 'detector_timeout', `no room within ${Math.max(0, Math.round(timeoutMs))} ms while other long texts were scanned`);
    let finished: Promise<unknown> | undefined;
    try {
      return await this.runAdmitted(input(), ctx, Math.max(1, timeoutMs - (performance.now() - started)), timings, (all) => (finished = all));
    } finally {
      if (finished) void finished.then(() => this.budget.release(chars));
      else this.budget.release(chars);
    }
  }

  private async runAdmitted(input: Normalised, ctx: ScanContext, timeoutMs: number, timings: TimedSpan[] | undefined, onPending: (all: Promise<unknown>) => void): Promise<Detection> {
    const merged = new Map<string, Finding>();
    const errors: DetectorError[] = [];
    const pending: Array<{ detector: Detector; result: Promise<ViewFinding[]> }> = [];
    const traced = timings === undefined && activeSpanRecording();
    this.list.forEach((d, i) => {
      try {
        const r = timings ? timed(this.spanNames[i], timings, (c) => d.detect(input, c), ctx) : withSpan(this.spanNames[i], (span) => (traced ? withChildSpans(span, (c) => d.detect(input, c), ctx) : d.detect(input, ctx)));
        if (isPromise(r)) pending.push({ detector: d, result: r });
        else mergeFindings(merged, r, input);
      } catch (err) {
        errors.push(detectorError(d.name, err));
      }
    });
    if (pending.length) {
      const all = Promise.allSettled(pending.map((p) => p.result));
      onPending(all);
      const settled = await withTimeout(all, timeoutMs);
      if (!settled) {
        for (const p of pending) errors.push({ detector: p.detector.name, code: 'detector_timeout', message: `no answer within ${timeoutMs} ms` });
      } else {
        settled.forEach((s, i) => {
          if (s.status === 'fulfilled') mergeFindings(merged, s.value, input);
          else errors.push(detectorError(pending[i].detector.name, s.reason));
        });
      }
    }
    const detection: Detection = { findings: [...merged.values()] };
    if (errors.length) detection.errors = errors;
    return detection;
  }

  statSources(): StatSource[] {
    return this.list.flatMap((d) => d.statSource?.() ?? []);
  }

  async close(): Promise<void> {
    await Promise.all(this.list.map((d) => d.close?.()));
  }
}

type Run = (ctx: ScanContext) => ViewFinding[] | Promise<ViewFinding[]>;

const now = () => performance.timeOrigin + performance.now();

/** Runs a detector with a span collector and appends its timing (and what it timed) to `timings`. */
function timed(name: string, timings: TimedSpan[], run: Run, ctx: ScanContext): ViewFinding[] | Promise<ViewFinding[]> {
  const span: TimedSpan = { name, start: now(), end: 0, children: [] };
  const done = () => {
    span.end = now();
    timings.push(span);
  };
  const r = run({ ...ctx, spans: span.children });
  if (!isPromise(r)) {
    done();
    return r;
  }
  return r.finally(done);
}

/** Runs a detector that may time work itself (ctx.spans) and records that work under `span`. */
function withChildSpans(span: Parameters<typeof recordTimed>[1], run: Run, ctx: ScanContext): ViewFinding[] | Promise<ViewFinding[]> {
  const spans: TimedSpan[] = [];
  const r = run({ ...ctx, spans });
  if (!isPromise(r)) return r;
  return r.finally(() => recordTimed(spans, span));
}

/** Folds the same rule found in several views into one finding with the best score. */
function mergeFindings(into: Map<string, Finding>, found: readonly ViewFinding[], input: Normalised): void {
  for (const vf of found) {
    const view = input.views[vf.view];
    const spans = view ? vf.spans.map((s) => view.toMain(s.start, s.end)) : vf.spans;
    const id = `${vf.detector}\0${vf.category}\0${vf.rule ?? ''}`;
    const existing = into.get(id);
    if (!existing) {
      const { view: _view, ...finding } = vf;
      into.set(id, { ...finding, spans: dedupeSpans(spans) });
      continue;
    }
    if (vf.score > existing.score) {
      existing.score = vf.score;
      existing.message = vf.message;
    }
    existing.spans = dedupeSpans([...existing.spans, ...spans]);
  }
}

function dedupeSpans(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  const seen = new Set<string>();
  return spans.filter((s) => {
    const k = `${s.start}:${s.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function detectorError(detector: string, err: unknown): DetectorError {
  return { detector, code: 'detector_error', message: err instanceof Error ? err.message : String(err) };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
