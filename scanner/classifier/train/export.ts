// Quantisation and export: trained float parameters → int8 embedding table → ONNX bytes, and the
// training-side reference scorer that uses exactly the quantised values the graph will use.
import type { QuantisedParams } from '../onnx-graph.js';
import type { WindowFeatures } from '../features.js';
import type { Params } from './model.js';

/** Symmetric per-tensor int8 quantisation of the embedding table (zero stays exactly zero). */
export function quantise(p: Params, calibration: number): QuantisedParams {
  let max = 0;
  for (let i = 0; i < p.emb.length; i++) max = Math.max(max, Math.abs(p.emb[i]));
  const scale = Math.fround(max > 0 ? max / 127 : 1);
  const embQ = new Int8Array(p.emb.length);
  for (let i = 0; i < p.emb.length; i++) embQ[i] = Math.max(-127, Math.min(127, Math.round(p.emb[i] / scale)));
  return {
    buckets: p.buckets,
    dim: p.dim,
    hidden: p.hidden,
    embQ,
    embScale: scale,
    w1: p.w1,
    b1: p.b1,
    w2: p.w2,
    b2: Math.fround(p.b2),
    calibration: Math.fround(calibration),
  };
}

/** Raw logit of one window under the quantised parameters, as the ONNX graph computes it. */
export function quantisedWindowLogit(q: QuantisedParams, w: WindowFeatures): number {
  const { dim, hidden } = q;
  const x = new Float64Array(dim);
  for (let i = 0; i < w.ids.length; i++) {
    const r = w.ids[i] * dim;
    for (let d = 0; d < dim; d++) x[d] += w.weights[i] * Math.fround(q.embQ[r + d] * q.embScale);
  }
  let z = q.b2;
  if (hidden === 0) {
    for (let d = 0; d < dim; d++) z += q.w2[d] * x[d];
    return z;
  }
  for (let j = 0; j < hidden; j++) {
    let a = q.b1[j];
    for (let d = 0; d < dim; d++) a += q.w1[j * dim + d] * x[d];
    if (a > 0) z += q.w2[j] * a;
  }
  return z;
}

export const calibrated = (logit: number, calibration: number) => 1 / (1 + Math.exp(-(logit - calibration)));

/** Calibrated text score (max over windows) under the quantised parameters. */
export function quantisedScore(q: QuantisedParams, windows: readonly WindowFeatures[]): number {
  let best = -Infinity;
  for (const w of windows) best = Math.max(best, quantisedWindowLogit(q, w));
  return calibrated(best, q.calibration);
}
