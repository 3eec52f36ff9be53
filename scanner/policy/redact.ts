// Replaces redacted findings in the caller's original text with typed placeholders.
import type { Finding, Span } from '../detectors/types.js';

interface Cut extends Span {
  placeholder: string;
}

/** The text that replaces a redacted finding: its detector's placeholder or the category's. */
export const placeholderOf = (f: Pick<Finding, 'placeholder' | 'category'>): string => f.placeholder ?? `[${f.category.toUpperCase()}]`;

/** Overlapping spans merge into one cut that keeps the first finding's placeholder. */
export function redact(original: string, findings: readonly Finding[]): string {
  const cuts: Cut[] = [];
  for (const f of findings) {
    const placeholder = placeholderOf(f);
    for (const s of f.spans) if (s.end > s.start) cuts.push({ start: s.start, end: s.end, placeholder });
  }
  if (cuts.length === 0) return original;
  cuts.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const c of cuts) {
    if (c.end <= pos) continue;
    if (c.start >= pos) out += original.slice(pos, c.start) + c.placeholder;
    pos = c.end;
  }
  return out + original.slice(pos);
}
