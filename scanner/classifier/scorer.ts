// Window scores of the built-in model for whole texts: featurise each text into windows, batch
// the windows of concurrent callers, one onnxruntime run per batch, with the model's counters.
import { endianness } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { StatSource } from '../observability/sources.js';
import type { Manifest } from './artefact.js';
import { MicroBatcher, type BatchRun } from './batcher.js';
import { featurise, type WindowFeatures } from './features.js';
import { ONNX_INPUT_IDS, ONNX_INPUT_WEIGHTS, ONNX_OUTPUT_SCORE } from './onnx-graph.js';
import { ModelCounters, modelStatSource } from './stats.js';

export type { BatchRun };

export interface WindowScore {
  start: number;
  end: number;
  score: number;
}

export interface Scored {
  /** Per text, the calibrated score of each of its windows. */
  windows: WindowScore[][];
  /** The onnxruntime runs that scored them (only when asked for: tracing). */
  runs: BatchRun[];
}

export interface BatchOptions {
  /** Most windows per onnxruntime run. */
  maxBatch: number;
  /** Extra wait for a batch to fill, in ms; 0 runs what arrived by the end of the event-loop turn. */
  maxWaitMs: number;
  /** Intra-op threads of the onnxruntime session. */
  threads: number;
}

/** Index of the low 32-bit half of an int64 in an Int32Array view of it. */
const LOW_WORD = endianness() === 'LE' ? 0 : 1;

/** One session per model file and thread count per thread, shared by every scorer that uses it. */
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(key: string, bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  let s = sessions.get(key);
  if (!s) {
    s = ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

export class LocalScorer {
  readonly counters = new ModelCounters();
  private readonly batcher: MicroBatcher<WindowFeatures, number>;
  private sessionP?: Promise<ort.InferenceSession>;
  /** Texts accepted and not yet answered. */
  private pending = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly manifest: Manifest,
    private readonly opts: BatchOptions,
  ) {
    this.batcher = new MicroBatcher((items) => this.run(items), { maxItems: opts.maxBatch, maxWaitMs: opts.maxWaitMs, concurrency: 1 });
  }

  ready(): Promise<void> {
    return this.session().then(() => undefined);
  }

  private session(): Promise<ort.InferenceSession> {
    return (this.sessionP ??= session(`${this.manifest.version}/${this.opts.threads}`, this.bytes, this.opts.threads));
  }

  async score(texts: readonly string[], withRuns = false): Promise<Scored> {
    const runs: BatchRun[] = [];
    this.pending += texts.length;
    try {
      const windows = await Promise.all(texts.map((t) => this.scoreText(t, withRuns ? runs : undefined)));
      return { windows, runs };
    } finally {
      this.pending -= texts.length;
    }
  }

  private async scoreText(text: string, runs: BatchRun[] | undefined): Promise<WindowScore[]> {
    const windows = featurise(text, this.manifest.features);
    const scores = await this.batcher.submitAll(windows, runs);
    return windows.map((w, i) => ({ start: w.start, end: w.end, score: scores[i] }));
  }

  /** Scores a batch of windows in one run: ids and weights padded to the longest window. */
  private async run(items: WindowFeatures[]): Promise<number[]> {
    const s = await this.session();
    const started = performance.now();
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
    this.counters.batch(items.length, (performance.now() - started) / 1000);
    return Array.from(out[ONNX_OUTPUT_SCORE].data as Float32Array);
  }

  statSource(): StatSource {
    return modelStatSource(this.counters, () => this.pending);
  }

  async close(): Promise<void> {
    // The session is shared per process and lives as long as it; nothing to release per scorer.
  }
}
