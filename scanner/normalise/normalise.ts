// Normalisation runs once per scan; every detector reads its output.
//
//   original ──► main view: NFKC, invisible characters removed, look-alikes folded,
//                whitespace collapsed (with a map back to original offsets)
//             ├► leet view: leetspeak folded (same offsets as the main view)
//             ├► hidden view: text smuggled in Unicode tag characters or variation selectors
//             └► decoded views: base64 / hex / URL / escapes / rot13 / reversed segments and
//                words spelt out letter by letter,
//                themselves normalised (and decoded again, to a bounded depth)
//
// Detectors report spans in the coordinates of the view they read; `toMain` maps them to the main
// view and `toOriginal` maps main-view ranges back to the caller's text.
import type { Span } from '../detectors/types.js';
import { CONFUSABLES } from './confusables.js';
import { findEncoded, type EncodingKind } from './decoders.js';
import {
  BLACK_FLAG,
  CANCEL_TAG,
  classifyInvisible,
  tagChar,
  variationSelectorByte,
  type InvisibleKind,
} from './invisible.js';
import { foldLeet } from './leet.js';

export type ViewKind = 'text' | 'leet' | 'hidden' | EncodingKind;

/** Every view that carries language: what the rules and the model read. */
export const LANGUAGE_VIEWS: readonly ViewKind[] = ['text', 'leet', 'hidden', 'base64', 'hex', 'url', 'escape', 'rot13', 'reversed', 'spaced'];
/** The views without the leetspeak fold, which rewrites digits and symbols inside words: what
 *  detectors of literal strings read (system-prompt fragments, canary tokens). */
export const LITERAL_VIEWS: readonly ViewKind[] = LANGUAGE_VIEWS.filter((k) => k !== 'leet');

export interface TextView {
  kind: ViewKind;
  text: string;
  /** Nesting depth: 0 for the main view and its transforms, 1 for text decoded from it, … */
  depth: number;
  /** Maps a range of this view to a range of the main view. */
  toMain(start: number, end: number): Span;
}

export interface InvisibleRun {
  kind: InvisibleKind;
  /** Range in the original text. */
  start: number;
  end: number;
  /** Position in the main view where the run was removed. */
  at: number;
}

export interface Normalised {
  original: string;
  /** The main view's text: what the cache key is computed from. */
  text: string;
  views: TextView[];
  invisible: InvisibleRun[];
  /** Maps a main-view range to the original text. Empty ranges at a removed run map to that run. */
  toOriginal(start: number, end: number): Span;
}

export interface NormaliseOptions {
  /** How many levels of encoding to peel (base64 inside hex …). */
  maxDepth?: number;
  /** Most decoded views per scan; bounds the work an adversarial input can cause. */
  maxDecoded?: number;
}

/** Original range of each unit of the main view. */
interface OffsetMap {
  from: Int32Array;
  to: Int32Array;
}

interface MainText {
  text: string;
  /** Original offsets of each output unit, or undefined when the text is unchanged; a function when
   *  they are cheap to recompute, so that they are only built if a span is mapped back. */
  offsets?: OffsetMap | (() => OffsetMap);
  invisible: InvisibleRun[];
  hidden: string;
}

const SPACE = 32;
/** Look-alike code unit → the Latin letter it imitates, 0 for the others: CONFUSABLES as a table. */
const LOOKALIKE = new Uint16Array(0x10000);
for (const [from, to] of CONFUSABLES) LOOKALIKE[from] = to;
/** A unit in one of the 256-unit blocks that hold look-alikes: text without any has none to fold.
 *  A few ranges make a regular expression that scans faster than a class of every look-alike. */
const LOOKALIKE_BLOCK = new RegExp(
  `[${[...new Set([...CONFUSABLES.keys()].map((u) => u >> 8))].map((b) => `\\u${(b << 8).toString(16).padStart(4, '0')}-\\u${((b << 8) | 0xff).toString(16).padStart(4, '0')}`).join('')}]`,
);
const MARK = /\p{M}/u;
const isUnicodeSpace = (cp: number) =>
  cp === 0x85 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
const isAsciiSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

// Whether a code point counts as a combining mark, cached per code point (0 unknown, 1 no, 2 yes):
// the answer depends on the code point alone, and testing the regular expression costs a string.
const markCache = new Uint8Array(0x110000);

function isMark(s: string, i: number): number {
  const cp = s.codePointAt(i)!;
  if (cp < 0x300) return 0;
  let known = markCache[cp];
  if (known === 0) {
    known = MARK.test(String.fromCodePoint(cp)) && classifyInvisible(cp, 0) === undefined ? 2 : 1;
    markCache[cp] = known;
  }
  return known === 2 ? (cp > 0xffff ? 2 : 1) : 0;
}

// What buildMain needs to know of a BMP code unit, cached per unit as it depends on nothing else:
// UNIT_STABLE for a unit that NFKC keeps as it is when it stands alone and that is neither a
// space, a mark nor a surrogate; UNIT_SPACE for a Unicode space; UNIT_INVISIBLE for a unit that
// classifyInvisible does not leave undefined, whatever comes before it (none of its answers for
// BMP units depends on `prev` being undefined or not). 0 until computed.
const UNIT_KNOWN = 1;
const UNIT_STABLE = 2;
const UNIT_SPACE = 4;
const UNIT_INVISIBLE = 8;
const unitCache = new Uint8Array(0x10000);

function unitFlags(c: number): number {
  let flags = unitCache[c];
  if (flags === 0) {
    const ch = String.fromCharCode(c);
    flags = UNIT_KNOWN;
    if (isUnicodeSpace(c)) flags |= UNIT_SPACE;
    else if (!(c >= 0xd800 && c <= 0xdfff) && !MARK.test(ch) && ch.normalize('NFKC') === ch) flags |= UNIT_STABLE;
    if (classifyInvisible(c, 0) !== undefined) flags |= UNIT_INVISIBLE;
    unitCache[c] = flags;
  }
  return flags;
}

/**
 * Whether a unit of simple text (see collapseSimple) separates words, 0 if not, -1 if the text is
 * not simple: units outside ASCII must be Unicode spaces, or visible characters that NFKC keeps
 * and that are not marks or surrogates.
 */
function simpleSeparator(c: number): number {
  if (c < 0x80) return c <= 32 || c === 127 ? 1 : 0; // whitespace and control characters
  const flags = unitFlags(c);
  if (flags & UNIT_SPACE) return 1;
  return (flags & (UNIT_STABLE | UNIT_INVISIBLE)) === UNIT_STABLE ? 0 : -1;
}

/**
 * The main view of simple text, or undefined when the text is not simple (see simpleSeparator):
 * runs of separators become one space, and are dropped at the ends. In such text no unit is
 * invisible, combines with a mark or is changed by NFKC, so this is exactly what buildMain's general
 * loop makes of it before folding look-alikes, without per-character work for the characters that
 * stay: the text is copied in slices between the runs of separators that change.
 */
function collapseSimple(s: string): string | undefined {
  const n = s.length;
  let out = '';
  let copyFrom = -1; // start of the part of `s` not yet copied to `out`, -1 before the first word
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    const separator = simpleSeparator(c);
    if (separator < 0) return undefined;
    if (separator === 0) {
      if (copyFrom < 0) copyFrom = i;
      i++;
      continue;
    }
    let j = i + 1;
    for (let r = 0; j < n && (r = simpleSeparator(s.charCodeAt(j))) !== 0; j++) if (r < 0) return undefined;
    if (copyFrom < 0) {
      copyFrom = j; // a leading run is dropped
    } else if (j === n) {
      return out + s.slice(copyFrom, i); // and so is a trailing run
    } else if (j - i > 1 || c !== SPACE) {
      out += s.slice(copyFrom, i) + ' ';
      copyFrom = j;
    }
    i = j;
  }
  return copyFrom < 0 ? '' : out + s.slice(copyFrom, n);
}

/** The offsets of collapseSimple's output, as buildMain's general loop would have recorded them. */
function simpleOffsets(s: string, length: number): OffsetMap {
  const from = new Int32Array(length);
  const to = new Int32Array(length);
  let k = 0;
  let pendingSpace = -1; // original offset where a run of separators began
  for (let i = 0; i < s.length; i++) {
    if (simpleSeparator(s.charCodeAt(i)) !== 0) {
      if (pendingSpace < 0) pendingSpace = i;
      continue;
    }
    if (pendingSpace >= 0 && k > 0) {
      from[k] = pendingSpace;
      to[k] = i;
      k++;
    }
    pendingSpace = -1;
    from[k] = i;
    to[k] = i + 1;
    k++;
  }
  return { from, to };
}

/** A unit outside printable ASCII, or two spaces in a row. */
const NOT_PLAIN = /[^\x20-\x7e]| {2}/;

/** True when nothing in the text needs normalising (printable ASCII, single spaces, no edges).
 *  A regular expression without quantifiers (so without backtracking) finds that fastest. */
const isPlain = (s: string) =>
  s.length === 0 || (s.charCodeAt(0) !== SPACE && s.charCodeAt(s.length - 1) !== SPACE && !NOT_PLAIN.test(s));

function buildMain(s: string): MainText {
  // Text that needs no change keeps one-to-one offsets.
  if (isPlain(s)) return { text: s, invisible: [], hidden: '' };
  const simple = collapseSimple(s);
  if (simple !== undefined) {
    // Folding replaces units one for one: the offsets stay those of the collapsed text.
    const text = LOOKALIKE_BLOCK.test(simple) ? foldConfusablesIn(simple) : simple;
    return { text, offsets: () => simpleOffsets(s, text.length), invisible: [], hidden: '' };
  }
  // Output units and their original ranges, in typed arrays that grow when NFKC expands the text.
  let capacity = s.length + 16;
  let out = new Uint16Array(capacity);
  let from = new Int32Array(capacity);
  let to = new Int32Array(capacity);
  let length = 0;
  let lookalike = false;
  const push = (unit: number, a: number, b: number) => {
    if (length === capacity) {
      capacity *= 2;
      const grow = <T extends Uint16Array | Int32Array>(arr: T, make: (n: number) => T): T => {
        const next = make(capacity);
        next.set(arr);
        return next;
      };
      out = grow(out, (n) => new Uint16Array(n));
      from = grow(from, (n) => new Int32Array(n));
      to = grow(to, (n) => new Int32Array(n));
    }
    out[length] = unit;
    from[length] = a;
    to[length] = b;
    length++;
    if (unit >= 0x80 && LOOKALIKE[unit] !== 0) lookalike = true;
  };
  const invisible: InvisibleRun[] = [];
  let hidden = '';
  let smuggled: number[] = [];
  let pendingSpace = -1; // original offset where a whitespace run began
  let prevCp = 0;
  let inFlag = false;

  const emitUnit = (unit: number, a: number, b: number) => {
    if (pendingSpace >= 0) {
      if (length > 0) push(SPACE, pendingSpace, a);
      pendingSpace = -1;
    }
    push(unit, a, b);
  };
  const space = (a: number) => {
    if (pendingSpace < 0) pendingSpace = a;
  };
  const flushSmuggled = () => {
    if (smuggled.length >= 2) {
      const bytes = Buffer.from(smuggled);
      hidden += (hidden ? ' ' : '') + bytes.toString('utf8');
    }
    smuggled = [];
  };
  const addInvisible = (kind: InvisibleKind, a: number, b: number) => {
    const last = invisible[invisible.length - 1];
    if (last && last.kind === kind && last.end === a) last.end = b;
    else invisible.push({ kind, start: a, end: b, at: length });
  };

  const n = s.length;
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && !(i + 1 < n && s.charCodeAt(i + 1) >= 0x300 && isMark(s, i + 1))) {
      if (isAsciiSpace(c)) space(i);
      else if (c >= 32 && c !== 127) emitUnit(c, i, i + 1);
      else space(i); // other control characters separate words
      prevCp = c;
      i++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const inv = classifyInvisible(cp, prevCp);
    if (inv !== undefined) {
      if (inv === 'tag') {
        // 🏴 + tag letters + cancel tag is a subdivision flag (England, Scotland, Wales).
        if (prevCp === BLACK_FLAG) inFlag = true;
        if (!inFlag) {
          addInvisible('tag', i, i + len);
          const t = tagChar(cp);
          if (t >= 0) hidden += String.fromCharCode(t);
        } else if (cp === CANCEL_TAG) inFlag = false;
      } else if (inv === 'variation_selector') {
        addInvisible(inv, i, i + len);
        smuggled.push(variationSelectorByte(cp));
      } else if (inv !== 'silent') addInvisible(inv, i, i + len);
      if (inv !== 'variation_selector') flushSmuggled();
      prevCp = cp;
      i += len;
      continue;
    }
    flushSmuggled();
    if (isUnicodeSpace(cp)) {
      space(i);
      prevCp = cp;
      i += len;
      continue;
    }
    if (len === 1 && !(i + 1 < n && s.charCodeAt(i + 1) >= 0x300 && isMark(s, i + 1)) && (unitFlags(cp) & UNIT_STABLE) !== 0) {
      // A character without marks that NFKC keeps: what the general path below would emit.
      emitUnit(cp, i, i + 1);
      prevCp = cp;
      i++;
      continue;
    }
    // One base character with its combining marks, normalised together.
    let j = i + len;
    for (let m = j < n ? isMark(s, j) : 0; m > 0; m = j < n ? isMark(s, j) : 0) j += m;
    let cluster = s.slice(i, j).normalize('NFKC');
    // Marks piled on a Latin letter that do not compose ("Zalgo" text) only obscure it.
    if (cluster.length > 1 && isAsciiLetter(cluster.charCodeAt(0)) && MARK.test(cluster)) cluster = cluster.replace(/\p{M}+/gu, '');
    for (let k = 0; k < cluster.length; k++) {
      const u = cluster.charCodeAt(k);
      if (isAsciiSpace(u) || isUnicodeSpace(u)) space(i);
      else emitUnit(u, i, j);
    }
    prevCp = cp;
    i = j;
  }
  flushSmuggled();
  const units = out.subarray(0, length);
  // Only words with a look-alike in them are folded: text without any has nothing to fold.
  if (lookalike) foldConfusables(units);
  const text = unitsToString(units);
  return { text, offsets: { from: from.subarray(0, length), to: to.subarray(0, length) }, invisible, hidden };
}

/**
 * Folds look-alikes in words that are Latin already ("pаypal" with a Cyrillic а), and in words made
 * only of look-alikes ("раураl") unless the text has real Cyrillic or Greek words, so that a
 * Russian sentence keeps its letters.
 */
function foldConfusables(units: Uint16Array): boolean {
  const words: Array<{ start: number; end: number; latin: number; lookalike: number }> = [];
  let foreignText = false;
  let start = 0;
  for (let i = 0; i <= units.length; i++) {
    if (i < units.length && units[i] !== SPACE) continue;
    let latin = 0;
    let lookalike = 0;
    let other = 0;
    for (let k = start; k < i; k++) {
      const u = units[k];
      if (LOOKALIKE[u] !== 0) lookalike++;
      else if (isAsciiLetter(u) || (u >= 0xc0 && u <= 0x24f)) latin++;
      else if (u >= 0x370 && !(u >= 0x2000 && u <= 0x2bff)) other++;
    }
    if (lookalike > 0 && other === 0) words.push({ start, end: i, latin, lookalike });
    if (other > 0 && latin === 0) foreignText = true;
    start = i + 1;
  }
  let changed = false;
  for (const w of words) {
    if (w.latin === 0 && foreignText) continue;
    for (let k = w.start; k < w.end; k++) units[k] = LOOKALIKE[units[k]] || units[k];
    changed = true;
  }
  return changed;
}

/** `text` with its look-alikes folded by foldConfusables: the same string when none is folded. */
function foldConfusablesIn(text: string): string {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  return foldConfusables(units) ? unitsToString(units) : text;
}

function unitsToString(units: Uint16Array): string {
  let text = '';
  for (let k = 0; k < units.length; k += 8192) text += String.fromCharCode.apply(null, units.subarray(k, k + 8192) as unknown as number[]);
  return text;
}

const identity = (start: number, end: number): Span => ({ start, end });

export function normalise(original: string, options: NormaliseOptions = {}): Normalised {
  const maxDepth = options.maxDepth ?? 2;
  const budget = { decoded: options.maxDecoded ?? 16 };
  const main = buildMain(original);
  const { invisible } = main;
  let offsets = main.offsets;

  const toOriginal = (start: number, end: number): Span => {
    if (!offsets) return { start, end };
    if (typeof offsets === 'function') offsets = offsets();
    const { from, to } = offsets;
    if (end > start) return { start: from[start], end: to[end - 1] };
    const run = invisible.find((r) => r.at === start);
    if (run) return { start: run.start, end: run.end };
    const at = start < from.length ? from[start] : original.length;
    return { start: at, end: at };
  };

  const views: TextView[] = [{ kind: 'text', text: main.text, depth: 0, toMain: identity }];
  const leet = foldLeet(main.text);
  if (leet !== undefined) views.push({ kind: 'leet', text: leet, depth: 0, toMain: identity });
  if (main.hidden) {
    const at = invisible.find((r) => r.kind === 'tag' || r.kind === 'variation_selector')?.at ?? 0;
    addNested(views, main.hidden, 'hidden', () => ({ start: at, end: at }), 1, maxDepth, budget);
  }
  addDecoded(views, main.text, identity, 1, maxDepth, budget);
  return { original, text: main.text, views, invisible, toOriginal };
}

/** Decoded text is normalised like any input; its spans map to the whole encoded segment. */
function addDecoded(
  views: TextView[],
  text: string,
  toMain: (s: number, e: number) => Span,
  depth: number,
  maxDepth: number,
  budget: { decoded: number },
): void {
  if (depth > maxDepth || budget.decoded <= 0) return;
  for (const d of findEncoded(text, budget.decoded)) {
    if (budget.decoded-- <= 0) return;
    const segment = toMain(d.start, d.end);
    addNested(views, d.text, d.kind, () => segment, depth, maxDepth, budget);
  }
}

function addNested(
  views: TextView[],
  raw: string,
  kind: ViewKind,
  toMain: (s: number, e: number) => Span,
  depth: number,
  maxDepth: number,
  budget: { decoded: number },
): void {
  const inner = buildMain(raw);
  views.push({ kind, text: inner.text, depth, toMain });
  const leet = foldLeet(inner.text);
  if (leet !== undefined) views.push({ kind, text: leet, depth, toMain });
  addDecoded(views, inner.text, toMain, depth + 1, maxDepth, budget);
}
