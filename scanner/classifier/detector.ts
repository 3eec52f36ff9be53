// The built-in prompt-injection classifier as a Detector.
//
//   Normalised ──► every language-bearing view ──► windows (features.ts) ──► micro-batcher
//             ──► one onnxruntime run per batch (shared session; scorer.ts) ──► max over windows and views
//             ──► ViewFinding { category: prompt_injection, score, spans: the windows that fired }
//
// Scores are calibrated in the graph: 0.5 is the operating point chosen in cross-validation
// (≤ 1% false positives on benign sources the model had not seen), so the policy's default
// threshold of 0.5 means that operating point.
import type { Detector, ScanContext, ViewFinding } from '../detectors/types.js';
import { LANGUAGE_VIEWS, type Normalised, type ViewKind } from '../normalise/normalise.js';
import { maskMentions } from '../detectors/mention.js';
import type { StatSource } from '../observability/sources.js';
import { builtinModelDir, loadArtefact, type Manifest } from './artefact.js';
import { modelThreads } from './cpu.js';
import { LocalScorer, type WindowScore } from './scorer.js';

export type { WindowScore };


export interface ClassifierOptions {
  /** Directory with prompt-injection.onnx and prompt-injection.json; default: the built-in model. */
  dir?: string;
  /** Intra-op threads of the session; default: PF_MODEL_THREADS, else the pod's CPUs less one (≥ 1). */
  threads?: number;
  /** Most windows per onnxruntime run. */
  maxBatch?: number;
  /** Extra wait for a batch to fill, in ms; 0 runs what arrived by the end of the event-loop turn. */
  maxWaitMs?: number;
  /** Findings below this score are not reported (0 reports every scan's best window). */
  minScore?: number;
  /** Views to score; default LANGUAGE_VIEWS. */
  views?: readonly ViewKind[];
}

export class ClassifierDetector implements Detector {
  readonly name = 'classifier';
  readonly categories = ['prompt_injection'] as const;
  readonly views: readonly ViewKind[];
  readonly version: string;
  readonly manifest: Manifest;
  private readonly minScore: number;
  private readonly scorer: LocalScorer;

  constructor(opts: ClassifierOptions = {}) {
    const { bytes, manifest } = loadArtefact(opts.dir ?? builtinModelDir());
    this.manifest = manifest;
    this.version = manifest.version;
    this.views = opts.views ?? LANGUAGE_VIEWS;
    this.minScore = opts.minScore ?? 0.1;
    this.scorer = new LocalScorer(bytes, manifest, { maxBatch: opts.maxBatch ?? 64, maxWaitMs: opts.maxWaitMs ?? 0, threads: opts.threads ?? modelThreads() });
  }

  /** promptfirewall_model_*: onnxruntime runs, windows, batch sizes, inference time, queue depth. */
  statSource(): StatSource {
    return this.scorer.statSource();
  }

  /** onnxruntime runs and windows scored so far. */
  get stats(): { batches: number; windows: number } {
    const { count, sum } = this.scorer.counters.batchSize;
    return { batches: count, windows: sum };
  }

  ready(): Promise<void> {
    return this.scorer.ready();
  }

  /** Calibrated score of every window of one text (as the trainer windows it). */
  async scoreWindows(text: string): Promise<WindowScore[]> {
    return (await this.scorer.score([text])).windows[0];
  }

  /** The text's score: max over its windows. */
  async score(text: string): Promise<number> {
    return Math.max(...(await this.scoreWindows(text)).map((w) => w.score));
  }

  async detect(input: Normalised, ctx?: ScanContext): Promise<ViewFinding[]> {
    const picked = input.views.map((v, i) => ({ v, i })).filter(({ v }) => this.views.includes(v.kind));
    // Quoted attack phrases that the text only talks about ("the phrase 'ignore previous
    // instructions'") are blanked: words alone cannot tell mention from use.
    const { windows: perView, runs } = await this.scorer.score(
      picked.map(({ v }) => maskMentions(v.text)),
      ctx?.spans !== undefined,
    );
    for (const r of runs) ctx?.spans?.push({ name: 'model.batch', start: r.start, end: r.end, attributes: { 'promptfirewall.model.batch_size': r.size } });
    let best = -1;
    let bestScore = -1;
    perView.forEach((ws, k) => {
      const m = Math.max(...ws.map((w) => w.score));
      if (m > bestScore) {
        bestScore = m;
        best = k;
      }
    });
    if (best < 0 || bestScore < this.minScore) return [];
    const windows = perView[best];
    const fired = windows.filter((w) => w.score >= 0.5);
    const spans = (fired.length > 0 ? fired : windows.filter((w) => w.score === bestScore)).map((w) => ({ start: w.start, end: w.end }));
    return [
      {
        detector: this.name,
        category: 'prompt_injection',
        score: bestScore,
        spans: mergeSpans(spans),
        message: `classifier score ${bestScore.toFixed(2)}`,
        view: picked[best].i,
      },
    ];
  }

  close(): Promise<void> {
    return this.scorer.close();
  }
}

/** Overlapping windows that fired become one span. */
function mergeSpans(spans: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}
