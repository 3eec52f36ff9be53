// npm run eval -- --data FILE.jsonl [--out result.json] [--model DIR]
//
// Scores a labelled JSONL (`text`, `label` 1 attack / 0 benign, optional `source`) with the model
// alone, the rules alone and the full scanner verdict, and prints and writes, overall, per source
// and per length bucket: TPR, FPR, precision, F1, ROC AUC and TPR at 1% FPR. The JSON's top-level
// `overall` is the full verdict's.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { normalise } from '../../normalise/normalise.js';
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

/**
 * The systems to compare. Integration point: the rule packs (scanner/detectors/rules.ts) and the
 * pipeline (scanner/pipeline.ts) are being written on main; once merged, `rules` scores with the
 * rule detector alone and `full` with the pipeline's verdict. Until then `full` is the model.
 */
export function systems(detector: ClassifierDetector): { model: System; rules?: System; full: System } {
  const model = modelSystem(detector);
  return { model, full: { ...model, name: 'full', description: `full verdict (model only: rules and pipeline not merged yet) — ${model.description}` } };
}

export function printReport(name: string, r: SystemReport): string {
  return [
    `\n== ${name}: ${r.description} (threshold ${r.threshold}, ${r.msPerRow.toFixed(3)} ms/row)`,
    formatMetricsTable('overall', { overall: r.overall }),
    formatMetricsTable('by source', r.bySource),
    formatMetricsTable('by length (chars)', r.byLength),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' } } });
  if (!values.data) {
    console.error('usage: npm run eval -- --data FILE.jsonl [--out result.json] [--model DIR]');
    process.exit(2);
  }
  const rows = readJsonl(resolve(values.data));
  const detector = new ClassifierDetector({ dir: values.model, minScore: 0 });
  await detector.ready();
  const sys = systems(detector);
  const list = [sys.model, ...(sys.rules ? [sys.rules] : []), sys.full];
  const reports = await evaluate(list, rows);
  for (const [name, r] of Object.entries(reports)) console.log(printReport(name, r));
  const full = reports.full;
  const result = {
    data: resolve(values.data),
    rows: rows.length,
    overall: { tpr: full.overall.tpr, fpr: full.overall.fpr, auc: full.overall.auc, tprAt1Fpr: full.overall.tprAt1Fpr, precision: full.overall.precision, f1: full.overall.f1 },
    ...reports,
  };
  if (values.out) {
    writeFileSync(resolve(values.out), JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwrote ${resolve(values.out)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
