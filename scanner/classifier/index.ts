// The ML detector slot: the built-in classifier and/or a bring-your-own model, from the spec.
import type { ModelSpec } from '../../crds/schema.js';
import type { Detector } from '../detectors/types.js';
import { ClassifierDetector } from './detector.js';
import { HfModelDetector } from './hf-detector.js';

export { ClassifierDetector, type ClassifierOptions } from './detector.js';
export { HfModelDetector, type HfModelOptions } from './hf-detector.js';

/** The model detectors a spec asks for (none, one or both); call ready() before serving. */
export function modelDetectors(spec: ModelSpec): Detector[] {
  const out: Detector[] = [];
  if (spec.builtin.enabled) out.push(new ClassifierDetector({ threads: spec.builtin.threads }));
  if (spec.custom) {
    const { path, maxLength, stride, labels, threads } = spec.custom;
    if (!path) throw new Error('model.custom.path is not set: outside Kubernetes give the directory of the model files');
    out.push(new HfModelDetector({ dir: path, maxLength, stride, labels, threads }));
  }
  return out;
}
