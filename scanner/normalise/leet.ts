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
/** Leet substitute code unit → the letter it stands for. */
const LEET_LETTER: Array<string | undefined> = new Array(128);
for (const [k, v] of Object.entries(LEET)) LEET_LETTER[k.charCodeAt(0)] = v;

/**
 * Folds words that mix letters with leet substitutes into letters; undefined when nothing
 * changed. Length-preserving, so offsets are shared with the input.
 *
 * A word (between spaces) without its edge punctuation is folded when it has at least 3 units, at
 * least one substitute, at least two letters, no fewer letters than substitutes, and nothing else.
 * One pass counts each word: punctuation at its start is skipped, and punctuation after its first
 * letter or substitute is held back and only counted as OTHER once something else follows it.
 */
export function foldLeet(text: string): string | undefined {
  let out: string | undefined; // the folded text up to `copied`, once a word was folded
  let copied = 0;
  const n = text.length;
  let coreStart = -1; // first unit of the word that is not edge punctuation, -1 before it
  let coreEnd = 0;
  let letters = 0;
  let leet = 0;
  let other = 0;
  let heldEdge = 0; // edge punctuation after the core so far: trailing unless more follows
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    if (c !== 32) {
      const role = c < 128 ? ROLE[c] : OTHER;
      if (role === EDGE) {
        if (coreStart >= 0) heldEdge++;
        continue;
      }
      if (coreStart < 0) coreStart = i;
      other += heldEdge;
      heldEdge = 0;
      if (role === LETTER) letters++;
      else if (role === LEET_SUBSTITUTE) leet++;
      else other++;
      coreEnd = i + 1;
      continue;
    }
    if (coreStart >= 0 && coreEnd - coreStart >= 3 && leet > 0 && letters >= 2 && letters >= leet && other === 0) {
      out = (out ?? '') + text.slice(copied, coreStart) + foldWord(text, coreStart, coreEnd);
      copied = coreEnd;
    }
    coreStart = -1;
    letters = leet = other = heldEdge = 0;
  }
  return out === undefined ? undefined : out + text.slice(copied);
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
