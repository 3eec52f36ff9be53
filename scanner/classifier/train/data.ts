// Reading labelled JSONL and turning it into training examples.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalise } from '../../normalise/normalise.js';
import { featurise, type FeatureConfig } from '../features.js';
import type { Example } from './model.js';

export interface Row {
  text: string;
  label: 0 | 1;
  source: string;
  /** Optional tags of evaluation sets (ISO language, attack or benign kind): reports group by them. */
  lang?: string;
  kind?: string;
}

/** Rows of a JSONL file with `text`, `label` (1 attack, 0 benign) and optional `source`. */
export function readJsonl(path: string): Row[] {
  if (!existsSync(path)) throw new Error(`data file not found: ${path}`);
  const rows: Row[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const r = JSON.parse(line) as { text?: unknown; label?: unknown; source?: unknown; lang?: unknown; kind?: unknown };
    if (typeof r.text !== 'string' || (r.label !== 0 && r.label !== 1 && r.label !== '0' && r.label !== '1'))
      throw new Error(`${path}:${i + 1}: each line needs "text" (string) and "label" (0 or 1)`);
    const row: Row = { text: r.text, label: Number(r.label) as 0 | 1, source: typeof r.source === 'string' ? r.source : 'unknown' };
    if (typeof r.lang === 'string') row.lang = r.lang;
    if (typeof r.kind === 'string') row.kind = r.kind;
    rows.push(row);
  });
  return rows;
}

/** The folder of the project-written training rows (data/*.jsonl, see MODEL_CARD.md). */
export const PROJECT_DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));

/**
 * The rows the project wrote itself (sources "project:<family>"), every data/*.jsonl in name order.
 * They are added to every training set and never held out: cross-validation keeps measuring
 * unseen public sources.
 */
export function projectRows(dir = PROJECT_DATA_DIR): Row[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readJsonl(dir + f));
}

/** The repository a source comes from ("deepset:prompt-injections" → "deepset"): the unit held out in LOSO. */
export const sourceGroup = (source: string) => source.split(':')[0];

/** The text the model reads for a row: the normaliser's main view, as at serving time. */
export const modelText = (text: string) => normalise(text).views[0].text;

export function toExamples(rows: readonly Row[], features: FeatureConfig): Example[] {
  return rows.map((r) => ({ windows: featurise(modelText(r.text), features), label: r.label, group: `${r.source}|${r.label}` }));
}
