// Finds canary tokens (scanner/canary/canary.ts) in text, also when the model encoded them (base64,
// hex, rot13, reversed …). A token signed with this installation's key scores 1; one that only has
// the shape (another installation's, or a rotated key's) scores 0.5, below the default threshold.
// Cacheable: the result depends only on the text and the key, whose fingerprint is in `version`.
import { CANARY_PATTERN, type Canaries } from '../canary/canary.js';
import { LITERAL_VIEWS } from '../normalise/normalise.js';
import type { Detector, ViewFinding } from './types.js';

// Not the leetspeak view: it folds digits into letters, which would garble the hex.
const READS = LITERAL_VIEWS;

export function canaryDetector(canaries: Canaries): Detector {
  return {
    name: 'canary',
    categories: ['canary'],
    views: READS,
    version: `k${canaries.fingerprint}`,
    detect(input) {
      const out: ViewFinding[] = [];
      input.views.forEach((view, v) => {
        if (!READS.includes(view.kind) || !view.text.includes('-')) return;
        let verified: ViewFinding | undefined;
        let lookalike: ViewFinding | undefined;
        for (const m of view.text.matchAll(CANARY_PATTERN)) {
          const span = { start: m.index, end: m.index + m[0].length };
          if (canaries.verify(m[1], m[2])) (verified ??= push(out, 1, 'canary', 'a canary token of this installation: the system prompt leaked', v)).spans.push(span);
          else (lookalike ??= push(out, 0.5, 'canary_unverified', "a canary-shaped token not signed with this installation's key", v)).spans.push(span);
        }
      });
      return out;
    },
  };
}

function push(out: ViewFinding[], score: number, rule: string, message: string, view: number): ViewFinding {
  const f: ViewFinding = { detector: 'canary', category: 'canary', score, spans: [], message, rule, view, placeholder: '[CANARY]' };
  out.push(f);
  return f;
}
