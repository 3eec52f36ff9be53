// Prompts for load: the project's data set (../shared/data/train.jsonl beside the repository) when it
// is there, else the small corpus committed under bench/corpus/. Texts longer than MAX_CHARS are left
// out (the 95th percentile of the data set is ~3,200 characters) so a few very long prompts do not
// dominate a run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/harness/scanner-process.js';

const MAX_CHARS = 4000;

export interface Corpus {
  /** Absolute path of the JSONL file, and the same for display (relative inside the repository). */
  file: string;
  source: string;
  texts: string[];
  /** Cache-miss traffic: every body is new (a corpus text with a unique suffix). */
  missBody(): string;
  /** Cache-hit traffic: bodies drawn from a small fixed set that stays in L1. */
  hitBody(): string;
}

function candidates(): string[] {
  const env = process.env.PF_BENCH_CORPUS;
  return [...(env ? [env] : []), join(REPO_ROOT, '..', 'shared', 'data', 'train.jsonl'), join(REPO_ROOT, '..', '..', 'shared', 'data', 'train.jsonl'), join(REPO_ROOT, 'bench', 'corpus', 'prompts.jsonl')];
}

export function loadCorpus(): Corpus {
  const file = candidates().find((f) => existsSync(f))!;
  const texts = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text)
    .filter((t) => typeof t === 'string' && t.length > 0 && t.length <= MAX_CHARS);
  // A fixed shuffle, so two runs send the same sequence.
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = texts.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [texts[i], texts[j]] = [texts[j], texts[i]];
  }
  const hits = texts.slice(0, 64).map((t) => JSON.stringify({ input: t }));
  let n = 0;
  let h = 0;
  return {
    file,
    source: file.startsWith(REPO_ROOT) ? file.slice(REPO_ROOT.length + 1) : file,
    texts,
    missBody: () => {
      n++;
      return JSON.stringify({ input: `${texts[n % texts.length]} [${n}]` });
    },
    hitBody: () => hits[h++ % hits.length],
  };
}
