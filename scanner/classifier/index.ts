// The ML detector slot: the built-in classifier or a bring-your-own model, from the spec.
import type { ModelSpec } from '../../crds/model.js';
import type { Detector } from '../detectors/types.js';
import { ClassifierDetector } from './detector.js';
import { HfModelDetector } from './hf-detector.js';

export { ClassifierDetector, type ClassifierOptions } from './detector.js';
export { HfModelDetector, type HfModelOptions } from './hf-detector.js';

/** The model detector a spec asks for; call ready() before serving. */
export function modelDetector(spec: ModelSpec = { builtin: {} }): Detector {
  if (spec.huggingFace) {
    const { path, ...rest } = spec.huggingFace;
    return new HfModelDetector({ dir: path, ...rest });
  }
  return new ClassifierDetector({ threads: spec.builtin?.threads });
}
