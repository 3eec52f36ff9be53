// A prefilter for many regular expressions over one text. Running hundreds of rule regexes over
// every view costs more than the whole scan budget, while most rules cannot match because a word
// they need is absent. Each regex gets sets of "word keys" that every match must contain; the text
// gets the keys of all its words; a regex only runs when the two meet.
//
// Scripts written with spaces between words (Latin, Cyrillic, Greek, Arabic, Hebrew, Indic …): a
// key is the first four letters of a word, lower-cased and without accents (the text also holds the
// first three, for patterns whose words the parser can only follow that far). Scripts written
// without spaces (Han, kana, Hangul, Thai …): a key is any one character or two adjacent ones.
//
// Keys are derived from the regex source by a small parser that understands the subset of syntax
// rule packs use. When in doubt it returns no keys (the regex always runs), so the prefilter can
// only make scanning faster, never change a result.

// Four letters tell languages apart ("igno", "resp", "simp") where three do not ("ign", "res", "sim");
// runs the parser can only follow for three letters are keyed on those.
const KEY_LENGTH = 4;
const SHORT_KEY = 3;

// Non-ASCII code units that count as letters (letters, combining marks and digits of each script,
// without the script's punctuation), by block. The {b} word boundary of rule patterns uses the same
// set, so a boundary that a pattern sees is one where the text has a key.
const SPACED = [
  '00aa 00b5 00ba 00c0-00d6 00d8-00f6 00f8-02ff 0300-036f', // Latin-1, Latin Extended, IPA, combining marks
  '0370-037d 037f-0386 0388-03ff 0400-052f 1c80-1c8f 2de0-2dff a640-a69f', // Greek, Cyrillic
  '0531-0559 0560-0588 10a0-10ff 1c90-1cbf 2d00-2d2f', // Armenian, Georgian
  '0591-05bd 05bf 05c1-05c2 05c4-05c5 05c7-05f2 fb1d-fb4f', // Hebrew
  '0610-061a 0620-0669 066e-06d3 06d5-06ff 0750-077f 0870-08ff fb50-fdff fe70-fefc', // Arabic, Persian, Urdu
  '0900-0963 0966-096f 0971-0dff a8e0-a8ff', // Devanagari, Bengali and the other Indic scripts
  '1200-135f 1380-139f', // Ethiopic
  '1e00-1fff', // Latin Extended Additional (Vietnamese), Greek Extended
];
const UNSPACED = [
  '0e01-0e4e 0e50-0e59 0e81-0eff', // Thai, Lao
  '1000-1049 1050-109f 1780-17d3 17dc-17e9', // Myanmar, Khmer
  '1100-11ff 3131-318f a960-a97f ac00-d7ff', // Hangul
  '3005-3007 3041-30fa 30fc-30ff 3100-312f 31a0-31ff 3400-4dbf 4e00-9fff f900-faff ff66-ffdc', // kana, Bopomofo, Han
];
const ranges = (blocks: string[]) =>
  blocks.flatMap((b) => b.replace(/\s+/g, ' ').trim().split(' ').map((r) => r.split('-').map((h) => parseInt(h, 16)) as [number] | [number, number]));

const NONE = 0;
const SPACED_LETTER = 1;
const UNSPACED_LETTER = 2;
/** Per UTF-16 code unit: NONE, SPACED_LETTER or UNSPACED_LETTER. */
const SCRIPT = new Uint8Array(0x10000);
for (let c = 65; c <= 122; c++) if (c <= 90 || c >= 97) SCRIPT[c] = SPACED_LETTER;
for (const [kind, list] of [[SPACED_LETTER, SPACED], [UNSPACED_LETTER, UNSPACED]] as const)
  for (const [a, b = a] of ranges(list)) SCRIPT.fill(kind, a, b + 1);
SCRIPT[0xd7] = SCRIPT[0xf7] = NONE; // × and ÷

const hex = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;
/** A character class of word characters: ASCII letters, digits and "_", and every non-ASCII letter above. */
const WORD_CLASS = `[A-Za-z0-9_${ranges([...SPACED, ...UNSPACED])
  .map(([a, b]) => (b === undefined ? hex(a) : `${hex(a)}-${hex(b)}`))
  .join('')}]`;
/** Regex sources for a word boundary in any script: before a word, after one, either. */
export const WORD_START = `(?<!${WORD_CLASS})`;
export const WORD_END = `(?!${WORD_CLASS})`;
export const WORD_BOUNDARY = `(?:${WORD_START}(?=${WORD_CLASS})|(?<=${WORD_CLASS})${WORD_END})`;

const isSpacedLetter = (c: number) => SCRIPT[c] === SPACED_LETTER;
const isUnspaced = (c: number) => SCRIPT[c] === UNSPACED_LETTER;
const isAsciiLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
/** Whether the code unit of `ch` is a letter that keys know about (either kind). */
export const isWordLetter = (ch: string) => SCRIPT[ch.charCodeAt(0)] !== NONE;

/**
 * The letter that a Latin or Greek letter with diacritics (or Russian "ё") is written as without
 * them; rule patterns accept it in its place (optional accents).
 */
const BASES: Record<string, string> = { ł: 'l', đ: 'd', ø: 'o', ħ: 'h', ŧ: 't', ı: 'i', ß: 's', æ: 'a', œ: 'o', ё: 'е' };
export function baseLetter(ch: string): string | undefined {
  const c = ch.charCodeAt(0);
  const latin = (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) || (c >= 0x1e00 && c <= 0x1eff);
  const greek = (c >= 0x386 && c <= 0x3ce) || (c >= 0x1f00 && c <= 0x1fff);
  if (!latin && !greek && c !== 0x401 && c !== 0x451) return undefined;
  const lower = ch.toLowerCase();
  const base = BASES[lower] ?? lower.normalize('NFD')[0];
  if (base === lower) return undefined;
  return latin ? (base >= 'a' && base <= 'z' ? base : undefined) : base;
}

/** Case- and accent-folded code unit, as a string; computed once per code unit. */
const FOLDED: string[] = [];
function fold(c: number): string {
  if (c < 128) return String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  let f = FOLDED[c];
  if (f === undefined) {
    const ch = String.fromCharCode(c);
    // Regexes compare case-insensitively through upper case (so σ and ς both match Σ).
    const upper = ch.toUpperCase();
    const lower = upper.length === 1 ? upper.toLowerCase() : ch;
    f = FOLDED[c] = baseLetter(ch) ?? (lower.length === 1 ? lower : ch);
  }
  return f;
}
/** Spellings that rule patterns accept for a letter besides its base (see optionalAccents in rules.ts). */
export const SPELLINGS: Readonly<Record<string, readonly string[]>> = { ä: ['ae'], ö: ['oe'], ü: ['ue'], ß: ['ss'], æ: ['ae'], œ: ['oe'] };

const doubled = (a: Int32Array) => {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
};

/** The keys of a text, with where each occurs; the positions live in flat arrays, not one array per key. */
export class TextKeys {
  /** Key → index of its latest occurrence in `at`/`next`. */
  private readonly head = new Map<string, number>();
  /** The distinct keys, in order of first occurrence. */
  readonly list: string[] = [];
  private at = new Int32Array(256);
  /** Index of the key's previous occurrence, or -1. */
  private next = new Int32Array(256);
  private n = 0;

  add(key: string, at: number): void {
    const prev = this.head.get(key);
    if (prev === undefined) this.list.push(key);
    else if (this.at[prev] === at) return;
    if (this.n === this.at.length) {
      this.at = doubled(this.at);
      this.next = doubled(this.next);
    }
    this.at[this.n] = at;
    this.next[this.n] = prev ?? -1;
    this.head.set(key, this.n++);
  }

  has(key: string): boolean {
    return this.head.has(key);
  }

  /** Positions where any of `wanted` occurs, ascending and distinct. */
  positions(wanted: readonly string[]): number[] {
    const out: number[] = [];
    let sorted = true;
    for (const k of wanted) {
      const from = out.length;
      for (let e = this.head.get(k) ?? -1; e >= 0; e = this.next[e]) out.push(this.at[e]);
      // Each key's chain runs from its last occurrence back to its first.
      for (let i = from, j = out.length - 1; i < j; i++, j--) [out[i], out[j]] = [out[j], out[i]];
      if (from > 0 && from < out.length && out[from] < out[from - 1]) sorted = false;
    }
    if (!sorted) out.sort((a, b) => a - b);
    let n = Math.min(out.length, 1);
    for (let i = 1; i < out.length; i++) if (out[i] !== out[n - 1]) out[n++] = out[i];
    out.length = n;
    return out;
  }
}

/**
 * The keys of `text`, each with the positions where it occurs: for spaced scripts, of every word
 * start (a letter after anything but an ASCII letter, or a non-ASCII letter after a non-letter),
 * at that start; for unspaced scripts, every character and pair, at its first character.
 */
export function textKeys(text: string): TextKeys {
  const into = new TextKeys();
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const kind = SCRIPT[c];
    if (kind === NONE) continue;
    if (kind === UNSPACED_LETTER) {
      const ch = text[i];
      into.add(ch, i);
      if (i + 1 < n && isUnspaced(text.charCodeAt(i + 1))) into.add(ch + text[i + 1], i);
      continue;
    }
    if (i > 0) {
      const p = text.charCodeAt(i - 1);
      if (c < 128 ? isAsciiLetter(p) : isSpacedLetter(p)) continue;
    }
    let key = fold(c);
    let ascii = c < 128;
    for (let j = i + 1; j < n && j < i + KEY_LENGTH; j++) {
      const d = text.charCodeAt(j);
      if (!isSpacedLetter(d)) break;
      // \b ends an ASCII word before a non-ASCII letter, so "aié" also holds the word "ai".
      if (d > 127 && ascii) into.add(key, i);
      ascii &&= d < 128;
      if (key.length === SHORT_KEY) into.add(key, i);
      key += fold(d);
    }
    into.add(key, i);
  }
  return into;
}

/** Keys of a run of spaced letters that starts a word: its first letters, in every accepted spelling. */
function runKeys(run: string, complete: boolean): string[] | null {
  // A run cut short by something the parser cannot follow ("dan[- ]?mode") still gives its first
  // SHORT_KEY letters, which the text holds for every word as well.
  const length = run.length >= KEY_LENGTH || complete ? KEY_LENGTH : run.length >= SHORT_KEY ? SHORT_KEY : 0;
  if (length === 0) return null;
  let variants = [''];
  for (const ch of run.slice(0, length)) {
    const options = [fold(ch.charCodeAt(0)), ...(SPELLINGS[ch.toLowerCase()] ?? [])];
    variants = variants.flatMap((v) => options.map((o) => v + o));
  }
  return [...new Set(variants.map((v) => v.slice(0, length)))];
}

// --- a parser for the regex subset used by rule packs ------------------------------------------

type Node =
  | { kind: 'chars'; text: string; min: number; max: number } // literal characters
  | { kind: 'set'; nonLetter: boolean; min: number; max: number } // class or escape matching one char
  | { kind: 'group'; alts: Node[][]; min: number; max: number }
  | { kind: 'boundary' } // \b, ^ and $: a letter next to it starts or ends a word
  | { kind: 'assert' }; // lookarounds, $, \B: zero-width, say nothing

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  alternatives(): Node[][] {
    const alts: Node[][] = [this.sequence()];
    while (this.s[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts;
  }

  private sequence(): Node[] {
    const seq: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      const node = this.atom();
      const q = this.quantifier();
      if (q && node.kind !== 'boundary' && node.kind !== 'assert') {
        if (node.kind === 'chars' && node.text.length > 1) {
          // A quantifier binds to the last character only.
          seq.push({ kind: 'chars', text: node.text.slice(0, -1), min: 1, max: 1 });
          seq.push({ kind: 'chars', text: node.text.slice(-1), min: q.min, max: q.max });
        } else seq.push({ ...node, min: q.min, max: q.max });
        continue;
      }
      const last = seq[seq.length - 1];
      if (node.kind === 'chars' && last?.kind === 'chars' && last.min === 1 && last.max === 1) last.text += node.text;
      else seq.push(node);
    }
    return seq;
  }

  private quantifier(): { min: number; max: number } | undefined {
    const s = this.s;
    let q: { min: number; max: number } | undefined;
    const c = s[this.i];
    if (c === '?') q = { min: 0, max: 1 };
    else if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (!m) return undefined;
      this.i += m[0].length - 1;
      q = { min: Number(m[1]), max: m[2] ? (m[3] ? Number(m[3]) : Infinity) : Number(m[1]) };
    }
    if (!q) return undefined;
    this.i++;
    if (s[this.i] === '?') this.i++; // lazy
    return q;
  }

  private atom(): Node {
    const s = this.s;
    for (const b of [WORD_BOUNDARY, WORD_START, WORD_END])
      if (s.startsWith(b, this.i)) {
        this.i += b.length;
        return { kind: 'boundary' };
      }
    const c = s[this.i++];
    if (c === '(') {
      let lookaround = false;
      if (s[this.i] === '?') {
        const kind = s[this.i + 1];
        if (kind === ':') this.i += 2;
        else if (kind === '=' || kind === '!') (this.i += 2), (lookaround = true);
        else if (kind === '<' && (s[this.i + 2] === '=' || s[this.i + 2] === '!')) (this.i += 3), (lookaround = true);
        else if (kind === '<') this.i = s.indexOf('>', this.i) + 1; // named group
      }
      const alts = this.alternatives();
      this.i++; // ')'
      return lookaround ? { kind: 'assert' } : { kind: 'group', alts, min: 1, max: 1 };
    }
    if (c === '[') {
      const start = this.i;
      while (this.i < s.length && s[this.i] !== ']') this.i += s[this.i] === '\\' ? 2 : 1;
      const body = s.slice(start, this.i++);
      // A few letters ("[sz]", "[说說]") are a choice between them.
      if (body.length <= 8 && [...body].every((ch) => isWordLetter(ch)))
        return { kind: 'group', alts: [...body].map((ch) => [{ kind: 'chars', text: ch, min: 1, max: 1 }]), min: 1, max: 1 };
      // A class says "not a letter" only when it lists no letters, ranges or letter escapes.
      const nonLetter = !body.startsWith('^') && ![...body.replace(/\\[^a-zA-Z]/g, '')].some((ch) => ch === '-' ? false : isWordLetter(ch) || ch === '\\');
      return { kind: 'set', nonLetter, min: 1, max: 1 };
    }
    if (c === '\\') {
      const e = s[this.i++];
      if (e === 'b' || e === 'B') return e === 'b' ? { kind: 'boundary' } : { kind: 'assert' };
      if (e === 'p' || e === 'P') {
        if (s[this.i] === '{') this.i = s.indexOf('}', this.i) + 1;
        return { kind: 'set', nonLetter: false, min: 1, max: 1 };
      }
      if (e === 'u' || e === 'x') {
        this.i += e === 'x' ? 2 : s[this.i] === '{' ? s.indexOf('}', this.i) + 1 - this.i : 4;
        return { kind: 'set', nonLetter: false, min: 1, max: 1 };
      }
      if (/[a-zA-Z0-9]/.test(e)) return { kind: 'set', nonLetter: e === 's' || e === 'd' || e === 'W', min: 1, max: 1 };
      return { kind: 'chars', text: e, min: 1, max: 1 };
    }
    if (c === '^') return { kind: 'boundary' };
    if (c === '$') return { kind: 'boundary' }; // nothing follows the end
    if (c === '.') return { kind: 'set', nonLetter: false, min: 1, max: 1 };
    return { kind: 'chars', text: c, min: 1, max: 1 };
  }
}

interface Walk {
  /** Key sets of the mandatory elements: a match holds a word of each set. Empty when none yields keys. */
  keys: string[][];
  /** Whether the character before the next element is guaranteed not to be a letter. */
  atWordStart: boolean;
}

// Words so frequent that keying a rule on them would wake it for almost every text.
const COMMON = new Set(
  'a an and any are as be da de del der des di die do du e el em en et for her i il in is it la le les m na no non nao now o of on or s se si t the this that thi tha to tu un una une und what with wha wit you your и в не на что это все вы ты ка'.split(
    ' ',
  ),
);
// One character of an unspaced script says less than two.
const cost = (keys: string[]) => keys.reduce((sum, k) => sum + (COMMON.has(k) ? 100 : k.length === 1 && isUnspaced(k.charCodeAt(0)) ? 3 : 1), 0);
const better = (a: string[] | null, b: string[] | null) => (b && (!a || cost(b) < cost(a)) ? b : a);
const bestOf = (sets: string[][]) => sets.reduce<string[] | null>(better, null);

/**
 * Keys of a literal: the best of its runs of spaced letters that start a word, and of its unspaced
 * characters (pairs, or a character that stands alone).
 */
function charsKeys(text: string, atWordStart: boolean, wordEndsAfter: boolean): string[] | null {
  let best: string[] | null = null;
  for (let k = 0; k < text.length; k++) {
    if (!isUnspaced(text.charCodeAt(k))) continue;
    const pair = k + 1 < text.length && isUnspaced(text.charCodeAt(k + 1));
    if (pair) best = better(best, [text.slice(k, k + 2)]);
    else if (k === 0 || !isUnspaced(text.charCodeAt(k - 1))) best = better(best, [text[k]]);
  }
  let i = 0;
  if (!atWordStart) while (i < text.length && isSpacedLetter(text.charCodeAt(i))) i++; // the tail of a word
  while (i < text.length) {
    while (i < text.length && !isSpacedLetter(text.charCodeAt(i))) i++;
    const start = i;
    while (i < text.length && isSpacedLetter(text.charCodeAt(i))) i++;
    if (i > start) best = better(best, runKeys(text.slice(start, i), i < text.length || wordEndsAfter));
  }
  return best;
}

/** Whether what follows node `j` is sure to begin with something other than a letter. */
function wordEndsAfter(seq: Node[], j: number, atEnd: boolean): boolean {
  let k = j + 1;
  while (k < seq.length && seq[k].kind === 'assert') k++;
  return k < seq.length ? startsWithNonLetter(seq[k]) : atEnd;
}

function startsWithNonLetter(node: Node): boolean {
  switch (node.kind) {
    case 'boundary':
      return true;
    case 'assert':
      return false;
    case 'chars':
      return node.min > 0 && !isSpacedLetter(node.text.charCodeAt(0));
    case 'set':
      return node.min > 0 && node.nonLetter;
    case 'group':
      return node.min > 0 && node.alts.every((alt) => wordEndsAfter(alt, -1, false));
  }
}

/** One key set for a choice: the union of each alternative's best set (null when one has none). */
function walkAlternatives(alts: Node[][], atWordStart: boolean, wordEnds: boolean): { keys: string[] | null; atWordStart: boolean } {
  let keys: string[] | null = [];
  let end = true;
  for (const seq of alts) {
    const w = walkSequence(seq, atWordStart, wordEnds);
    const best = bestOf(w.keys);
    keys = keys && best ? [...keys, ...best] : null;
    end &&= w.atWordStart;
  }
  return { keys: keys && [...new Set(keys)], atWordStart: end };
}

function walkSequence(seq: Node[], atWordStart: boolean, wordEnds: boolean): Walk {
  const required: string[][] = [];
  let at = atWordStart;
  for (let j = 0; j < seq.length; j++) {
    const node = seq[j];
    if (node.kind === 'boundary') {
      at = true;
      continue;
    }
    if (node.kind === 'assert') continue;
    let keys: string[] | null = null;
    let after: boolean;
    if (node.kind === 'chars') {
      keys = charsKeys(node.text, at, node.max === 1 && wordEndsAfter(seq, j, wordEnds));
      after = !isSpacedLetter(node.text.charCodeAt(node.text.length - 1));
    } else if (node.kind === 'set') after = node.nonLetter;
    else {
      const ends = node.max === 1 && wordEndsAfter(seq, j, wordEnds);
      const inner = walkAlternatives(node.alts, node.max > 1 ? false : at, ends);
      keys = inner.keys;
      after = node.max > 1 ? walkAlternatives(node.alts, false, false).atWordStart : inner.atWordStart;
    }
    if (node.min >= 1 && keys) required.push(keys);
    at = node.min === 0 ? at && after : after;
  }
  return { keys: required, atWordStart: at };
}

/**
 * Key sets such that every match of `source` contains, at word starts, a word with a key of each
 * set; null when the regex cannot be reduced to any such set.
 */
export function regexKeys(source: string): string[][] | null {
  try {
    const p = new Parser(source);
    const alts = p.alternatives();
    if (p.i < source.length) return null;
    if (alts.length > 1) {
      const one = walkAlternatives(alts, false, false).keys;
      return one && [one];
    }
    const sets = walkSequence(alts[0], false, false).keys;
    // The rarest sets first, so that a check fails early.
    return sets.length ? sets.sort((a, b) => cost(a) - cost(b)) : null;
  } catch {
    return null;
  }
}

/**
 * Keys of the word that every match of `source` begins with: a match can only start at a position
 * where textKeys puts one of them. Null when the parser cannot tell (the match may begin with a
 * class, an optional element, or a letter not known to start a word).
 */
export function startKeys(source: string): string[] | null {
  try {
    const p = new Parser(source);
    const alts = p.alternatives();
    if (p.i < source.length) return null;
    const keys = alternativesStart(alts, false, false);
    return keys && [...new Set(keys)];
  } catch {
    return null;
  }
}

function alternativesStart(alts: Node[][], atWordStart: boolean, wordEnds: boolean): string[] | null {
  const out: string[] = [];
  for (const seq of alts) {
    const keys = sequenceStart(seq, 0, atWordStart, wordEnds);
    if (!keys) return null;
    out.push(...keys);
  }
  return out;
}

const zeroWidth = (node: Node): boolean => node.kind === 'assert' || node.kind === 'boundary' || (node.kind === 'group' && node.alts.every((seq) => seq.every(zeroWidth)));

/** Start keys of a match of seq[from…]; an optional element adds the keys of what follows it. */
function sequenceStart(seq: Node[], from: number, atWordStart: boolean, wordEnds: boolean): string[] | null {
  let at = atWordStart;
  for (let j = from; j < seq.length; j++) {
    const node = seq[j];
    if (node.kind === 'boundary') {
      at = true;
      continue;
    }
    if (node.kind === 'assert' || zeroWidth(node)) continue; // lookarounds say nothing about where the match begins
    const taken = nodeStart(seq, j, at, wordEnds);
    if (node.min > 0 || !taken) return taken;
    const skipped = sequenceStart(seq, j + 1, at, wordEnds);
    return skipped && [...taken, ...skipped];
  }
  return null; // the match may be empty here: it may begin anywhere
}

/** Start keys of a match that begins with seq[j]. */
function nodeStart(seq: Node[], j: number, at: boolean, wordEnds: boolean): string[] | null {
  const node = seq[j];
  const ends = node.kind !== 'boundary' && node.kind !== 'assert' && node.max === 1 && wordEndsAfter(seq, j, wordEnds);
  if (node.kind === 'group') return alternativesStart(node.alts, at, ends);
  if (node.kind !== 'chars') return null;
  const first = node.text.charCodeAt(0);
  if (isUnspaced(first)) return [node.text.length > 1 && isUnspaced(node.text.charCodeAt(1)) ? node.text.slice(0, 2) : node.text[0]];
  if (!at || !isSpacedLetter(first)) return null;
  let end = 0;
  while (end < node.text.length && isSpacedLetter(node.text.charCodeAt(end))) end++;
  return runKeys(node.text.slice(0, end), end < node.text.length || ends);
}

/** Whether `keys` (of a text) meet every set of `required`. */
export function meets(required: readonly string[][], keys: { has(key: string): boolean }): boolean {
  for (const set of required) {
    let hit = false;
    for (const k of set)
      if (keys.has(k)) {
        hit = true;
        break;
      }
    if (!hit) return false;
  }
  return true;
}
