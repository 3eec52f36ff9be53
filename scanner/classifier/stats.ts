// The built-in model's counters: onnxruntime runs, windows scored, and two histograms (windows per
// run, seconds per run), exported as the `model` stat source (promptfirewall_model_*).
import { Distribution, type StatSource } from '../observability/sources.js';

export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128];
export const INFERENCE_SECONDS_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** Runs and windows are the batch-size histogram's count and sum. */
export class ModelCounters {
  readonly batchSize = new Distribution(BATCH_SIZE_BUCKETS);
  readonly inferenceSeconds = new Distribution(INFERENCE_SECONDS_BUCKETS);

  /** One onnxruntime run of `size` windows that took `seconds`. */
  batch(size: number, seconds: number): void {
    this.batchSize.observe(size);
    this.inferenceSeconds.observe(seconds);
  }
}

export function modelStatSource(c: ModelCounters, queueDepth: () => number): StatSource {
  return {
    name: 'model',
    stats: () => ({ batches_total: c.batchSize.count, items_total: c.batchSize.sum, queue_depth: queueDepth() }),
    distributions: () => ({ batch_size: c.batchSize, inference_seconds: c.inferenceSeconds }),
  };
}
