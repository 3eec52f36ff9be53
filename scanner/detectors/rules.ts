// Prompt-injection and jailbreak rules. The rules are data (scanner/rules/*.yaml, one pack per
// language or theme), validated and compiled once; a category's score is the noisy-OR of the
// weights of the distinct rules that matched in any view: 1 − Π(1 − w).
//
// Pattern syntax: a JavaScript regular expression (case-insensitive unless the rule says
// `caseSensitive: true`) written against the normalised view, where every run of whitespace is one
// space. It runs without the `u` flag, so `\p{…}` classes are refused. On top of that:
//   {name}   a term of the pack (`terms:`), inserted as a non-capturing group; terms may use terms
//   {wN}     up to N arbitrary words (N = 1..9), e.g. "ignore {w3}instructions"
//   {cN}     up to N arbitrary characters within a sentence (N = 1..30), for scripts written without
//            spaces between words (Chinese, Japanese, Thai): "忽略{c6}指令"
//   {b}      a word boundary in any script; `\b` only sees ASCII letters, so it must not touch a
//            non-ASCII one ("{b}инструкции", not "\bинструкции")
//   {apos}   an apostrophe, straight or curly
//   accents  are optional and interchangeable in Latin and Greek script: "instrucción" also
//            matches "instruccion", "příkaz" "prikaz", "ţ" "ț", "οδηγίες" "ΟΔΗΓΙΕΣ"; "ü" also
//            matches "ue", "ß" "ss"; Russian "ё" matches "е".
// `lineStart: true` keeps only matches at the start of a line of the original text (fake chat turns).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../paths.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LANGUAGE_VIEWS, type Normalised, type TextView } from '../normalise/normalise.js';
import type { Category, Detector, ScanContext, Span, ViewFinding } from './types.js';
import { isMention } from './mention.js';
import { isWordLetter, baseLetter, meets, regexKeys, SPELLINGS, startKeys, textKeys, type TextKeys, WORD_BOUNDARY, WORD_END, WORD_START } from './word-keys.js';

const RULE_CATEGORIES = ['prompt_injection', 'jailbreak'] as const satisfies readonly Category[];
type RuleCategory = (typeof RULE_CATEGORIES)[number];

const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'lower-case words joined by ".", "_" or "-"'),
    category: z.enum(RULE_CATEGORIES),
    weight: z.number().gt(0).max(1),
    description: z.string().min(1),
    patterns: z.array(z.string().min(1)).min(1),
    lineStart: z.boolean().default(false),
    caseSensitive: z.boolean().default(false),
  })
  .strict();

const PackSchema = z
  .object({
    description: z.string().min(1),
    terms: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'term names are lower-case identifiers'), z.string().min(1)).default({}),
    rules: z.array(RuleSchema).min(1),
  })
  .strict();

type RuleSpec = z.output<typeof RuleSchema>;

/** A rule pack that failed to load; `file` and `rule` say where. */
export class RulePackError extends Error {
  readonly code = 'RULE_PACK_INVALID';
  constructor(
    readonly file: string,
    readonly rule: string | undefined,
    detail: string,
  ) {
    super(`rule pack ${file}${rule ? `, rule "${rule}"` : ''}: ${detail}`);
    this.name = 'RulePackError';
  }
}

interface CompiledRule {
  id: string;
  category: RuleCategory;
  weight: number;
  lineStart: boolean;
  /** All patterns as one alternation. */
  re: RegExp;
  /** Each pattern alone, for a scan where the prefilter woke only one of several (undefined for single-pattern rules). */
  alone?: RegExp[];
  /** Per pattern, the word-key sets a match needs (see word-keys.ts); null: always run. */
  keys: string[][][] | null;
  /**
   * Per pattern, the keys of the word every match begins with (see startKeys), or null. A regex
   * whose patterns all have them is sticky and only tried where such a word begins; the others
   * are global and scan the whole view.
   */
  starts: Array<string[] | null>;
  /** The start keys of all patterns together, when every pattern has them. */
  allStarts: string[] | null;
  /** Each pattern's source, to build the alternation of some of them. */
  sources: string[];
  /** Alternations of the patterns that woke together (by bit mask), built the first time needed. */
  subsets: Map<number, Alternation>;
}

/** A regex of several patterns and the start keys of all of them (a rule's whole alternation is one). */
type Alternation = Pick<CompiledRule, 're' | 'allStarts'>;

/**
 * The alternation of the patterns whose bits are in `mask`, in their order, with their start keys:
 * what a scan runs when several patterns of a rule woke but not all (the others cannot match, and
 * in a dense text the whole alternation would be tried at every position).
 */
function subsetOf(rule: CompiledRule, mask: number): Alternation {
  let subset = rule.subsets.get(mask);
  if (!subset) {
    const picked = rule.sources.map((_, p) => p).filter((p) => mask & (1 << p));
    subset = {
      re: new RegExp(picked.map((p) => `(?:${rule.sources[p]})`).join('|'), rule.re.flags),
      allStarts: [...new Set(picked.flatMap((p) => rule.starts[p]!))],
    };
    rule.subsets.set(mask, subset);
  }
  return subset;
}

const BUILTINS: Record<string, string> = { apos: "['’‘`]" };
for (let n = 1; n <= 9; n++) BUILTINS[`w${n}`] = `(?:\\S+ ){0,${n}}?`;
for (let n = 1; n <= 30; n++) BUILTINS[`c${n}`] = `[^。!?]{0,${n}}?`;

/** Letter with diacritics → what else may stand for it: its base letter, the other letters with that base, transliterations. */
const ACCENTS: Record<string, string[]> = {};
const SAME_BASE: Record<string, string[]> = {};
for (const [from, to] of [[0xc0, 0x24f], [0x386, 0x3ce], [0x451, 0x451], [0x1e00, 0x1fff]])
  for (let c = from; c <= to; c++) {
    const ch = String.fromCharCode(c);
    const base = baseLetter(ch);
    if (base && ch === ch.toLowerCase()) (SAME_BASE[base] ??= []).push(ch);
  }
for (const letters of Object.values(SAME_BASE))
  for (const l of letters) ACCENTS[l] = [baseLetter(l)!, ...letters.filter((o) => o !== l), ...(SPELLINGS[l] ?? [])];

/** Makes accents optional in a regex source (outside and inside character classes). */
function optionalAccents(source: string): string {
  let out = '';
  let inClass = false;
  let extra = ''; // letters a class gains, added at its end so that ranges stay intact
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      out += ch + (source[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) {
      inClass = false;
      out += extra;
      extra = '';
    }
    const alts = ACCENTS[ch] ?? ACCENTS[ch.toLowerCase()];
    out += inClass || !alts ? ch : alts.every((a) => a.length === 1) ? `[${ch}${alts.join('')}]` : `(?:[${ch}${alts.filter((a) => a.length === 1).join('')}]|${alts.filter((a) => a.length > 1).join('|')})`;
    if (inClass && alts) extra += alts.filter((a) => a.length === 1).join('');
  }
  return out;
}

function expandTerms(source: string, terms: Record<string, string>, seen: string[] = []): string {
  return source.replace(/\{([a-z][a-z0-9_]*)\}/g, (whole, name: string, at: number) => {
    if (name === 'b') {
      // Before a letter only the start of a word needs checking, after one only the end.
      if (isWordLetter(source[at + whole.length] ?? ' ')) return WORD_START;
      if (isWordLetter(source[at - 1] ?? ' ')) return WORD_END;
      return WORD_BOUNDARY;
    }
    if (name in BUILTINS) return BUILTINS[name];
    if (!(name in terms)) throw new Error(`unknown term {${name}}`);
    if (seen.includes(name)) throw new Error(`term {${name}} refers to itself`);
    return `(?:${expandTerms(terms[name], terms, [...seen, name])})`;
  });
}

/**
 * Non-ASCII text of a pattern in the form the normaliser gives the text (NFKC: Thai "ำ" becomes
 * "ํา", "ﬁ" becomes "fi"); refused where that would turn a character into regex syntax.
 */
function nfkc(source: string): string {
  return source.replace(/[^\0-\x7f]+/g, (run) => {
    const n = run.normalize('NFKC');
    if (/[\\^$.|?*+()[\]{}]/.test(n)) throw new Error(`"${run}" becomes "${n}" in normalised text; write it that way`);
    return n;
  });
}

const NON_ASCII_LETTER = /\p{L}/u;
function checkSyntax(source: string): void {
  for (let i = source.indexOf('\\'); i >= 0; i = source.indexOf('\\', i + 2)) {
    const escaped = source[i + 1];
    if (escaped === 'p' || escaped === 'P') throw new Error(`\\${escaped}{…} needs the u flag, which rules do not use; list the characters or use {b}`);
    if (escaped !== 'b') continue;
    const around = [source[i - 1], source[i + 2]];
    if (around.some((c) => c !== undefined && c.charCodeAt(0) > 127 && NON_ASCII_LETTER.test(c)))
      throw new Error(`\\b next to a non-ASCII letter never matches there; use {b} or a space`);
  }
}

function compileRule(file: string, rule: RuleSpec, terms: Record<string, string>, anchored: boolean): CompiledRule {
  let keys: string[][][] | null = [];
  const starts: Array<string[] | null> = [];
  const sources = rule.patterns.map((p, k) => {
    try {
      const expanded = nfkc(expandTerms(p, terms));
      checkSyntax(expanded);
      const patternKeys = regexKeys(expanded);
      keys = keys && patternKeys && [...keys, patternKeys];
      starts.push(anchored ? startKeys(expanded) : null);
      const source = optionalAccents(expanded);
      // Unicode mode only to check the syntax strictly: matching with /iu is several times slower than /i.
      const re = new RegExp(source, 'u');
      if (re.test('')) throw new Error('matches the empty string');
      return source;
    } catch (err) {
      throw new RulePackError(file, rule.id, `pattern ${k + 1}: ${(err as Error).message}`);
    }
  });
  const allStarts = starts.every((s) => s !== null) ? [...new Set(starts.flat() as string[])] : null;
  const flags = (sticky: boolean) => (sticky ? 'y' : 'g') + (rule.caseSensitive ? '' : 'i');
  return {
    id: rule.id,
    category: rule.category,
    weight: rule.weight,
    lineStart: rule.lineStart,
    keys,
    starts,
    allStarts,
    re: new RegExp(sources.length === 1 ? sources[0] : sources.map((s) => `(?:${s})`).join('|'), flags(allStarts !== null)),
    alone: sources.length === 1 ? undefined : sources.map((s, p) => new RegExp(s, flags(starts[p] !== null))),
    sources,
    subsets: new Map(),
  };
}

/** Validates and compiles one pack's YAML text; `anchored`: try patterns only where their first word begins (see startKeys). */
function compilePack(file: string, text: string, anchored: boolean): CompiledRule[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new RulePackError(file, undefined, `not valid YAML: ${(err as Error).message}`);
  }
  const parsed = PackSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [top, index] = issue.path;
    const raw = top === 'rules' && typeof index === 'number' ? (data as { rules: Array<{ id?: unknown }> }).rules[index] : undefined;
    const rule = typeof raw?.id === 'string' ? raw.id : typeof index === 'number' ? `#${index + 1}` : undefined;
    const where = issue.path.slice(top === 'rules' ? 2 : 0).join('.');
    throw new RulePackError(file, rule, `${where ? `${where}: ` : ''}${issue.message}`);
  }
  return parsed.data.rules.map((r) => compileRule(file, r, parsed.data.terms, anchored));
}

// Found from the package root, so the same path works from sources and from dist/.
export const DEFAULT_RULES_DIR = packagePath('scanner', 'rules');

export interface RulesDetectorOptions {
  /** Folder of `*.yaml` rule packs; defaults to scanner/rules. */
  dir?: string;
  /** Skip rules whose words are absent from a view, and try patterns only where their first word
   *  begins (default true; false only to test that it changes nothing). */
  prefilter?: boolean;
}

export type RuleInfo = Pick<CompiledRule, 'id' | 'category' | 'weight'>;

export interface RuleMatch {
  rule: RuleInfo;
  /** Index of the view the spans refer to. */
  view: number;
  spans: Span[];
}

export interface RulesDetector extends Detector {
  /** Every rule id with its category and weight, for /v1/info and the quality bench. */
  readonly rules: readonly RuleInfo[];
  /** Ids of the rules the prefilter cannot skip (no word keys): they run on every text. */
  readonly unfiltered: readonly string[];
  /** Which rules matched where; `detect` turns these into findings. */
  matches(input: Normalised): RuleMatch[];
  detect(input: Normalised, ctx?: ScanContext): ViewFinding[];
}

// Spans reported per rule and view; enough to explain a verdict without work growing with input size.
const MAX_SPANS_PER_RULE = 4;
const READS = LANGUAGE_VIEWS;
const CATEGORY_LABEL: Record<RuleCategory, string> = { prompt_injection: 'prompt-injection', jailbreak: 'jailbreak' };

/** True when `at` in `view` begins a line of the original text (line breaks only survive in the original). */
function atLineStart(input: Normalised, view: TextView, at: number): boolean {
  if (at === 0) return true;
  if (view.depth > 0 || view.text.charCodeAt(at - 1) !== 32) return false;
  const main = view.toMain(at - 1, at);
  const orig = input.toOriginal(main.start, main.end);
  for (let i = orig.start; i < orig.end; i++) {
    const c = input.original.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

const DENSE_STARTS = 8;
const DENSE_STARTS_PER_CHARS = 64;
const globalTwins = new WeakMap<RegExp, RegExp>();
/** The global (non-sticky) version of a sticky regex, compiled the first time it is needed. */
function globalTwin(re: RegExp): RegExp {
  let twin = globalTwins.get(re);
  if (!twin) globalTwins.set(re, (twin = new RegExp(re.source, re.flags.replace('y', 'g'))));
  return twin;
}

/** One regex's search: sticky with the positions where its matches may begin, or global (`at` null). */
interface Search {
  re: RegExp;
  at: number[] | null;
  /** Next index into `at` to try. */
  k: number;
  /** Its next match at or after the scan's position; null when there is none; undefined: not looked for yet. */
  next?: RegExpExecArray | null;
}

/** The first match of `s` at or after `from`. */
function nextMatch(s: Search, text: string, from: number): RegExpExecArray | null {
  if (!s.at) {
    s.re.lastIndex = from;
    return s.re.exec(text);
  }
  while (s.k < s.at.length) {
    const p = s.at[s.k++];
    if (p < from) continue;
    s.re.lastIndex = p;
    const m = s.re.exec(text);
    if (m) return m;
  }
  return null;
}

/**
 * The matches in `text`, left to right and not overlapping, that a global regex of the searches'
 * patterns joined by "|" (in this order) finds: at each position the first pattern that matches
 * there wins. A sticky search tries only its positions, where every match of its pattern begins,
 * so the matches are the same for a fraction of the work. `use` returns true to go on after the
 * match, false to reject it (the search goes on just after its start), 'stop' to end the search.
 */
function eachMatch(searches: Search[], text: string, use: (m: RegExpExecArray) => boolean | 'stop'): void {
  let from = 0;
  for (;;) {
    let best: RegExpExecArray | null = null;
    for (const s of searches) {
      if (s.next === undefined || (s.next !== null && s.next.index < from)) s.next = nextMatch(s, text, from);
      if (s.next && (!best || s.next.index < best.index)) best = s.next;
    }
    if (!best) return;
    if (best[0].length === 0) {
      from = best.index + 1;
      continue;
    }
    const verdict = use(best);
    if (verdict === 'stop') return;
    from = verdict ? best.index + best[0].length : best.index + 1;
  }
}

export function createRulesDetector(options: RulesDetectorOptions = {}): RulesDetector {
  const dir = options.dir ?? DEFAULT_RULES_DIR;
  const prefilter = options.prefilter ?? true;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  if (files.length === 0) throw new RulePackError(dir, undefined, 'no *.yaml rule packs in this folder');
  const hash = createHash('sha256');
  const rules: CompiledRule[] = [];
  const owner = new Map<string, string>();
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    hash.update(f).update('\0').update(text).update('\0');
    for (const r of compilePack(f, text, prefilter)) {
      const other = owner.get(r.id);
      if (other) throw new RulePackError(f, r.id, `duplicate rule id (also in ${other})`);
      owner.set(r.id, f);
      rules.push(r);
    }
  }

  // V8 compiles a regular expression on its first run and again to native code on the next ones;
  // for these large alternations that takes 10–100 ms each. Pay it here, before the scanner is
  // ready, rather than on the first request that wakes each rule.
  for (const r of rules) {
    for (const re of [r.re, ...(r.alone ?? [])])
      for (let i = 0; i < 3; i++) {
        re.lastIndex = 0;
        re.exec('warm up the compiled pattern');
      }
  }

  // Each pattern is indexed under the keys of its rarest set; the view's keys then wake only the
  // patterns that can match, whose other sets are checked before the regex runs. A rule with
  // several patterns of which one woke runs that pattern alone: the patterns that did not wake
  // cannot match, so the result is the same as the whole alternation's, for a fraction of the work.
  const byKey = new Map<string, Array<{ rule: number; bit: number; rest: string[][] }>>();
  const always: number[] = [];
  rules.forEach((r, i) => {
    if (!r.keys || !prefilter) return always.push(i);
    r.keys.forEach(([first, ...rest], p) => {
      for (const k of first) byKey.set(k, [...(byKey.get(k) ?? []), { rule: i, bit: 1 << p, rest }]);
    });
  });
  const ALL = -1;
  /** Per rule, a bit per pattern that woke (ALL for rules that always run); 0: the rule sleeps. */
  const wake = new Int32Array(rules.length);
  const info: RuleInfo[] = rules.map(({ id, category, weight }) => ({ id, category, weight }));

  function scanView(input: Normalised, v: number, hits: RuleMatch[], seen: Map<string, number>): void {
    const view = input.views[v];
    const text = view.text;
    wake.fill(0);
    for (const i of always) wake[i] = ALL;
    let keys: TextKeys | undefined;
    if (prefilter) {
      keys = textKeys(text);
      for (let i = 0; i < keys.list.length; i++) {
        const patterns = byKey.get(keys.list[i]);
        if (patterns) for (const p of patterns) if ((wake[p.rule] & p.bit) === 0 && meets(p.rest, keys)) wake[p.rule] |= p.bit;
      }
    }
    for (let r = 0; r < rules.length; r++) {
      const woke = wake[r];
      if (woke === 0) continue;
      const rule = rules[r];
      // The regexes to run: one pattern of several alone when only it woke; several patterns
      // each on their own when they woke and some, not all, can be anchored (a global scan of
      // their alternation would cost what the unanchored ones save); the alternation of the ones
      // that woke when they all can be; else the whole alternation.
      const patterns: number[] = [];
      if (rule.alone && woke !== ALL) for (let p = 0; p < rule.alone.length; p++) if (woke & (1 << p)) patterns.push(p);
      const split = patterns.length === 1 || (patterns.length > 1 && !rule.allStarts && patterns.some((p) => rule.starts[p] !== null));
      const whole: Alternation = !split && rule.allStarts && patterns.length > 1 && patterns.length < rule.alone!.length ? subsetOf(rule, woke) : rule;
      const searches: Search[] = [];
      for (const p of split ? patterns : [-1]) {
        let re = p >= 0 ? rule.alone![p] : whole.re;
        let at: number[] | null = null;
        if (re.sticky) {
          keys ??= textKeys(text);
          at = keys.positions(p >= 0 ? rule.starts[p]! : whole.allStarts!);
          if (at.length === 0) continue;
          // Each sticky try is a call into the regex engine; when the starts are dense (a text that
          // repeats the rule's first word) one global scan costs less than trying them one by one.
          if (at.length > DENSE_STARTS && at.length * DENSE_STARTS_PER_CHARS > text.length) {
            re = globalTwin(re);
            at = null;
          }
        }
        searches.push({ re, at, k: 0 });
      }
      if (searches.length === 0) continue;
      let hit: RuleMatch | undefined;
      eachMatch(searches, text, (m) => {
        if (rule.lineStart && !atLineStart(input, view, m.index)) return false;
        const end = m.index + m[0].length;
        if (isMention(text, m.index, end)) return false;
        // The leet view and a decoded view's leet twin repeat what their base view found.
        const main = view.toMain(m.index, end);
        const key = `${rule.id}\0${main.start}\0${main.end}`;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, v);
        else if (first !== v) return true;
        hit ??= { rule: info[r], view: v, spans: [] };
        hit.spans.push({ start: m.index, end });
        return hit.spans.length < MAX_SPANS_PER_RULE || 'stop';
      });
      if (hit) hits.push(hit);
    }
  }

  function matches(input: Normalised): RuleMatch[] {
    const hits: RuleMatch[] = [];
    const seen = new Map<string, number>();
    for (let v = 0; v < input.views.length; v++) if (READS.includes(input.views[v].kind)) scanView(input, v, hits, seen);
    return hits;
  }

  return {
    name: 'rules',
    categories: RULE_CATEGORIES,
    views: READS,
    version: hash.digest('hex').slice(0, 12),
    rules: info,
    unfiltered: rules.filter((r) => !r.keys).map((r) => r.id),
    matches,
    detect(input: Normalised): ViewFinding[] {
      const hits = matches(input);
      return hits.length === 0 ? [] : findings(input, hits);
    },
  };
}

/**
 * One finding per category and view that matched. Every finding of a category carries the
 * category's score (noisy-OR over the distinct rules matched in all views), so a policy that takes
 * the highest score per category sees the combined evidence.
 */
function findings(input: Normalised, hits: RuleMatch[]): ViewFinding[] {
  const out: ViewFinding[] = [];
  for (const category of RULE_CATEGORIES) {
    const mine = hits.filter((h) => h.rule.category === category);
    if (mine.length === 0) continue;
    const counted = new Set<string>();
    let miss = 1;
    for (const h of mine) {
      if (counted.has(h.rule.id)) continue;
      counted.add(h.rule.id);
      miss *= 1 - h.rule.weight;
    }
    const score = 1 - miss;
    const views = [...new Set(mine.map((h) => h.view))];
    for (const v of views) {
      const here = mine.filter((h) => h.view === v).sort((a, b) => b.rule.weight - a.rule.weight);
      const kind = input.views[v].kind;
      const where = kind === 'text' ? '' : kind === 'leet' ? ' in leetspeak' : ` in ${kind}-decoded text`;
      const ids = here.map((h) => h.rule.id);
      out.push({
        detector: 'rules',
        category,
        score,
        view: v,
        spans: here.flatMap((h) => h.spans).sort((a, b) => a.start - b.start || a.end - b.end),
        rule: ids[0],
        message: `${CATEGORY_LABEL[category]} rules matched${where}: ${ids.join(', ')} (${counted.size} rule${counted.size === 1 ? '' : 's'} in all, score ${score.toFixed(2)})`,
      });
    }
  }
  return out;
}
