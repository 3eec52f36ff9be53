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

/** `a` itself when it holds `min` entries, else a copy of it at least twice as long: scratch arrays reused from text to text. */
function atLeast(a: Int32Array<ArrayBuffer>, min: number): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const grown = new Int32Array(Math.max(min, a.length * 2));
  grown.set(a);
  return grown;
}

/**
 * Per-token features of one text, in flat typed arrays reused from text to text (a scan allocates
 * nothing per token): token i adds own[ownStart[i] .. ownStart[i + 1]) — its word, char n-gram and
 * concept bucket ids — to every window it is in, and bigram[i] (previous word, this word) when the
 * previous token is in the window too.
 */
class TokenTable {
  /** Hash of each token's word, for the bigrams. */
  word = new Int32Array(256);
  /** Hash of each token's concept id, 0 when it has none. */
  concept = new Int32Array(256);
  bigram = new Int32Array(256);
  ownStart = new Int32Array(257);
  own = new Int32Array(4096);
  n = 0;

  reset(tokens: number): void {
    this.word = atLeast(this.word, tokens);
    this.concept = atLeast(this.concept, tokens);
    this.bigram = atLeast(this.bigram, tokens);
    this.ownStart = atLeast(this.ownStart, tokens + 1);
    this.n = 0;
    this.ownStart[0] = 0;
  }

  push(id: number): void {
    const at = this.ownStart[this.n + 1]++;
    this.own = atLeast(this.own, at + 1);
    this.own[at] = id;
  }

  add(t: string, concept: string | undefined, cfg: FeatureConfig): void {
    const mask = (1 << cfg.bucketBits) - 1;
    const i = this.n;
    const word = fnv(t, SEED_WORD);
    const conceptHash = concept === undefined ? 0 : fnv(concept, SEED_CONCEPT) || 1;
    this.ownStart[i + 1] = this.ownStart[i];
    this.push(bucket(word, mask));
    if (cfg.charMax > 0 && t.length <= cfg.maxCharNgramWord) {
      // FNV-1a of every n-gram of "<t>", extended one character at a time from each start: the
      // same values as hashing each substring, without building them. The whole "<t>" is skipped
      // (it is the word feature already).
      const len = t.length + 2;
      const h0 = (0x811c9dc5 ^ SEED_CHAR) >>> 0;
      for (let s = 0; s + cfg.charMin <= len; s++) {
        let h = h0;
        for (let n = 1; n <= cfg.charMax && s + n <= len; n++) {
          const k = s + n - 1;
          h = Math.imul(h ^ (k === 0 ? 60 : k === len - 1 ? 62 : t.charCodeAt(k - 1)), 0x01000193); // '<' … '>'
          if (n >= cfg.charMin && n < len) this.push(bucket(h >>> 0, mask));
        }
      }
    }
    if (conceptHash !== 0) this.push(bucket(conceptHash, mask));
    this.word[i] = word;
    this.concept[i] = conceptHash;
    this.bigram[i] = cfg.wordBigrams && i > 0 ? bucket(pair(this.word[i - 1] >>> 0, word, SEED_BIGRAM), mask) : -1;
    this.n++;
  }
}

const bucket = (h: number, mask: number) => fmix(h) & mask;

const table = new TokenTable();

let radixTmp = new Int32Array(1024);
const RADIX_BITS = 9;
const RADIX_MASK = (1 << RADIX_BITS) - 1;
const radixCounts = new Int32Array(1 << RADIX_BITS);
/**
 * Orders the first n slots so that their keys (non-negative, below 2^bits) ascend: an LSD radix
 * sort in passes of 9 bits, several times faster than TypedArray.prototype.sort on the few hundred
 * ids of a window, and it carries each id's slot (and so its count) along.
 */
function sortSlotsByKey(slots: Int32Array, n: number, keys: Int32Array, bits: number): void {
  radixTmp = atLeast(radixTmp, n);
  let from: Int32Array = slots;
  let to: Int32Array = radixTmp;
  for (let shift = 0; shift < bits; shift += RADIX_BITS) {
    radixCounts.fill(0);
    for (let i = 0; i < n; i++) radixCounts[(keys[from[i]] >>> shift) & RADIX_MASK]++;
    let sum = 0;
    for (let b = 0; b < radixCounts.length; b++) {
      const c = radixCounts[b];
      radixCounts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) to[radixCounts[(keys[from[i]] >>> shift) & RADIX_MASK]++] = from[i];
    [from, to] = [to, from];
  }
  if (from !== slots) slots.set(from.subarray(0, n));
}

/**
 * Counts of the bucket ids of the window being built: a small open-addressing table (ids are
 * fmix outputs, so their low bits index it well) that stays in the CPU cache, cleared through
 * the list of slots used.
 */
class WindowCounts {
  private keys = new Int32Array(2048).fill(-1);
  private counts = new Uint16Array(2048);
  /** Slots in use, in order of first appearance. */
  private used = new Int32Array(1024);
  size = 0;

  /** Makes room for `most` distinct ids at a load factor of at most 1/2. */
  reserve(most: number): void {
    this.used = atLeast(this.used, most);
    if (this.keys.length < 2 * most) {
      let cap = this.keys.length;
      while (cap < 2 * most) cap *= 2;
      this.keys = new Int32Array(cap).fill(-1);
      this.counts = new Uint16Array(cap);
    }
  }

  add(id: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let slot = id & mask;
    for (;;) {
      const k = keys[slot];
      if (k === id) {
        this.counts[slot]++;
        return;
      }
      if (k === -1) {
        keys[slot] = id;
        this.counts[slot] = 1;
        this.used[this.size++] = slot;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The window [start, end): its ids ascending with their L2-normalised counts; leaves the table empty. */
  take(bits: number, start: number, end: number): WindowFeatures {
    const n = this.size;
    const { keys, counts, used } = this;
    sortSlotsByKey(used, n, keys, bits);
    let norm = 0;
    for (let i = 0; i < n; i++) norm += counts[used[i]] * counts[used[i]];
    norm = Math.sqrt(norm);
    const ids = new Int32Array(n);
    const weights = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const slot = used[i];
      ids[i] = keys[slot];
      weights[i] = counts[slot] / norm;
      keys[slot] = -1;
    }
    this.size = 0;
    return { start, end, ids, weights };
  }
}

const counts = new WindowCounts();

/**
 * The vector of one window of tokens [from, to): its distinct bucket ids, ascending, with their
 * L2-normalised counts.
 */
function windowVector(tf: TokenTable, from: number, to: number, cfg: FeatureConfig, start: number, end: number): WindowFeatures {
  const mask = (1 << cfg.bucketBits) - 1;
  // Every id the window can add: its tokens' own ids, a bigram and a concept bigram per token, the bias.
  counts.reserve(tf.ownStart[to] - tf.ownStart[from] + 2 * (to - from) + 1);
  // A constant feature: gives every window, even an empty one, a non-zero vector.
  counts.add(bucket(SEED_BIAS, mask));
  let prevConcept = 0;
  const own = tf.own;
  for (let i = from; i < to; i++) {
    for (let j = tf.ownStart[i], e = tf.ownStart[i + 1]; j < e; j++) counts.add(own[j]);
    const bigram = tf.bigram[i];
    if (i > from && bigram >= 0) counts.add(bigram);
    const concept = tf.concept[i];
    if (concept !== 0) {
      // Concept bigrams skip the words in between that are not in the lexicon ("ignore all the
      // previous instructions" → ignore·previous, previous·instruction), which also bridges the
      // different word orders of other languages.
      if (prevConcept !== 0) counts.add(bucket(pair(prevConcept >>> 0, concept >>> 0, SEED_CONCEPT_BIGRAM), mask));
      prevConcept = concept;
    }
  }
  return counts.take(cfg.bucketBits, start, end);
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
  const tf = table;
  tf.reset(texts.length);
  for (let i = 0; i < texts.length; i++) tf.add(texts[i], cs[i], cfg);
  const out: WindowFeatures[] = [];
  for (const s of windowStarts(tokens.length, cfg.windowTokens, cfg.windowStride)) {
    const e = Math.min(tokens.length, s + cfg.windowTokens);
    out.push(windowVector(tf, s, e, cfg, e > s ? tokens[s].start : 0, e > s ? tokens[e - 1].end : 0));
  }
  return out;
}
