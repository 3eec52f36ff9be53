// Training-set augmentation: code-switching with the project's own lexicon (lexicon.ts).
//
// A copy of a training text has some of its lexicon words replaced by the same concept in another
// language ("Ignore all previous instructions" → "Ignoriere all предыдущие 指令"). Benign and attack
// texts are augmented alike, so a foreign word is never evidence by itself; what the model learns
// is that the foreign words carry the same meaning as the English ones. This is the only
// augmentation: no external text, no machine translation.
import { concepts, FORMS } from '../lexicon.js';
import { tokenize } from '../tokenize.js';
import type { Row } from './data.js';
import { prng } from './model.js';

export interface AugmentConfig {
  /** Share of rows that get one code-switched copy. */
  rate: number;
  /** Probability of replacing each English lexicon word of a chosen row. */
  replace: number;
}

export const DEFAULT_AUGMENT: AugmentConfig = { rate: 0.5, replace: 0.7 };

const LANGS = [...new Set([...FORMS.values()].flatMap((m) => [...m.keys()]))].filter((l) => l !== 'en').sort();
const ENGLISH = new Map<string, Set<string>>([...FORMS].map(([c, m]) => [c, new Set(m.get('en') ?? [])]));

/** One code-switched copy of the text into `lang`, or undefined when nothing was replaced. */
export function codeSwitch(text: string, lang: string, replace: number, rnd: () => number): string | undefined {
  const tokens = tokenize(text);
  const cs = concepts(tokens.map((t) => t.text));
  let out = '';
  let at = 0;
  let changed = false;
  tokens.forEach((t, i) => {
    const c = cs[i];
    if (c === undefined || !ENGLISH.get(c)!.has(t.text)) return;
    const forms = FORMS.get(c)!.get(lang);
    const r = rnd();
    if (!forms || forms.length === 0 || r >= replace) return;
    out += text.slice(at, t.start) + forms[Math.floor(rnd() * forms.length)];
    at = t.end;
    changed = true;
  });
  return changed ? out + text.slice(at) : undefined;
}

/**
 * The rows to train on: the originals, then `extra` rows (the project's own; origin -1: they
 * belong to no source, so no cross-validation fold holds them out), then the code-switched copies
 * of both (deterministic for a seed). `origin` maps each row to the input row it came from.
 */
export function trainingSet(rows: readonly Row[], augment: AugmentConfig | undefined, seed: number, extra: readonly Row[] = []): { rows: Row[]; origin: number[] } {
  const base = [...rows, ...extra];
  const baseOrigin = base.map((_, i) => (i < rows.length ? i : -1));
  const out = [...base];
  const origin = [...baseOrigin];
  if (!augment || augment.rate <= 0) return { rows: out, origin };
  const rnd = prng(seed ^ 0xa06);
  base.forEach((r, i) => {
    if (rnd() >= augment.rate) return;
    const lang = LANGS[Math.floor(rnd() * LANGS.length)];
    const text = codeSwitch(r.text, lang, augment.replace, rnd);
    if (text !== undefined) {
      out.push({ ...r, text });
      origin.push(baseOrigin[i]);
    }
  });
  return { rows: out, origin };
}
