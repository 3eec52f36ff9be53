// Scoring a labelled set with several systems (model alone, rules alone, full scanner) and
// reporting each overall, per source and per length bucket. The systems are inputs, so the same
// code evaluates whatever detectors or pipeline it is handed.
import { groupBy, lengthBucket, metrics, type Metrics } from './metrics.js';
import type { Row } from '../train/data.js';

export interface System {
  name: string;
  /** Score in [0, 1] of one raw input text. */
  score(text: string): Promise<number>;
  /** Decision threshold on that score (the policy's default 0.5 for calibrated scores). */
  threshold: number;
  /** One line on what this system is, printed and written with its results. */
  description: string;
}

export interface SystemReport {
  description: string;
  threshold: number;
  overall: Metrics;
  bySource: Record<string, Metrics>;
  byLength: Record<string, Metrics>;
  /** Present when the rows carry `kind` / `lang` tags. */
  byKind?: Record<string, Metrics>;
  byLang?: Record<string, Metrics>;
  /** Mean scoring time per row in milliseconds (sequential batches of `concurrency`). */
  msPerRow: number;
}

/** Scores every row with `concurrency` requests in flight, so batching detectors can batch. */
export async function scoreAll(system: System, rows: readonly Row[], concurrency = 64): Promise<number[]> {
  const out = new Array<number>(rows.length);
  let next = 0;
  const lane = async () => {
    while (next < rows.length) {
      const i = next++;
      out[i] = await system.score(rows[i].text);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
  return out;
}

export function report(system: System, rows: readonly Row[], scores: readonly number[], ms: number): SystemReport {
  const items = rows.map((r, i) => ({ score: scores[i], label: r.label, source: r.source, chars: r.text.length, kind: r.kind, lang: r.lang }));
  const rec = (m: Map<string, typeof items>) => Object.fromEntries([...m].map(([k, v]) => [k, metrics(v, system.threshold)]));
  return {
    description: system.description,
    threshold: system.threshold,
    overall: metrics(items, system.threshold),
    bySource: rec(groupBy(items, (x) => x.source)),
    byLength: rec(groupBy(items, (x) => lengthBucket(x.chars))),
    ...(rows.some((r) => r.kind !== undefined) ? { byKind: rec(groupBy(items, (x) => x.kind ?? '-')) } : {}),
    ...(rows.some((r) => r.lang !== undefined) ? { byLang: rec(groupBy(items, (x) => x.lang ?? '-')) } : {}),
    msPerRow: rows.length ? ms / rows.length : 0,
  };
}

/** Reports per system; `onScores` (optional) receives each system's per-row scores. */
export async function evaluate(systems: readonly System[], rows: readonly Row[], onScores?: (system: string, scores: number[]) => void): Promise<Record<string, SystemReport>> {
  const out: Record<string, SystemReport> = {};
  for (const s of systems) {
    const t = performance.now();
    const scores = await scoreAll(s, rows);
    out[s.name] = report(s, rows, scores, performance.now() - t);
    onScores?.(s.name, scores);
  }
  return out;
}
