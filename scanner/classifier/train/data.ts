// Reading labelled JSONL and turning it into training examples.
import { existsSync, readFileSync } from 'node:fs';
import { normalise } from '../../normalise/normalise.js';
import { featurise, type FeatureConfig } from '../features.js';
import type { Example } from './model.js';

export interface Row {
  text: string;
  label: 0 | 1;
  source: string;
}

/** Rows of a JSONL file with `text`, `label` (1 attack, 0 benign) and optional `source`. */
export function readJsonl(path: string): Row[] {
  if (!existsSync(path)) throw new Error(`data file not found: ${path}`);
  const rows: Row[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const r = JSON.parse(line) as { text?: unknown; label?: unknown; source?: unknown };
    if (typeof r.text !== 'string' || (r.label !== 0 && r.label !== 1 && r.label !== '0' && r.label !== '1'))
      throw new Error(`${path}:${i + 1}: each line needs "text" (string) and "label" (0 or 1)`);
    rows.push({ text: r.text, label: Number(r.label) as 0 | 1, source: typeof r.source === 'string' ? r.source : 'unknown' });
  });
  return rows;
}

/** The repository a source comes from ("deepset:prompt-injections" → "deepset"): the unit held out in LOSO. */
export const sourceGroup = (source: string) => source.split(':')[0];

/** The text the model reads for a row: the normaliser's main view, as at serving time. */
export const modelText = (text: string) => normalise(text).views[0].text;

export function toExamples(rows: readonly Row[], features: FeatureConfig): Example[] {
  return rows.map((r) => ({ windows: featurise(modelText(r.text), features), label: r.label, group: `${r.source}|${r.label}` }));
}
