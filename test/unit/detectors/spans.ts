// Maps a finding's span back to the caller's text the way the pipeline does: view → main view → original.
import type { Finding, ViewFinding } from '../../../scanner/detectors/types.js';
import type { Normalised } from '../../../scanner/normalise/normalise.js';

export function originalText(input: Normalised, f: ViewFinding, span = f.spans[0]): string {
  const main = input.views[f.view].toMain(span.start, span.end);
  const o = input.toOriginal(main.start, main.end);
  return input.original.slice(o.start, o.end);
}

export function viewText(input: Normalised, f: ViewFinding, span = f.spans[0]): string {
  return input.views[f.view].text.slice(span.start, span.end);
}

/** Highest score per category. */
export function scores(findings: Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.category] = Math.max(out[f.category] ?? 0, f.score);
  return out;
}
