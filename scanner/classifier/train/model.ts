// The model and its training, in plain TypeScript: an embedding bag over hashed features, a small
// ReLU layer and a logistic output, trained as a multiple-instance learner over windows.
//
//   window ──► x = Σ wᵢ·E[idᵢ]  (D)  ──► h = relu(W₁x + b₁)  (H)  ──► z = w₂·h + b₂ ──► σ(z)
//   text score = max over its windows (exactly what the server computes)
//
// A benign text teaches that its highest-scoring window is benign; an attack teaches that its
// highest-scoring window is an attack. That is the multiple-instance view of "a short injection
// somewhere in a long document", and it keeps training and serving identical.
//
// Determinism: one thread, a seeded PRNG, a fixed visiting order and Float32Array parameters, so
// the same data, configuration and seed give the same bytes (V8's Math.exp is a fixed software
// implementation, not the CPU's).
import type { WindowFeatures } from '../features.js';

export interface TrainConfig {
  /** Embedding width D. */
  dim: number;
  /** Hidden ReLU units H; 0 makes the model linear in the embedding bag. */
  hidden: number;
  epochs: number;
  lr: number;
  /** Learning-rate decay: lr at the last epoch is lr·lrDecay (linear in between). */
  lrDecay: number;
  /** Weight decay applied to the embedding rows a step touches (AdamW style). */
  weightDecay: number;
  /** Probability of dropping each feature of a window during training. */
  featureDropout: number;
  /** Per-example weight ∝ (examples of its source and label)^-balancePower, so big sources do not drown small ones. */
  balancePower: number;
  /** Weight of the mean loss over all windows of a benign text, added to the loss on its max window. */
  benignAllWindows: number;
  seed: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  dim: 16,
  hidden: 16,
  epochs: 4,
  lr: 0.01,
  lrDecay: 0.1,
  weightDecay: 0.01,
  featureDropout: 0.3,
  balancePower: 0.5,
  benignAllWindows: 0.5,
  seed: 1,
};

export interface Example {
  windows: WindowFeatures[];
  label: 0 | 1;
  /** Group used to balance the loss (source and label). */
  group: string;
}

export interface Params {
  buckets: number;
  dim: number;
  hidden: number;
  /** buckets × dim, row-major. */
  emb: Float32Array;
  /** hidden × dim, row-major (absent when hidden = 0). */
  w1: Float32Array;
  b1: Float32Array;
  /** hidden (or dim when hidden = 0). */
  w2: Float32Array;
  b2: number;
}

/** Deterministic 32-bit PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function initParams(buckets: number, dim: number, hidden: number, seed: number): Params {
  const rnd = prng(seed ^ 0x5eed);
  const uni = (a: number) => (rnd() * 2 - 1) * a;
  const out = hidden > 0 ? hidden : dim;
  const w1 = new Float32Array(hidden * dim);
  for (let i = 0; i < w1.length; i++) w1[i] = uni(Math.sqrt(6 / (dim + hidden)));
  const w2 = new Float32Array(out);
  for (let i = 0; i < out; i++) w2[i] = uni(Math.sqrt(6 / (out + 1)));
  // Embeddings start at zero: a bucket never seen in training contributes nothing at serving time.
  return { buckets, dim, hidden, emb: new Float32Array(buckets * dim), w1, b1: new Float32Array(hidden).fill(0.1), w2, b2: 0 };
}

/** Scratch space for one forward/backward pass. */
interface Scratch {
  x: Float64Array;
  a: Float64Array;
  h: Float64Array;
}

const scratch = (p: Params): Scratch => ({ x: new Float64Array(p.dim), a: new Float64Array(p.hidden), h: new Float64Array(p.hidden) });

/** Logit of one window; fills s.x, s.a, s.h. `keep` (optional) masks dropped features. */
function forward(p: Params, w: WindowFeatures, s: Scratch, keep?: Uint8Array, keepScale = 1): number {
  const { dim, hidden, emb } = p;
  s.x.fill(0);
  for (let i = 0; i < w.ids.length; i++) {
    if (keep && !keep[i]) continue;
    const wi = w.weights[i] * keepScale;
    const row = w.ids[i] * dim;
    for (let d = 0; d < dim; d++) s.x[d] += wi * emb[row + d];
  }
  if (hidden === 0) {
    let z = p.b2;
    for (let d = 0; d < dim; d++) z += p.w2[d] * s.x[d];
    return z;
  }
  let z = p.b2;
  for (let j = 0; j < hidden; j++) {
    let a = p.b1[j];
    const r = j * dim;
    for (let d = 0; d < dim; d++) a += p.w1[r + d] * s.x[d];
    s.a[j] = a;
    s.h[j] = a > 0 ? a : 0;
    z += p.w2[j] * s.h[j];
  }
  return z;
}

/** Logit of each window (no dropout): what the served model computes, before calibration. */
export function windowLogits(p: Params, windows: readonly WindowFeatures[]): number[] {
  const s = scratch(p);
  return windows.map((w) => forward(p, w, s));
}

export const textLogit = (p: Params, windows: readonly WindowFeatures[]) => Math.max(...windowLogits(p, windows));

class Adam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(n: number) {
    this.m = new Float32Array(n);
    this.v = new Float32Array(n);
  }
  private c1 = 1;
  private c2 = 1;
  /** Advances the step count (bias corrections) once per optimisation step. */
  tick(t: number): void {
    this.c1 = 1 - Math.pow(0.9, t);
    this.c2 = 1 - Math.pow(0.999, t);
  }
  step(param: Float32Array, i: number, g: number, lr: number, decay: number): void {
    const m = (this.m[i] = 0.9 * this.m[i] + 0.1 * g);
    const v = (this.v[i] = 0.999 * this.v[i] + 0.001 * g * g);
    param[i] -= lr * (m / this.c1 / (Math.sqrt(v / this.c2) + 1e-8) + decay * param[i]);
  }
}

/** Per-example loss weights: each (source, label) group weighted by size^-power, each label summing to half the total. */
export function exampleWeights(examples: readonly Example[], power: number): Float64Array {
  const size = new Map<string, number>();
  for (const e of examples) size.set(e.group, (size.get(e.group) ?? 0) + 1);
  const raw = examples.map((e) => Math.pow(size.get(e.group)!, -power));
  const total = [0, 0];
  raw.forEach((r, i) => (total[examples[i].label] += r));
  return Float64Array.from(raw, (r, i) => (r * examples.length) / 2 / total[examples[i].label]);
}

export function train(examples: readonly Example[], bucketBits: number, cfg: TrainConfig, log?: (msg: string) => void): Params {
  const p = initParams(1 << bucketBits, cfg.dim, cfg.hidden, cfg.seed);
  const { dim, hidden } = p;
  const rnd = prng(cfg.seed);
  const weights = exampleWeights(examples, cfg.balancePower);
  const optE = new Adam(p.emb.length);
  const optW1 = new Adam(p.w1.length);
  const optB1 = new Adam(p.b1.length);
  const optW2 = new Adam(p.w2.length);
  const b2 = new Float32Array([p.b2]);
  const optB2 = new Adam(1);
  const opts = [optE, optW1, optB1, optW2, optB2];
  const s = scratch(p);
  const dx = new Float64Array(dim);
  const da = new Float64Array(hidden);
  const gW1 = new Float64Array(p.w1.length);
  const gB1 = new Float64Array(hidden);
  const gW2 = new Float64Array(p.w2.length);
  // Sparse embedding gradient: a dense accumulator plus the list of rows touched by this step.
  const gEmb = new Float64Array(p.emb.length);
  const touched = new Uint8Array(p.buckets);
  const touchedIds: number[] = [];
  const order = examples.map((_, i) => i);
  const keepScale = 1 / (1 - cfg.featureDropout);
  let t = 0;

  /** Accumulates the gradient of weight·BCE for one window into the dense accumulators and gEmb. */
  const backward = (w: WindowFeatures, y: number, weight: number): number => {
    const keep = new Uint8Array(w.ids.length);
    for (let i = 0; i < keep.length; i++) keep[i] = rnd() >= cfg.featureDropout ? 1 : 0;
    const z = forward(p, w, s, keep, keepScale);
    const prob = sigmoid(z);
    const dz = (prob - y) * weight;
    if (hidden === 0) {
      for (let d = 0; d < dim; d++) {
        gW2[d] += dz * s.x[d];
        dx[d] = dz * p.w2[d];
      }
    } else {
      for (let j = 0; j < hidden; j++) {
        gW2[j] += dz * s.h[j];
        da[j] = s.a[j] > 0 ? dz * p.w2[j] : 0;
        gB1[j] += da[j];
      }
      dx.fill(0);
      for (let j = 0; j < hidden; j++) {
        if (da[j] === 0) continue;
        const r = j * dim;
        for (let d = 0; d < dim; d++) {
          gW1[r + d] += da[j] * s.x[d];
          dx[d] += da[j] * p.w1[r + d];
        }
      }
    }
    gB2 += dz;
    for (let i = 0; i < w.ids.length; i++) {
      if (!keep[i]) continue;
      const wi = w.weights[i] * keepScale;
      const id = w.ids[i];
      if (!touched[id]) {
        touched[id] = 1;
        touchedIds.push(id);
      }
      const r = id * dim;
      for (let d = 0; d < dim; d++) gEmb[r + d] += wi * dx[d];
    }
    const yy = y === 1 ? prob : 1 - prob;
    return -Math.log(Math.max(yy, 1e-12)) * weight;
  };
  let gB2 = 0;

  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const lr = cfg.lr * (1 - (1 - cfg.lrDecay) * (cfg.epochs > 1 ? epoch / (cfg.epochs - 1) : 0));
    // Fisher–Yates with the seeded PRNG: a fixed, different order every epoch.
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let loss = 0;
    for (const idx of order) {
      const ex = examples[idx];
      const weight = weights[idx];
      // The window that counts is chosen by the current model as it would serve (no dropout);
      // dropout applies to the gradient step on it.
      let best = 0;
      let bestZ = -Infinity;
      for (let k = 0; k < ex.windows.length; k++) {
        const z = forward(p, ex.windows[k], s);
        if (z > bestZ) {
          bestZ = z;
          best = k;
        }
      }
      gW1.fill(0);
      gB1.fill(0);
      gW2.fill(0);
      gB2 = 0;
      loss += backward(ex.windows[best], ex.label, weight);
      if (ex.label === 0 && cfg.benignAllWindows > 0 && ex.windows.length > 1) {
        const share = (cfg.benignAllWindows * weight) / ex.windows.length;
        for (let k = 0; k < ex.windows.length; k++) loss += backward(ex.windows[k], 0, share);
      }
      t++;
      for (const o of opts) o.tick(t);
      // Sparse rows in ascending id order: the update order never depends on Map insertion order.
      touchedIds.sort((a, b) => a - b);
      for (const id of touchedIds) {
        const r = id * dim;
        for (let d = 0; d < dim; d++) {
          optE.step(p.emb, r + d, gEmb[r + d], lr, cfg.weightDecay);
          gEmb[r + d] = 0;
        }
        touched[id] = 0;
      }
      touchedIds.length = 0;
      for (let i = 0; i < p.w1.length; i++) optW1.step(p.w1, i, gW1[i], lr, 0);
      for (let i = 0; i < hidden; i++) optB1.step(p.b1, i, gB1[i], lr, 0);
      for (let i = 0; i < p.w2.length; i++) optW2.step(p.w2, i, gW2[i], lr, 0);
      optB2.step(b2, 0, gB2, lr, 0);
      p.b2 = b2[0];
    }
    log?.(`epoch ${epoch + 1}/${cfg.epochs} lr ${lr.toFixed(5)} loss ${(loss / examples.length).toFixed(4)}`);
  }
  return p;
}
