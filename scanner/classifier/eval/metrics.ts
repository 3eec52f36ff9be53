// Detection metrics over scored examples. Pure functions: used by cross-validation, by the eval
// command and by the tests.

export interface Scored {
  score: number;
  label: 0 | 1;
}

export interface Metrics {
  n: number;
  positives: number;
  negatives: number;
  threshold: number;
  tpr: number | null;
  fpr: number | null;
  precision: number | null;
  f1: number | null;
  /** ROC AUC (probability that an attack outscores a benign text, ties counted half). */
  auc: number | null;
  /** Highest TPR whose FPR is at most 1%, thresholding on these examples' own scores. */
  tprAt1Fpr: number | null;
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

/** ROC AUC by ranks (Mann–Whitney U), with tied scores sharing their mean rank. */
export function rocAuc(items: readonly Scored[]): number | null {
  const pos = items.filter((x) => x.label === 1).length;
  const neg = items.length - pos;
  if (pos === 0 || neg === 0) return null;
  const sorted = [...items].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j].score === sorted[i].score) j++;
    const mean = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k].label === 1) rankSum += mean;
    i = j;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * The lowest threshold t (as "score > t") whose false-positive rate on the negatives is at most
 * `maxFpr`: the (k+1)-th highest negative score, with k = floor(maxFpr · negatives).
 */
export function thresholdAtFpr(negativeScores: readonly number[], maxFpr: number): number {
  if (negativeScores.length === 0) return -Infinity;
  const sorted = [...negativeScores].sort((a, b) => b - a);
  const k = Math.floor(maxFpr * sorted.length + 1e-9);
  return k >= sorted.length ? -Infinity : sorted[k];
}

export function tprAtFpr(items: readonly Scored[], maxFpr: number): number | null {
  const neg = items.filter((x) => x.label === 0).map((x) => x.score);
  const pos = items.filter((x) => x.label === 1);
  if (neg.length === 0 || pos.length === 0) return null;
  const t = thresholdAtFpr(neg, maxFpr);
  return pos.filter((x) => x.score > t).length / pos.length;
}

/** Metrics at a fixed threshold (an example is flagged when score ≥ threshold), plus AUC and TPR@1%FPR. */
export function metrics(items: readonly Scored[], threshold: number): Metrics {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  for (const x of items) {
    const flagged = x.score >= threshold;
    if (x.label === 1) {
      pos++;
      if (flagged) tp++;
    } else if (flagged) fp++;
  }
  const neg = items.length - pos;
  const tpr = ratio(tp, pos);
  const precision = ratio(tp, tp + fp);
  const f1 = tpr === null || precision === null || tpr + precision === 0 ? (tpr === null ? null : 0) : (2 * tpr * precision) / (tpr + precision);
  return {
    n: items.length,
    positives: pos,
    negatives: neg,
    threshold,
    tpr,
    fpr: ratio(fp, neg),
    precision,
    f1,
    auc: rocAuc(items),
    tprAt1Fpr: tprAtFpr(items, 0.01),
  };
}

/** Length buckets (characters of the input) used in every report. */
export const LENGTH_BUCKETS = [
  { name: '<100', max: 100 },
  { name: '100-499', max: 500 },
  { name: '500-1999', max: 2000 },
  { name: '2000-7999', max: 8000 },
  { name: '>=8000', max: Infinity },
] as const;

export function lengthBucket(chars: number): string {
  for (const b of LENGTH_BUCKETS) if (chars < b.max) return b.name;
  return LENGTH_BUCKETS[LENGTH_BUCKETS.length - 1].name;
}

/** Groups items by a key, in first-seen order of sorted keys. */
export function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    let a = m.get(k);
    if (!a) m.set(k, (a = []));
    a.push(x);
  }
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
