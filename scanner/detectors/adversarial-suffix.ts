// Optimised adversarial suffixes (GCG, Zou et al. 2023): a plain request followed by a couple of
// dozen tokens found by gradient search — word pieces from several languages glued to quotes,
// brackets and symbols ("…demean them alto\", asks \"..._\"ependant …StringBuilder(@\" Here"). They
// carry no instruction language, so neither the rules nor the n-gram model see them.
//
// What no benign prompt has: it opens as prose, it is short, and its tail mixes letters with
// symbol clusters while its brackets and quotes do not pair up. Code and JSON have the symbols but
// pair their brackets (and a cut-off snippet still looks like code: the veto below); prose has
// neither.
import type { Detector, ViewFinding } from './types.js';

const MAX_TOKENS = 150; // a request plus a suffix; longer texts are documents or code
const HEAD = 4; // words of plain prose the text must open with
const TAIL = 30; // tokens at the end where the suffix sits
const MIN_ODD = 3; // tail tokens that mix symbols with letters (or two kinds of symbol)
const END = 8; // the suffix ends the text: one of its odd tokens is among the last few
const MIN_UNPAIRED = 2; // brackets and quotes in the whole text that do not pair up
const SCORE = 0.8;

const PLAIN_WORD = /^[A-Za-z][a-z]*(?:['’-][a-z]+)*[,.]?$/;
// Assignments and definitions: code pairs its brackets too, but a snippet cut short does not.
const CODE = / ={1,3} |\b(?:def|function) [\w$]*\(|\b(?:const|let|var) [\w$]+ ?=/;

// Symbols that glue GCG's word pieces together; sentence punctuation (.,:!?-') is not among them.
const SYMBOL = new Uint8Array(128);
for (const c of '(){}[]<>"\\@;=_+|^~$#*`') SYMBOL[c.charCodeAt(0)] = 1;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;

/**
 * A token that mixes symbols with letters, is a cluster of two or more kinds of symbol, or glues
 * two words without a space ("similarlyNow", "githubINST": a lower-case letter then a capital).
 */
function isOdd(token: string): boolean {
  let letters = 0;
  let first = -1;
  let kinds = 0;
  let glued = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 128 && SYMBOL[c]) {
      if (first === -1) (first = c), (kinds = 1);
      else if (c !== first) kinds = 2;
    } else if (isLetter(c)) {
      if (c <= 90 && c >= 65 && letters > 1) {
        const p = token.charCodeAt(i - 1);
        if (p >= 97 && p <= 122) glued = true;
      }
      letters++;
    }
  }
  return glued || (kinds > 0 && (letters > 0 || kinds > 1));
}

/**
 * Brackets that close the wrong kind, close nothing or stay open, plus an odd number of double
 * quotes. A closer right after a digit, a lone letter or a colon ("1)", "a)", ":)") is a list
 * marker or a smiley, not an error.
 */
export function unpaired(text: string): number {
  const stack: number[] = [];
  let errors = 0;
  let quotes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quotes++;
    else if (c === 40) stack.push(41);
    else if (c === 91) stack.push(93);
    else if (c === 123) stack.push(125);
    else if (c === 41 || c === 93 || c === 125) {
      if (stack.length === 0) {
        const p = text.charCodeAt(i - 1);
        const listMarker = (p >= 48 && p <= 57) || p === 58 || p === 59 || (isLetter(p) && !isLetter(text.charCodeAt(i - 2)));
        if (!listMarker) errors++;
      } else if (stack.pop() !== c) errors++;
    }
  }
  return errors + stack.length + (quotes & 1);
}

export const adversarialSuffixDetector: Detector = {
  name: 'adversarial-suffix',
  categories: ['jailbreak'],
  views: ['text'],
  detect(input) {
    const view = input.views[0];
    const text = view.text;
    const tokens = text.split(' ', MAX_TOKENS + 1);
    if (tokens.length < HEAD + MIN_ODD || tokens.length > MAX_TOKENS) return [];
    for (let i = 0; i < HEAD; i++) if (!PLAIN_WORD.test(tokens[i])) return [];
    let odd = 0;
    let oddAtEnd = false;
    let tailStart = text.length;
    for (let i = tokens.length - 1, end = text.length; i >= Math.max(HEAD, tokens.length - TAIL); i--) {
      if (isOdd(tokens[i])) {
        odd++;
        if (i >= tokens.length - END) oddAtEnd = true;
      }
      tailStart = end - tokens[i].length;
      end = tailStart - 1;
    }
    if (odd < MIN_ODD || !oddAtEnd || unpaired(text) < MIN_UNPAIRED || CODE.test(text)) return [];
    const finding: ViewFinding = {
      detector: 'adversarial-suffix',
      category: 'jailbreak',
      score: SCORE,
      spans: [{ start: tailStart, end: text.length }],
      message: `prose followed by ${odd} symbol-glued tokens with unpaired brackets or quotes (optimised adversarial suffix)`,
      rule: 'gcg_suffix',
      view: 0,
    };
    return [finding];
  },
};
