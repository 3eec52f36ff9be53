// What the PII and secrets detectors share: they find entities (an e-mail address, an API key) in
// the text and in decoded payloads, keep the most certain of overlapping matches, and report each
// with the placeholder that replaces it when redacted.
import { LITERAL_VIEWS, type Normalised, type ViewKind } from '../normalise/normalise.js';
import type { Category, Detector, ViewFinding } from './types.js';

export interface EntityMatch {
  /** Entity id, e.g. "email", "aws_access_key_id". */
  rule: string;
  placeholder: string;
  /** What it is, for the finding's message. */
  label: string;
  start: number;
  end: number;
  score: number;
}

/** Literal text and decoded payloads; not the leetspeak view, which rewrites digits in tokens. */
// Not the letter-by-letter view: its spans cover the whole text, and redacting an entity found there
// would redact everything.
export const ENTITY_VIEWS: readonly ViewKind[] = LITERAL_VIEWS.filter((k) => k !== 'spaced');

/** Keeps the most certain (then the longest) of overlapping matches: an IBAN over the phone number inside it. */
export function resolveOverlaps<T extends { start: number; end: number; score: number }>(matches: T[]): T[] {
  if (matches.length < 2) return matches;
  const byStrength = [...matches].sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  // Kept matches, disjoint and ordered by start: a binary search finds the neighbours of a candidate.
  const kept: T[] = [];
  for (const c of byStrength) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid].start < c.start) lo = mid + 1;
      else hi = mid;
    }
    if ((lo > 0 && kept[lo - 1].end > c.start) || (lo < kept.length && kept[lo].start < c.end)) continue;
    kept.splice(lo, 0, c);
  }
  return kept;
}

export function entityDetector(name: string, category: Category, find: (text: string) => EntityMatch[]): Detector {
  return {
    name,
    categories: [category],
    views: ENTITY_VIEWS,
    detect(input: Normalised): ViewFinding[] {
      const findings: ViewFinding[] = [];
      let seen: Set<string> | undefined;
      for (let v = 0; v < input.views.length; v++) {
        const view = input.views[v];
        if (!ENTITY_VIEWS.includes(view.kind)) continue;
        for (const m of find(view.text)) {
          // A decoded payload is followed by its leetspeak twin (same kind, same offsets); report once.
          if (view.depth > 0) {
            const main = view.toMain(m.start, m.end);
            const key = `${m.rule}\0${main.start}\0${main.end}\0${m.start}\0${m.end}`;
            seen ??= new Set();
            if (seen.has(key)) continue;
            seen.add(key);
          }
          findings.push({
            detector: name,
            category,
            score: m.score,
            view: v,
            spans: [{ start: m.start, end: m.end }],
            message: view.kind === 'text' ? m.label : `${m.label} in ${view.kind}-decoded text`,
            rule: m.rule,
            placeholder: m.placeholder,
          });
        }
      }
      return findings;
    },
  };
}
