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
  /** Hash of the word, for the bigrams. */
  word: number;
  /** Hash of the token's concept id, 0 when it has none. */
  concept: number;
  /** Bucket ids the token adds to every window it is in: word, char n-grams, concept. */
  own: Int32Array;
  /** Bucket id of the bigram (previous word, this word); added when both are in the window. */
  bigram: number;
}

const bucket = (h: number, mask: number) => fmix(h) & mask;

function tokenFeatures(t: string, concept: string | undefined, prevWord: number | undefined, cfg: FeatureConfig): TokenFeatures {
  const mask = (1 << cfg.bucketBits) - 1;
  const word = fnv(t, SEED_WORD);
  const conceptHash = concept === undefined ? 0 : fnv(concept, SEED_CONCEPT) || 1;
  const own: number[] = [bucket(word, mask)];
  if (cfg.charMax > 0 && t.length <= cfg.maxCharNgramWord) {
    // FNV-1a of every n-gram of "<t>", extended one character at a time from each start: the
    // same values as hashing each substring, without building them. The whole "<t>" is skipped
    // (it is the word feature already).
    const len = t.length + 2;
    const h0 = (0x811c9dc5 ^ SEED_CHAR) >>> 0;
    for (let i = 0; i + cfg.charMin <= len; i++) {
      let h = h0;
      for (let n = 1; n <= cfg.charMax && i + n <= len; n++) {
        const k = i + n - 1;
        h = Math.imul(h ^ (k === 0 ? 60 : k === len - 1 ? 62 : t.charCodeAt(k - 1)), 0x01000193); // '<' … '>'
        if (n >= cfg.charMin && n < len) own.push(bucket(h >>> 0, mask));
      }
    }
  }
  if (conceptHash !== 0) own.push(bucket(conceptHash, mask));
  const bigram = cfg.wordBigrams && prevWord !== undefined ? bucket(pair(prevWord, word, SEED_BIGRAM), mask) : -1;
  return { word, concept: conceptHash, own: Int32Array.from(own), bigram };
}

/** Per-bucket counts while one window is turned into a vector; all zero between windows. */
let scratch = new Uint16Array(0);

/**
 * The vector of one window of tokens [from, to): its distinct bucket ids, ascending, with their
 * L2-normalised counts. Counting in a dense scratch table and sorting only the distinct ids is
 * what makes this cheap enough for every scan.
 */
function windowVector(tf: TokenFeatures[], from: number, to: number, cfg: FeatureConfig, start: number, end: number): WindowFeatures {
  const mask = (1 << cfg.bucketBits) - 1;
  if (scratch.length !== mask + 1) scratch = new Uint16Array(mask + 1);
  const counts = scratch;
  const distinct: number[] = [];
  const add = (id: number) => {
    if (counts[id]++ === 0) distinct.push(id);
  };
  // A constant feature: gives every window, even an empty one, a non-zero vector.
  add(bucket(SEED_BIAS, mask));
  let prevConcept = 0;
  for (let i = from; i < to; i++) {
    const f = tf[i];
    for (let j = 0; j < f.own.length; j++) add(f.own[j]);
    if (i > from && f.bigram >= 0) add(f.bigram);
    if (f.concept !== 0) {
      // Concept bigrams skip the words in between that are not in the lexicon ("ignore all the
      // previous instructions" → ignore·previous, previous·instruction), which also bridges the
      // different word orders of other languages.
      if (prevConcept !== 0) add(bucket(pair(prevConcept, f.concept, SEED_CONCEPT_BIGRAM), mask));
      prevConcept = f.concept;
    }
  }
  const ids = Int32Array.from(distinct).sort();
  let norm = 0;
  for (let i = 0; i < ids.length; i++) norm += counts[ids[i]] * counts[ids[i]];
  norm = Math.sqrt(norm);
  const weights = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    weights[i] = counts[ids[i]] / norm;
    counts[ids[i]] = 0;
  }
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
  const tf: TokenFeatures[] = [];
  for (let i = 0; i < texts.length; i++) tf.push(tokenFeatures(texts[i], cs[i], i > 0 ? tf[i - 1].word : undefined, cfg));
  const out: WindowFeatures[] = [];
  for (const s of windowStarts(tokens.length, cfg.windowTokens, cfg.windowStride)) {
    const e = Math.min(tokens.length, s + cfg.windowTokens);
    out.push(windowVector(tf, s, e, cfg, e > s ? tokens[s].start : 0, e > s ? tokens[e - 1].end : 0));
  }
  return out;
}
