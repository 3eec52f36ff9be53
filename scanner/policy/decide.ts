// The policy turns findings into a verdict. Pure: no I/O, no clock.
import { createHash } from 'node:crypto';
import { ACTIONS, CATEGORIES, type Action, type Category, type Policy } from '../../crds/schema.js';
import type { Direction, Finding } from '../detectors/types.js';

export type Verdict = Action;

/** allow < flag < redact < block: the verdict of a scan is the most severe triggered action. */
const RANK: Record<Action, number> = { allow: 0, flag: 1, redact: 2, block: 3 };
export const mostSevere = (a: Action, b: Action): Action => (RANK[a] >= RANK[b] ? a : b);

export interface DetectorError {
  detector: string;
  code: 'detector_error' | 'detector_timeout';
  message: string;
}

export interface Decision {
  verdict: Verdict;
  /** What enforce mode would have answered; differs from `verdict` only in monitor mode. */
  policyVerdict: Verdict;
  /** Highest category score. */
  score: number;
  categories: Record<Category, number>;
  /** Categories whose score reached their threshold, with the action the policy gave them. */
  triggered: Array<{ category: Category; action: Action; score: number }>;
  /** Findings to redact (category action `redact`, finding at or above its threshold). */
  redact: Finding[];
  /** Set when a detector failed and the fail mode decided the verdict. */
  failure?: { failMode: Policy['failMode']; errors: DetectorError[] };
}

export function emptyScores(): Record<Category, number> {
  const out = {} as Record<Category, number>;
  for (const c of CATEGORIES) out[c] = 0;
  return out;
}

/** Prompts are judged by `policy.categories`, model responses by `policy.response.categories`. */
export function decide(policy: Policy, findings: readonly Finding[], errors: readonly DetectorError[] = [], direction: Direction = 'prompt'): Decision {
  const rules = direction === 'response' ? policy.response.categories : policy.categories;
  const categories = emptyScores();
  for (const f of findings) if (f.score > categories[f.category]) categories[f.category] = f.score;

  let policyVerdict: Verdict = 'allow';
  let score = 0;
  const triggered: Decision['triggered'] = [];
  for (const c of CATEGORIES) {
    const s = categories[c];
    if (s > score) score = s;
    const rule = rules[c];
    if (s > 0 && s >= rule.threshold && rule.action !== 'allow') {
      triggered.push({ category: c, action: rule.action, score: s });
      policyVerdict = mostSevere(policyVerdict, rule.action);
    }
  }

  let failure: Decision['failure'];
  if (errors.length > 0) {
    failure = { failMode: policy.failMode, errors: [...errors] };
    // Closed: an unchecked prompt is treated as an attack. Open: it passes, flagged for review.
    policyVerdict = mostSevere(policyVerdict, policy.failMode === 'closed' ? 'block' : 'flag');
  }

  const redact =
    policyVerdict === 'redact'
      ? findings.filter((f) => rules[f.category].action === 'redact' && f.score >= rules[f.category].threshold)
      : [];

  const verdict = policy.mode === 'monitor' && RANK[policyVerdict] > RANK.flag ? 'flag' : policyVerdict;
  return { verdict, policyVerdict, score, categories, triggered, redact: verdict === 'redact' ? redact : [], failure };
}

/** Stable short hash of a policy: part of every cache key, reported in every verdict. */
export function policyVersion(policy: unknown): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex').slice(0, 12);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export { ACTIONS };
