// npm run eval -- --data FILE.jsonl [--out result.json] [--model DIR] [--scores rows.jsonl] [--threshold S]
//
// Scores a labelled JSONL (`text`, `label` 1 attack / 0 benign, optional `source`) with the model
// alone, the rules alone and the full scanner verdict, and prints and writes, overall, per source
// and per length bucket: TPR, FPR, precision, F1, ROC AUC and TPR at 1% FPR. The JSON's top-level
// `overall` is the full verdict's. --threshold S counts a model or full-verdict score ≥ S as an
// attack instead of the default 0.5 (what a policy's prompt_injection / jailbreak threshold of S
// would do); the rules keep 0.5.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { PolicySchema } from '../../../crds/schema.js';
import { TieredCache } from '../../cache/tiered.js';
import { Canaries } from '../../canary/canary.js';
import { createDetectors } from '../../detectors/registry.js';
import { createRulesDetector, type RulesDetector } from '../../detectors/rules.js';
import { normalise } from '../../normalise/normalise.js';
import { policyVersion } from '../../policy/decide.js';
import { Scanner } from '../../scan/scanner.js';
import { ClassifierDetector } from '../detector.js';
import { readJsonl } from '../train/data.js';
import { formatMetricsTable } from '../train/report.js';
import { evaluate, type System, type SystemReport } from './evaluate.js';

/** The model alone: the served detector on every view of the normalised input. */
export function modelSystem(detector: ClassifierDetector): System {
  return {
    name: 'model',
    description: `built-in classifier ${detector.version} on all language views (max over windows and views)`,
    threshold: 0.5,
    async score(text) {
      const f = await detector.detect(normalise(text), { direction: 'prompt' });
      return f.length ? f[0].score : 0;
    },
  };
}

/** The rule packs alone: their highest prompt-injection or jailbreak finding over all views. */
export function rulesSystem(rules: RulesDetector): System {
  return {
    name: 'rules',
    description: 'rule packs alone (all views)',
    threshold: 0.5,
    async score(text) {
      let best = 0;
      for (const f of rules.detect(normalise(text))) if (f.category === 'prompt_injection' || f.category === 'jailbreak') best = Math.max(best, f.score);
      return best;
    },
  };
}

/**
 * The full scanner as served: every registered detector (rules, model, PII, secrets, …) through
 * the pipeline and the default policy; the score is the verdict's prompt-injection / jailbreak
 * score, so "flagged" means the default policy blocks the text as an attack.
 */
export function fullSystem(scanner: Scanner): System {
  return {
    name: 'full',
    description: 'full scanner verdict (all detectors, default policy; attack = prompt_injection or jailbreak ≥ 0.5)',
    threshold: 0.5,
    async score(text) {
      const r = await scanner.scan({ input: text, direction: 'prompt' });
      return Math.max(r.categories.prompt_injection, r.categories.jailbreak);
    },
  };
}

export async function systems(modelDir?: string): Promise<{ model: System; rules: System; full: System }> {
  const detector = new ClassifierDetector({ dir: modelDir, minScore: 0 });
  await detector.ready();
  // Default policy, but with a generous detector time budget: this measures what the detectors
  // find, and an evaluation run on a busy machine must not turn slow batches into misses.
  const policy = PolicySchema.parse({ detectorTimeoutMs: 60_000 });
  let detectors = await createDetectors({ canaries: new Canaries(randomBytes(32)) });
  if (modelDir) {
    // The full verdict with the model under evaluation in place of the committed one.
    const candidate = new ClassifierDetector({ dir: modelDir });
    await candidate.ready();
    detectors = detectors.map((d) => (d instanceof ClassifierDetector ? candidate : d));
  }
  const scanner = new Scanner(detectors, new TieredCache({ enabled: false, maxEntries: 1, ttlSeconds: 1 }), () => ({ policy, version: policyVersion(policy) }));
  return { model: modelSystem(detector), rules: rulesSystem(createRulesDetector()), full: fullSystem(scanner) };
}

export function printReport(name: string, r: SystemReport): string {
  return [
    `\n== ${name}: ${r.description} (threshold ${r.threshold}, ${r.msPerRow.toFixed(3)} ms/row)`,
    formatMetricsTable('overall', { overall: r.overall }),
    formatMetricsTable('by source', r.bySource),
    formatMetricsTable('by length (chars)', r.byLength),
    ...(r.byKind ? [formatMetricsTable('by kind', r.byKind)] : []),
    ...(r.byLang ? [formatMetricsTable('by language', r.byLang)] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' }, scores: { type: 'string' }, threshold: { type: 'string' } } });
  if (!values.data) {
    console.error('usage: npm run eval -- --data FILE.jsonl [--out result.json] [--model DIR] [--scores rows.jsonl] [--threshold S]');
    process.exit(2);
  }
  const rows = readJsonl(resolve(values.data));
  const sys = await systems(values.model);
  if (values.threshold !== undefined) {
    const t = Number(values.threshold);
    if (!(t > 0 && t < 1)) throw new Error('--threshold takes a score between 0 and 1');
    sys.model = { ...sys.model, threshold: t };
    sys.full = { ...sys.full, threshold: t };
  }
  const list = [sys.model, sys.rules, sys.full];
  const perRow = rows.map((r) => ({ source: r.source, label: r.label, kind: r.kind, lang: r.lang, chars: r.text.length } as Record<string, unknown>));
  const reports = await evaluate(list, rows, (name, scores) => scores.forEach((s, i) => (perRow[i][name] = s)));
  for (const [name, r] of Object.entries(reports)) console.log(printReport(name, r));
  const full = reports.full;
  const result = {
    data: resolve(values.data),
    rows: rows.length,
    overall: { tpr: full.overall.tpr, fpr: full.overall.fpr, auc: full.overall.auc, tprAt1Fpr: full.overall.tprAt1Fpr, precision: full.overall.precision, f1: full.overall.f1 },
    ...reports,
  };
  if (values.scores) writeFileSync(resolve(values.scores), perRow.map((r) => JSON.stringify(r)).join('\n') + '\n');
  if (values.out) {
    writeFileSync(resolve(values.out), JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwrote ${resolve(values.out)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
