// Featurised examples packed into flat typed arrays, so that worker threads share one copy
// (SharedArrayBuffer) instead of each featurising the data again.
import type { WindowFeatures } from '../features.js';
import type { Example } from './model.js';

export interface Packed {
  ids: Int32Array;
  weights: Float32Array;
  /** Window w spans ids[winStart[w] .. winStart[w + 1]). */
  winStart: Int32Array;
  /** Example e owns windows docStart[e] .. docStart[e + 1]. */
  docStart: Int32Array;
  /** Span of each window in its text: [start, end] pairs. */
  spans: Int32Array;
  labels: Uint8Array;
  groups: string[];
}

function shared<T extends Int32Array | Float32Array | Uint8Array>(Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, n) * Ctor.BYTES_PER_ELEMENT));
}

export function pack(examples: readonly Example[]): Packed {
  let nWin = 0;
  let nIds = 0;
  for (const e of examples) {
    nWin += e.windows.length;
    for (const w of e.windows) nIds += w.ids.length;
  }
  const p: Packed = {
    ids: shared(Int32Array, nIds),
    weights: shared(Float32Array, nIds),
    winStart: shared(Int32Array, nWin + 1),
    docStart: shared(Int32Array, examples.length + 1),
    spans: shared(Int32Array, nWin * 2),
    labels: shared(Uint8Array, examples.length),
    groups: examples.map((e) => e.group),
  };
  let w = 0;
  let k = 0;
  examples.forEach((e, i) => {
    p.docStart[i] = w;
    p.labels[i] = e.label;
    for (const win of e.windows) {
      p.winStart[w] = k;
      p.spans[2 * w] = win.start;
      p.spans[2 * w + 1] = win.end;
      p.ids.set(win.ids, k);
      p.weights.set(win.weights, k);
      k += win.ids.length;
      w++;
    }
  });
  p.winStart[w] = k;
  p.docStart[examples.length] = w;
  return p;
}

export function example(p: Packed, i: number): Example {
  const windows: WindowFeatures[] = [];
  for (let w = p.docStart[i]; w < p.docStart[i + 1]; w++) {
    const a = p.winStart[w];
    const b = p.winStart[w + 1];
    windows.push({ start: p.spans[2 * w], end: p.spans[2 * w + 1], ids: p.ids.subarray(a, b), weights: p.weights.subarray(a, b) });
  }
  return { windows, label: p.labels[i] as 0 | 1, group: p.groups[i] };
}

export const unpack = (p: Packed, indices: readonly number[]) => indices.map((i) => example(p, i));
