// A prefilter for many regular expressions over one text. Running ~150 rule regexes over every view
// costs more than the whole scan budget, while most rules cannot match because a word they need is
// absent. Each regex gets a set of "word keys" (the first three letters, lower-cased and without
// accents, of a word every match must contain at a word start); the text gets the keys of all its
// words; a regex only runs when the two sets meet.
//
// Keys are derived from the regex source by a small parser that understands the subset of syntax
// rule packs use. When in doubt it returns no keys (the regex always runs), so the prefilter can
// only make scanning faster, never change a result.

const KEY_LENGTH = 3;

/** Letters as far as keys are concerned: ASCII and Latin-1/Latin Extended-A/B letters. */
function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7);
}
const isAsciiLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** Lower-case letter without its accent; ß and æ-like letters keep one representative letter. */
const FOLD = new Map<number, string>();
for (let c = 0xc0; c <= 0x24f; c++) {
  if (!isLetter(c)) continue;
  const base = String.fromCharCode(c).toLowerCase().normalize('NFD')[0];
  FOLD.set(c, base === 'ß' ? 's' : base);
}
function fold(c: number): string {
  if (c >= 65 && c <= 90) return String.fromCharCode(c + 32);
  if (c < 128) return String.fromCharCode(c);
  return FOLD.get(c) ?? String.fromCharCode(c);
}
/** Spellings that rule patterns accept for a letter (see optionalAccents in rules.ts). */
const SPELLINGS: Record<string, string[]> = { ä: ['ae'], ö: ['oe'], ü: ['ue'], ß: ['ss'] };

/** The keys of every word start in `text`: positions after anything but an ASCII letter. */
export function textKeys(text: string): Set<string> {
  const into = new Set<string>();
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!isLetter(c) || (i > 0 && isAsciiLetter(text.charCodeAt(i - 1)))) continue;
    let key = fold(c);
    let ascii = c < 128;
    for (let j = i + 1; j < n && j < i + KEY_LENGTH; j++) {
      const d = text.charCodeAt(j);
      if (!isLetter(d)) break;
      // \b ends an ASCII word before an accented letter, so "aié" also holds the word "ai".
      if (d > 127 && ascii) into.add(key);
      ascii &&= d < 128;
      key += fold(d);
    }
    into.add(key);
  }
  return into;
}

/** Keys of a run of letters that starts a word: its first letters, in every accepted spelling. */
function runKeys(run: string, complete: boolean): string[] | null {
  if (run.length < KEY_LENGTH && !complete) return null;
  let variants = [''];
  for (const ch of run.slice(0, KEY_LENGTH)) {
    const options = [fold(ch.charCodeAt(0)), ...(SPELLINGS[ch.toLowerCase()] ?? [])];
    variants = variants.flatMap((v) => options.map((o) => v + o));
  }
  return [...new Set(variants.map((v) => v.slice(0, KEY_LENGTH)))];
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
      // A class says "not a letter" only when it lists no letters, ranges or letter escapes.
      const nonLetter = !body.startsWith('^') && ![...body.replace(/\\[^a-zA-Z]/g, '')].some((ch) => ch === '-' ? false : isLetter(ch.charCodeAt(0)) || ch === '\\');
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
  'a an and any are as be da de del der des di die do du e el em en et for her i il in is it la le les m na no non nao now o of on or s se si t the thi tha to tu un una une und wha wit you'.split(' '),
);
const cost = (keys: string[]) => keys.reduce((sum, k) => sum + (COMMON.has(k) ? 100 : 1), 0);
const better = (a: string[] | null, b: string[] | null) => (b && (!a || cost(b) < cost(a)) ? b : a);
const bestOf = (sets: string[][]) => sets.reduce<string[] | null>(better, null);

/** Keys of a literal: the best of its runs of letters that start a word. */
function charsKeys(text: string, atWordStart: boolean, wordEndsAfter: boolean): string[] | null {
  let best: string[] | null = null;
  let i = 0;
  if (!atWordStart) while (i < text.length && isLetter(text.charCodeAt(i))) i++; // the tail of a word
  while (i < text.length) {
    while (i < text.length && !isLetter(text.charCodeAt(i))) i++;
    const start = i;
    while (i < text.length && isLetter(text.charCodeAt(i))) i++;
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
      return node.min > 0 && !isLetter(node.text.charCodeAt(0));
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
      after = !isLetter(node.text.charCodeAt(node.text.length - 1));
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

/** Whether `keys` (of a text) meet every set of `required`. */
export function meets(required: readonly string[][], keys: ReadonlySet<string>): boolean {
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
