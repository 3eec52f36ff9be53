// Leetspeak folding ("1gn0r3 4ll pr3v10us") for a separate view, so entity detectors still see
// the literal text (a secret such as "AKIA3X..." must not be rewritten).
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '|': 'l' };

// What each ASCII unit is inside a word; every unit outside ASCII is OTHER.
const OTHER = 0;
const LETTER = 1;
const LEET_SUBSTITUTE = 2;
/** Punctuation around a word is not part of it ("(n0w!)"); inside a word it counts as OTHER. */
const EDGE = 3;
const ROLE = new Uint8Array(128);
for (let c = 65; c <= 90; c++) ROLE[c] = ROLE[c + 32] = LETTER;
for (const k of Object.keys(LEET)) ROLE[k.charCodeAt(0)] = LEET_SUBSTITUTE;
for (const c of '!"\'(),.:;?') ROLE[c.charCodeAt(0)] = EDGE;
const roleOf = (c: number) => (c < 128 ? ROLE[c] : OTHER);
/** Leet substitute code unit → the letter it stands for. */
const LEET_LETTER: Array<string | undefined> = new Array(128);
for (const [k, v] of Object.entries(LEET)) LEET_LETTER[k.charCodeAt(0)] = v;

/** Any leet substitute; global, so that `test` moves `lastIndex` past it. */
const SUBSTITUTE = new RegExp(`[${Object.keys(LEET).join('').replace(/[\\\]^-]/g, '\\$&')}]`, 'g');

/**
 * Folds words that mix letters with leet substitutes into letters; undefined when nothing
 * changed. Length-preserving, so offsets are shared with the input.
 *
 * Only words with a substitute in them can fold, and most text has few or none: a regular
 * expression finds them faster than reading every unit here.
 */
export function foldLeet(text: string): string | undefined {
  let out: string | undefined; // the folded text up to `copied`, once a word was folded
  let copied = 0;
  SUBSTITUTE.lastIndex = 0;
  while (SUBSTITUTE.test(text)) {
    const at = SUBSTITUTE.lastIndex - 1;
    const start = text.lastIndexOf(' ', at) + 1;
    const space = text.indexOf(' ', at);
    const end = space < 0 ? text.length : space;
    if (isLeetWord(text, start, end)) {
      // Edge punctuation has no substitute, so folding the whole word folds its core.
      out = (out ?? '') + text.slice(copied, start) + foldWord(text, start, end);
      copied = end;
    }
    SUBSTITUTE.lastIndex = end;
  }
  return out === undefined ? undefined : out + text.slice(copied);
}

/**
 * Whether the word text[start, end), without its edge punctuation, has at least 3 units, at least
 * one substitute, at least two letters, no fewer letters than substitutes, and nothing else.
 */
function isLeetWord(text: string, start: number, end: number): boolean {
  while (start < end && roleOf(text.charCodeAt(start)) === EDGE) start++;
  while (end > start && roleOf(text.charCodeAt(end - 1)) === EDGE) end--;
  if (end - start < 3) return false;
  let letters = 0;
  let leet = 0;
  for (let i = start; i < end; i++) {
    const role = roleOf(text.charCodeAt(i));
    if (role === LETTER) letters++;
    else if (role === LEET_SUBSTITUTE) leet++;
    else return false;
  }
  return leet > 0 && letters >= 2 && letters >= leet;
}

/** text[start, end) with every leet substitute replaced by its letter. */
function foldWord(text: string, start: number, end: number): string {
  let out = '';
  let copied = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const letter = c < 128 ? LEET_LETTER[c] : undefined;
    if (letter === undefined) continue;
    out += text.slice(copied, i) + letter;
    copied = i + 1;
  }
  return out + text.slice(copied, end);
}
