// Finds a response that echoes the request's system prompt (ScanContext.systemPrompt): runs of
// SHINGLE consecutive words shared by both, in the plain text or in decoded payloads. The score
// grows with the number of echoed words: echoing FULL_SCORE_WORDS words — or the whole prompt when
// it is shorter — scores 1. Short or generic prompts ("You are a helpful assistant.") have fewer
// than SHINGLE words and are never reported.
// Per request: the result depends on the system prompt, which is not part of the cache key.
import { LITERAL_VIEWS, normalise } from '../normalise/normalise.js';
import type { Detector, Span, ViewFinding } from './types.js';

const SHINGLE = 8;
const FULL_SCORE_WORDS = 50;
const MEMO_SIZE = 64;
const READS = LITERAL_VIEWS;
const WORD = /[\p{L}\p{N}]+/gu;

interface Words {
  words: string[];
  spans: Span[];
}

function wordsOf(text: string): Words {
  const words: string[] = [];
  const spans: Span[] = [];
  for (const m of text.matchAll(WORD)) {
    words.push(m[0].toLowerCase());
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return { words, spans };
}

interface Reference {
  shingles: Set<string>;
  words: number;
}

// The proxy rescans a streamed answer many times against one system prompt: keep its shingles.
const memo = new Map<string, Reference>();

function reference(systemPrompt: string): Reference {
  let ref = memo.get(systemPrompt);
  if (ref) {
    memo.delete(systemPrompt);
  } else {
    const { words } = wordsOf(normalise(systemPrompt).text);
    const shingles = new Set<string>();
    for (let i = 0; i + SHINGLE <= words.length; i++) shingles.add(words.slice(i, i + SHINGLE).join(' '));
    ref = { shingles, words: words.length };
    if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
  }
  memo.set(systemPrompt, ref);
  return ref;
}

/** Spans of the words of `text` covered by a shared shingle, merged into runs, and their count. */
function echoed(text: string, ref: Reference): { spans: Span[]; words: number } {
  const { words, spans } = wordsOf(text);
  const covered = new Uint8Array(words.length);
  for (let i = 0; i + SHINGLE <= words.length; i++) {
    if (ref.shingles.has(words.slice(i, i + SHINGLE).join(' '))) covered.fill(1, i, i + SHINGLE);
  }
  const runs: Span[] = [];
  let count = 0;
  for (let i = 0; i < words.length; i++) {
    if (!covered[i]) continue;
    count++;
    const last = runs[runs.length - 1];
    if (last && covered[i - 1]) last.end = spans[i].end;
    else runs.push({ ...spans[i] });
  }
  return { spans: runs, words: count };
}

export const systemPromptDetector: Detector = {
  name: 'system_prompt',
  categories: ['system_prompt_leak'],
  views: READS,
  perRequest: true,
  detect(input, ctx) {
    if (ctx.direction !== 'response' || !ctx.systemPrompt) return [];
    const ref = reference(ctx.systemPrompt);
    if (ref.shingles.size === 0) return [];
    const out: ViewFinding[] = [];
    input.views.forEach((view, v) => {
      if (!READS.includes(view.kind)) return;
      const found = echoed(view.text, ref);
      if (found.words === 0) return;
      out.push({
        detector: 'system_prompt',
        category: 'system_prompt_leak',
        score: Math.min(1, found.words / Math.min(ref.words, FULL_SCORE_WORDS)),
        spans: found.spans,
        message: `${found.words} words of the system prompt echoed${view.depth > 0 ? ` in ${view.kind}-encoded text` : ''}`,
        rule: 'echo',
        view: v,
        placeholder: '[SYSTEM PROMPT]',
      });
    });
    return out;
  },
};
