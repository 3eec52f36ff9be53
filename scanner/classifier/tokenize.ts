// Tokenisation shared by the featuriser and the lexicon.

export interface Token {
  /** UTF-16 offsets in the text that was tokenised. */
  start: number;
  end: number;
  /** Lower-cased token text. */
  text: string;
}

// Scripts written without spaces between words: each character is a token, and word bigrams then
// act as character bigrams, which is how such text is usually featurised.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** Tokens of the lower-cased text, with their offsets. */
export function tokenize(text: string): Token[] {
  const lower = text.toLowerCase();
  // toLowerCase can change the length (İ → i̇); offsets must refer to the caller's text.
  const src = lower.length === text.length ? lower : text;
  const tokens: Token[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0) {
      const t = src.slice(start, end);
      tokens.push({ start, end, text: src === lower ? t : t.toLowerCase() });
      start = -1;
    }
  };
  for (let i = 0; i < src.length; ) {
    const c = src.charCodeAt(i);
    if (c < 0x80) {
      const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
      if (word) {
        if (start < 0) start = i;
      } else flush(i);
      i++;
      continue;
    }
    const cp = src.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const ch = src.slice(i, i + len);
    if (UNSPACED.test(ch)) {
      flush(i);
      tokens.push({ start: i, end: i + len, text: ch });
    } else if (WORD_CHAR.test(ch)) {
      if (start < 0) start = i;
    } else flush(i);
    i += len;
  }
  flush(src.length);
  return tokens;
}

