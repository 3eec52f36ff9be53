// Summaries of out-of-fold scores: pooled, per source and per length bucket, at one threshold.
import { groupBy, lengthBucket, metrics, thresholdAtFpr, type Metrics } from '../eval/metrics.js';
import type { Row } from './data.js';
import type { FoldResult } from './cv.js';

export interface OofReport {
  /** Logit threshold with ≤ 1% false positives on the pooled out-of-fold benign rows. */
  threshold: number;
  overall: Metrics;
  bySource: Record<string, Metrics>;
  byLength: Record<string, Metrics>;
}

/** Out-of-fold logits aligned with rows. */
export function pool(rows: readonly Row[], folds: readonly FoldResult[]): number[] {
  const out = new Array<number>(rows.length).fill(NaN);
  for (const f of folds) f.test.forEach((i, k) => (out[i] = f.logits[k]));
  if (out.some(Number.isNaN)) throw new Error('folds do not cover every row');
  return out;
}

export function oofReport(rows: readonly Row[], logits: readonly number[], maxFpr = 0.01): OofReport {
  const items = rows.map((r, i) => ({ score: logits[i], label: r.label, source: r.source, chars: r.text.length }));
  // "score > t" at ≤ maxFpr, as a "score ≥ threshold" rule: the next float above t.
  const t = thresholdAtFpr(items.filter((x) => x.label === 0).map((x) => x.score), maxFpr);
  const threshold = t + Math.max(1e-6, Math.abs(t) * 1e-6);
  const rec = (m: Map<string, typeof items>) => Object.fromEntries([...m].map(([k, v]) => [k, metrics(v, threshold)]));
  return {
    threshold,
    overall: metrics(items, threshold),
    bySource: rec(groupBy(items, (x) => x.source)),
    byLength: rec(groupBy(items, (x) => lengthBucket(x.chars))),
  };
}

const pct = (x: number | null) => (x === null ? '   -  ' : (100 * x).toFixed(1).padStart(6));
const num = (x: number | null) => (x === null ? '  -   ' : x.toFixed(4));

export function formatMetricsTable(title: string, rows: Record<string, Metrics>): string {
  const lines = [`${title}`, `${'group'.padEnd(34)} ${'n'.padStart(5)} ${'pos'.padStart(5)}    TPR%   FPR%  Prec%    F1%    AUC    TPR@1%FPR%`];
  for (const [k, m] of Object.entries(rows))
    lines.push(`${k.padEnd(34)} ${String(m.n).padStart(5)} ${String(m.positives).padStart(5)} ${pct(m.tpr)} ${pct(m.fpr)} ${pct(m.precision)} ${pct(m.f1)} ${num(m.auc)} ${pct(m.tprAt1Fpr)}`);
  return lines.join('\n');
}

export function formatOof(title: string, r: OofReport): string {
  return [
    formatMetricsTable(`${title} — overall (threshold logit ${r.threshold.toFixed(4)})`, { overall: r.overall }),
    formatMetricsTable('by source', r.bySource),
    formatMetricsTable('by length (chars)', r.byLength),
  ].join('\n');
}
