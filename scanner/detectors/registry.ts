// The detectors a scanner runs. Adding a detector is adding its file and one line here.
import { ModelSchema, type ModelSpec } from '../../crds/schema.js';
import type { Canaries } from '../canary/canary.js';
import { modelDetectors } from '../classifier/index.js';
import { adversarialSuffixDetector } from './adversarial-suffix.js';
import { canaryDetector } from './canary.js';
import { invisibleDetector } from './invisible.js';
import { piiDetector } from './pii.js';
import { createRulesDetector } from './rules.js';
import { secretsDetector } from './secrets.js';
import { systemPromptDetector } from './system-prompt.js';
import type { Detector } from './types.js';

export interface DetectorDeps {
  /** The installation's canary key, for recognising canary tokens in responses. */
  canaries: Canaries;
  /** The ML classifiers: the built-in model and/or a mounted Hugging Face model (default: built-in). */
  model?: ModelSpec;
}

export async function createDetectors(deps: DetectorDeps): Promise<Detector[]> {
  const detectors: Detector[] = [
    createRulesDetector(),
    ...modelDetectors(deps.model ?? ModelSchema.parse({})),
    adversarialSuffixDetector,
    piiDetector,
    secretsDetector,
    invisibleDetector,
    canaryDetector(deps.canaries),
    systemPromptDetector,
  ];
  await Promise.all(detectors.map((d) => d.ready?.()));
  return detectors;
}
