// Leetspeak folding ("1gn0r3 4ll pr3v10us") for a separate view, so entity detectors still see
// the literal text (a secret such as "AKIA3X..." must not be rewritten).
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '|': 'l' };
const LEET_CODES = new Map(Object.entries(LEET).map(([k, v]) => [k.charCodeAt(0), v]));

const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
// Punctuation around a word is not part of it ("(n0w!)").
const isEdgePunct = (c: number) => c === 33 || c === 34 || c === 39 || c === 40 || c === 41 || c === 44 || c === 46 || c === 58 || c === 59 || c === 63;

/**
 * Folds words that mix letters with leet substitutes into letters; undefined when nothing
 * changed. Length-preserving, so offsets are shared with the input.
 */
export function foldLeet(text: string): string | undefined {
  let chars: string[] | undefined;
  const n = text.length;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    if (i < n && text.charCodeAt(i) !== 32) continue;
    let s = start;
    let e = i;
    while (s < e && isEdgePunct(text.charCodeAt(s))) s++;
    while (e > s && isEdgePunct(text.charCodeAt(e - 1))) e--;
    if (e - s >= 3) {
      let letters = 0;
      let leet = 0;
      let other = 0;
      for (let j = s; j < e; j++) {
        const c = text.charCodeAt(j);
        if (isAsciiLetter(c)) letters++;
        else if (LEET_CODES.has(c)) leet++;
        else other++;
      }
      if (leet > 0 && letters >= 2 && letters >= leet && other === 0) {
        chars ??= text.split(''); // UTF-16 units, so indices match offsets
        for (let j = s; j < e; j++) chars[j] = LEET_CODES.get(text.charCodeAt(j)) ?? chars[j];
      }
    }
    start = i + 1;
  }
  return chars?.join('');
}
