// Leave-one-source-out quality of the model alone, the rule packs alone and both combined (max of
// the two scores, as the policy combines findings), on the training pool: the model's scores are
// out-of-fold (each source scored by a model trained without it); the rules are as written.
//
//   npx tsx bench/classifier-loso.ts [--data FILE] [--out bench/results/classifier-loso.json]
//
// Takes as long as the cross-validation of `npm run train` (tens of minutes on 2 cores).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readJsonl } from '../scanner/classifier/train/data.js';
import { losoFolds } from '../scanner/classifier/train/cv.js';
import { crossValidate, DEFAULT_DATA, DEFAULT_RECIPE } from '../scanner/classifier/train/train.js';
import { createRulesDetector } from '../scanner/detectors/rules.js';
import { normalise } from '../scanner/normalise/normalise.js';
import { groupBy, lengthBucket, metrics } from '../scanner/classifier/eval/metrics.js';
import { formatMetricsTable } from '../scanner/classifier/train/report.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, out: { type: 'string', default: 'bench/results/classifier-loso.json' } } });
const rows = readJsonl(resolve(values.data ?? process.env.PF_TRAIN_DATA ?? DEFAULT_DATA));
const cv = await crossValidate(rows, DEFAULT_RECIPE, losoFolds(rows), 2, (m) => console.error(m));
const t = cv.report.threshold;
const rules = createRulesDetector();
const rs = rows.map((r) => { let b = 0; for (const f of rules.detect(normalise(r.text))) if (f.category === 'prompt_injection' || f.category === 'jailbreak') b = Math.max(b, f.score); return b; });
const model = cv.logits.map((z) => 1 / (1 + Math.exp(-(z - t))));
const out: Record<string, unknown> = { thresholdLogit: t };
for (const [name, sc] of [['model', model], ['rules', rs], ['model+rules', model.map((m, i) => Math.max(m, rs[i]))]] as const) {
  const items = rows.map((r, i) => ({ score: sc[i], label: r.label, source: r.source, chars: r.text.length }));
  const rec = (m: Map<string, typeof items>) => Object.fromEntries([...m].map(([k, v]) => [k, metrics(v, 0.5)]));
  const rep = { overall: metrics(items, 0.5), bySource: rec(groupBy(items, (x) => x.source)), byLength: rec(groupBy(items, (x) => lengthBucket(x.chars))) };
  out[name] = rep;
  console.log(formatMetricsTable(`== ${name} (LOSO out-of-fold model scores; rules as written)`, { overall: rep.overall }));
  console.log(formatMetricsTable('by source', rep.bySource));
  console.log(formatMetricsTable('by length', rep.byLength));
}
writeFileSync(resolve(values.out!), JSON.stringify(out, null, 2) + '\n');
