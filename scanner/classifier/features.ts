// Feature extraction shared by training and serving. Whatever the trainer sees, the server sees:
// both call `featurise` on the normaliser's text, so a change here changes both sides at once (and
// the artefact test notices, because the committed sample scores stop matching).
//
//   text ──► lower-case ──► tokens (letter/digit runs; CJK and Thai-like scripts one char per token)
//        ──► windows of `windowTokens` tokens, overlapping by half
//        ──► per window: hashed word unigrams, word bigrams, char n-grams of "<word>",
//            and cross-lingual concept ids (lexicon.ts) with their bigrams
//        ──► sorted bucket ids with L2-normalised counts
//
// The L2 normalisation makes a window's vector independent of its length, so a long text is not
// "more attack" for having more words; windows plus max-over-windows let a short injection inside
// a long document stand out instead of being averaged away.
import { concepts } from './lexicon.js';
import { tokenize } from './tokenize.js';

export { tokenize, type Token } from './tokenize.js';

export interface FeatureConfig {
  /** log2 of the number of hash buckets (rows of the embedding table). */
  bucketBits: number;
  /** Tokens per window; texts with more tokens are scored window by window. */
  windowTokens: number;
  /** Tokens between window starts (windowTokens / 2 gives 50% overlap). */
  windowStride: number;
  /** Character n-gram lengths over "<word>", inclusive. 0 disables them. */
  charMin: number;
  charMax: number;
  /** Words longer than this contribute only their whole-word feature (base64 blobs, hashes). */
  maxCharNgramWord: number;
  wordBigrams: boolean;
  /** Map words of many languages to shared concept ids (lexicon.ts). */
  concepts: boolean;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  bucketBits: 18,
  windowTokens: 32,
  windowStride: 16,
  charMin: 3,
  charMax: 5,
  maxCharNgramWord: 24,
  wordBigrams: true,
  concepts: true,
};

export interface WindowFeatures {
  /** Half-open span of the window in the featurised text. */
  start: number;
  end: number;
  /** Bucket ids, ascending and distinct. */
  ids: Int32Array;
  /** L2-normalised counts, aligned with ids. */
  weights: Float32Array;
}

// FNV-1a over UTF-16 code units, then a murmur3 finaliser so that low bits are well mixed.
function fnv(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const pair = (a: number, b: number, seed: number) => fmix((Math.imul(a, 0x9e3779b1) + b + seed) | 0);

// One seed per feature family, so that the word "ab" and the char n-gram "ab" differ.
const SEED_WORD = 0x1001;
const SEED_CHAR = 0x2002;
const SEED_BIGRAM = 0x3003;
const SEED_CONCEPT = 0x4004;
const SEED_CONCEPT_BIGRAM = 0x5005;
const SEED_BIAS = 0x6006;

interface TokenFeatures {
  word: number;
  chars: number[];
  concept: number;
}

function tokenFeatures(t: string, concept: string | undefined, cfg: FeatureConfig): TokenFeatures {
  const word = fnv(t, SEED_WORD);
  const chars: number[] = [];
  if (cfg.charMax > 0 && t.length <= cfg.maxCharNgramWord) {
    // FNV-1a of every n-gram of "<t>", extended one character at a time from each start: the
    // same values as hashing each substring, without building them. The whole "<t>" is skipped
    // (it is the word feature already).
    const len = t.length + 2;
    const at = (i: number) => (i === 0 ? 60 : i === len - 1 ? 62 : t.charCodeAt(i - 1)); // '<' … '>'
    const h0 = (0x811c9dc5 ^ SEED_CHAR) >>> 0;
    for (let i = 0; i + cfg.charMin <= len; i++) {
      let h = h0;
      for (let n = 1; n <= cfg.charMax && i + n <= len; n++) {
        h = Math.imul(h ^ at(i + n - 1), 0x01000193);
        if (n >= cfg.charMin && n < len) chars.push(h >>> 0);
      }
    }
  }
  return { word, chars, concept: concept === undefined ? 0 : fnv(concept, SEED_CONCEPT) || 1 };
}

/** Bucket ids of one window of tokens [from, to), with repeats, in no particular order. */
function windowIds(tf: TokenFeatures[], from: number, to: number, cfg: FeatureConfig, out: number[]): void {
  const mask = (1 << cfg.bucketBits) - 1;
  const add = (h: number) => out.push(fmix(h) & mask);
  // A constant feature: gives every window, even an empty one, a non-zero vector.
  add(SEED_BIAS);
  let prevConcept = 0;
  for (let i = from; i < to; i++) {
    const f = tf[i];
    add(f.word);
    for (const c of f.chars) add(c);
    if (cfg.wordBigrams && i > from) add(pair(tf[i - 1].word, f.word, SEED_BIGRAM));
    if (f.concept !== 0) {
      add(f.concept);
      // Concept bigrams skip the words in between that are not in the lexicon ("ignore all the
      // previous instructions" → ignore·previous, previous·instruction), which also bridges the
      // different word orders of other languages.
      if (prevConcept !== 0) add(pair(prevConcept, f.concept, SEED_CONCEPT_BIGRAM));
      prevConcept = f.concept;
    }
  }
}

/** Sorted distinct ids with their L2-normalised counts. */
function toVector(raw: number[], start: number, end: number): WindowFeatures {
  const sorted = Int32Array.from(raw).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const ids = new Int32Array(distinct);
  const counts = new Float64Array(distinct);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) ids[++k] = sorted[i];
    counts[k]++;
  }
  let norm = 0;
  for (let i = 0; i < distinct; i++) norm += counts[i] * counts[i];
  norm = Math.sqrt(norm);
  const weights = new Float32Array(distinct);
  for (let i = 0; i < distinct; i++) weights[i] = counts[i] / norm;
  return { start, end, ids, weights };
}

/** Start indices of the windows over n tokens: overlapping by (size - stride), the last one flush with the end. */
export function windowStarts(n: number, size: number, stride: number): number[] {
  if (n <= size) return [0];
  const starts: number[] = [];
  for (let s = 0; s + size < n; s += stride) starts.push(s);
  starts.push(n - size);
  return starts;
}

/** Features of every window of the text (at least one, even for an empty text). */
export function featurise(text: string, cfg: FeatureConfig): WindowFeatures[] {
  const tokens = tokenize(text);
  const texts = tokens.map((t) => t.text);
  const cs = cfg.concepts ? concepts(texts) : [];
  const tf = texts.map((t, i) => tokenFeatures(t, cs[i], cfg));
  const out: WindowFeatures[] = [];
  for (const s of windowStarts(tokens.length, cfg.windowTokens, cfg.windowStride)) {
    const e = Math.min(tokens.length, s + cfg.windowTokens);
    const raw: number[] = [];
    windowIds(tf, s, e, cfg, raw);
    out.push(toVector(raw, e > s ? tokens[s].start : 0, e > s ? tokens[e - 1].end : 0));
  }
  return out;
}
