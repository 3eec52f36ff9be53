// The detectors a scanner runs. Adding a detector is adding its file and one line here.
import { ModelSchema, type ModelSpec } from '../../crds/schema.js';
import type { Canaries } from '../canary/canary.js';
import { adversarialSuffixDetector } from './adversarial-suffix.js';
import { canaryDetector } from './canary.js';
import { invisibleDetector } from './invisible.js';
import { piiDetector } from './pii.js';
import { secretsDetector } from './secrets.js';
import { systemPromptDetector } from './system-prompt.js';
import type { Detector } from './types.js';

export interface DetectorDeps {
  /** The installation's canary key, for recognising canary tokens in responses. */
  canaries: Canaries;
  /** The ML classifiers: the built-in model and/or a mounted Hugging Face model (default: built-in). */
  model?: ModelSpec;
}

/** Every detector, loaded and ready. */
export async function createDetectors(deps: DetectorDeps): Promise<Detector[]> {
  return [...(await cachedDetectors(deps)), ...requestDetectors()];
}

/** The detectors whose findings depend only on the normalised text: their results are cached, and
 *  they are what detection threads run. */
export async function cachedDetectors(deps: DetectorDeps): Promise<Detector[]> {
  // Imported here, not at the top: the rule packs and onnxruntime cost ~45 MB of resident memory,
  // which an event loop whose detection runs in threads does not need.
  const [{ createRulesDetector }, { modelDetectors }] = await Promise.all([import('./rules.js'), import('../classifier/index.js')]);
  const detectors: Detector[] = [
    createRulesDetector(),
    ...modelDetectors(deps.model ?? ModelSchema.parse({})),
    adversarialSuffixDetector,
    piiDetector,
    secretsDetector,
    canaryDetector(deps.canaries),
  ];
  await Promise.all(detectors.map((d) => d.ready?.()));
  return detectors;
}

/** The detectors that read the request itself (perRequest): run on every scan, never cached. */
export function requestDetectors(): Detector[] {
  return [invisibleDetector, systemPromptDetector];
}
