// Reports characters the normaliser removed because they render as nothing but can hide words
// (zero-width), reorder what a human reviewer sees (bidi controls, "Trojan Source"), or smuggle a
// whole second prompt (Unicode tag characters, variation-selector "emoji smuggling").
// Computed on every request from the normaliser's record, never cached: two inputs that differ only
// in invisible characters share a cache entry but not these findings.
import type { Detector, ViewFinding } from './types.js';
import type { InvisibleKind } from '../normalise/invisible.js';

const SCORE: Record<InvisibleKind, number> = {
  tag: 1,
  variation_selector: 0.95,
  bidi_control: 0.9,
  zero_width: 0.8,
};

const MESSAGE: Record<InvisibleKind, string> = {
  tag: 'Unicode tag characters carry hidden text',
  variation_selector: 'variation selectors carry hidden bytes',
  bidi_control: 'bidirectional control characters reorder the visible text',
  zero_width: 'zero-width characters split or hide words',
};

export const invisibleDetector: Detector = {
  name: 'invisible',
  categories: ['invisible_text'],
  views: ['text'],
  perRequest: true,
  detect(input) {
    if (input.invisible.length === 0) return [];
    const byKind = new Map<InvisibleKind, ViewFinding>();
    for (const run of input.invisible) {
      let f = byKind.get(run.kind);
      if (!f) {
        f = { detector: 'invisible', category: 'invisible_text', score: SCORE[run.kind], spans: [], message: '', rule: run.kind, view: -1 };
        byKind.set(run.kind, f);
      }
      f.spans.push({ start: run.start, end: run.end });
    }
    for (const [kind, f] of byKind) {
      const count = f.spans.reduce((n, s) => n + (s.end - s.start), 0);
      f.message = `${MESSAGE[kind]} (${count} code units)`;
    }
    return [...byKind.values()];
  },
};
