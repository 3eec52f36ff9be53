// The built-in prompt-injection classifier as a Detector.
//
//   Normalised ──► every language-bearing view ──► windows (features.ts) ──► micro-batcher
//             ──► one onnxruntime run per batch (shared session) ──► max over windows and views
//             ──► ViewFinding { category: prompt_injection, score, spans: the windows that fired }
//
// Scores are calibrated in the graph: 0.5 is the operating point chosen in cross-validation
// (≤ 1% false positives on benign sources the model had not seen), so the policy's default
// threshold of 0.5 means that operating point.
import { endianness } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Detector, ScanContext, ViewFinding } from '../detectors/types.js';
import type { Normalised, ViewKind } from '../normalise/normalise.js';
import { builtinModelDir, loadArtefact, type Manifest } from './artefact.js';
import { MicroBatcher } from './batcher.js';
import { modelThreads } from './cpu.js';
import { featurise, type WindowFeatures } from './features.js';
import { ONNX_INPUT_IDS, ONNX_INPUT_WEIGHTS, ONNX_OUTPUT_SCORE } from './onnx-graph.js';

/** Views that carry language: everything the normaliser produces. */
export const LANGUAGE_VIEWS: readonly ViewKind[] = ['text', 'leet', 'hidden', 'base64', 'hex', 'url', 'escape', 'rot13', 'reversed'];

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

/** Index of the low 32-bit half of an int64 in an Int32Array view of it. */
const LOW_WORD = endianness() === 'LE' ? 0 : 1;

/** One session per model file per process, shared by every detector that uses it. */
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(key: string, bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  let s = sessions.get(key);
  if (!s) {
    s = ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

export interface WindowScore {
  start: number;
  end: number;
  score: number;
}

export class ClassifierDetector implements Detector {
  readonly name = 'classifier';
  readonly categories = ['prompt_injection'] as const;
  readonly views: readonly ViewKind[];
  readonly version: string;
  readonly manifest: Manifest;
  private readonly bytes: Uint8Array;
  private readonly threads: number;
  private readonly minScore: number;
  private readonly batcher: MicroBatcher<WindowFeatures, number>;
  private sessionP?: Promise<ort.InferenceSession>;

  constructor(opts: ClassifierOptions = {}) {
    const { bytes, manifest } = loadArtefact(opts.dir ?? builtinModelDir());
    this.bytes = bytes;
    this.manifest = manifest;
    this.version = manifest.version;
    this.views = opts.views ?? LANGUAGE_VIEWS;
    this.threads = opts.threads ?? modelThreads();
    this.minScore = opts.minScore ?? 0.1;
    this.batcher = new MicroBatcher((items) => this.run(items), {
      maxItems: opts.maxBatch ?? 64,
      maxWaitMs: opts.maxWaitMs ?? 0,
      concurrency: 1,
    });
  }

  /** Batches run and windows scored so far. */
  get stats() {
    return { batches: this.batcher.batches, windows: this.batcher.items };
  }

  ready(): Promise<void> {
    return this.session().then(() => undefined);
  }

  private session(): Promise<ort.InferenceSession> {
    return (this.sessionP ??= session(`${this.version}/${this.threads}`, this.bytes, this.threads));
  }

  /** Scores a batch of windows in one run: ids and weights padded to the longest window. */
  private async run(items: WindowFeatures[]): Promise<number[]> {
    const s = await this.session();
    let width = 1;
    for (const w of items) width = Math.max(width, w.ids.length);
    const ids = new BigInt64Array(items.length * width);
    // Bucket ids are small non-negative integers: write each as the low 32-bit half of its int64
    // (the high half stays 0) instead of allocating a BigInt per id.
    const idWords = new Int32Array(ids.buffer);
    const weights = new Float32Array(items.length * width);
    items.forEach((w, b) => {
      const o = b * width;
      for (let i = 0; i < w.ids.length; i++) idWords[2 * (o + i) + LOW_WORD] = w.ids[i];
      weights.set(w.weights, o);
    });
    const out = await s.run({
      [ONNX_INPUT_IDS]: new ort.Tensor('int64', ids, [items.length, width]),
      [ONNX_INPUT_WEIGHTS]: new ort.Tensor('float32', weights, [items.length, width]),
    });
    return Array.from(out[ONNX_OUTPUT_SCORE].data as Float32Array);
  }

  /** Calibrated score of every window of one text (as the trainer windows it). */
  async scoreWindows(text: string): Promise<WindowScore[]> {
    const windows = featurise(text, this.manifest.features);
    const scores = await this.batcher.submitAll(windows);
    return windows.map((w, i) => ({ start: w.start, end: w.end, score: scores[i] }));
  }

  /** The text's score: max over its windows. */
  async score(text: string): Promise<number> {
    return Math.max(...(await this.scoreWindows(text)).map((w) => w.score));
  }

  async detect(input: Normalised, _ctx?: ScanContext): Promise<ViewFinding[]> {
    const picked = input.views.map((v, i) => ({ v, i })).filter(({ v }) => this.views.includes(v.kind));
    const perView = await Promise.all(picked.map(({ v }) => this.scoreWindows(v.text)));
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

  async close(): Promise<void> {
    // The session is shared per process and lives as long as it; nothing to release per detector.
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
