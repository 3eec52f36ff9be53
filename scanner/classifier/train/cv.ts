// Cross-validation: leave-one-source-out (the estimate that matters: how the model does on a
// source it never saw) and stratified k-fold (the in-distribution estimate). Folds are trained in
// worker threads, each deterministic on its own, so the result does not depend on scheduling.
import { availableParallelism } from 'node:os';
import { siblingModule, startWorker } from '../../threads.js';
import type { Packed } from './packed.js';
import type { TrainConfig } from './model.js';
import { sourceGroup, type Row } from './data.js';

// The worker runs from source under tsx (npm run train) or compiled next to this file.
const WORKER = siblingModule(import.meta.url, './cv-worker');

const startFold = (job: FoldJob) => startWorker(WORKER, { workerData: job });

export interface Fold {
  name: string;
  /** Indices of the held-out rows. */
  test: number[];
}

export function losoFolds(rows: readonly Row[]): Fold[] {
  const groups = [...new Set(rows.map((r) => sourceGroup(r.source)))].sort();
  return groups.map((g) => ({ name: g, test: rows.flatMap((r, i) => (sourceGroup(r.source) === g ? [i] : [])) }));
}

/** k folds stratified by source and label: each (source, label) group is dealt round-robin after a seeded shuffle. */
export function kFolds(rows: readonly Row[], k: number, seed: number): Fold[] {
  const folds: Fold[] = Array.from({ length: k }, (_, i) => ({ name: `fold${i + 1}`, test: [] }));
  const byGroup = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const g = `${r.source}|${r.label}`;
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g)!.push(i);
  });
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  let next = 0;
  for (const g of [...byGroup.keys()].sort()) {
    const idx = byGroup.get(g)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    for (const i of idx) folds[next++ % k].test.push(i);
  }
  for (const f of folds) f.test.sort((a, b) => a - b);
  return folds;
}

export interface FoldJob {
  name: string;
  data: Packed;
  bucketBits: number;
  config: TrainConfig;
  /** Example indices to train on and to score. */
  train: number[];
  test: number[];
}

export interface FoldResult {
  name: string;
  test: number[];
  /** Text-level logits (max over windows) of the held-out rows, aligned with test. */
  logits: number[];
}

/** Runs the folds in up to `threads` workers; results come back in fold order. */
export async function runFolds(jobs: FoldJob[], threads = Math.max(1, Math.min(availableParallelism(), 2)), log?: (m: string) => void): Promise<FoldResult[]> {
  const results: FoldResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const w = startFold(jobs[i]);
      results[i] = await new Promise<FoldResult>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => code !== 0 && reject(new Error(`fold ${jobs[i].name} worker exited with ${code}`)));
      });
      await w.terminate();
      log?.(`fold ${jobs[i].name} done`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(threads, jobs.length) }, worker));
  return results;
}
