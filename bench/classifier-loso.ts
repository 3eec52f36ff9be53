// Leave-one-source-out quality of the model alone, the rule packs alone and both combined (max of
// the two scores, as the policy combines findings), on the training pool: the model's scores are
// out-of-fold (each source scored by a model trained without it); the rules are as written.
// The project-written rows (scanner/classifier/train/data) are in every fold's training set and
// never scored here, so this measures public sources the model has not seen.
//
//   npx tsx bench/classifier-loso.ts [--data FILE] [--config JSON] [--oof FILE] [--out FILE] [--logits FILE] [--final DIR]
//
// --config takes the same recipe overrides as `npm run train -- --config` (e.g. '{"project":false}'
// for the contribution of the project's rows); --logits writes the out-of-fold logits per row (for
// error analysis); --final also trains the model on everything with the LOSO threshold and writes
// the artefact to DIR (for `npm run eval -- --model DIR`).
// Takes as long as the cross-validation of `npm run train` (tens of minutes on 2 cores).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readJsonl } from '../scanner/classifier/train/data.js';
import { losoFolds } from '../scanner/classifier/train/cv.js';
import { buildArtefact, crossValidate, DEFAULT_DATA, mergeRecipe } from '../scanner/classifier/train/train.js';
import { MANIFEST_FILE, MODEL_FILE, SAMPLE_FILE } from '../scanner/classifier/artefact.js';
import { createRulesDetector } from '../scanner/detectors/rules.js';
import { normalise } from '../scanner/normalise/normalise.js';
import { groupBy, lengthBucket, metrics } from '../scanner/classifier/eval/metrics.js';
import { formatMetricsTable } from '../scanner/classifier/train/report.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string', default: 'bench/results/classifier-loso.json' },
    logits: { type: 'string' },
    final: { type: 'string' },
    threads: { type: 'string', default: '2' },
    oof: { type: 'string' },
  },
});
const started = performance.now();
const recipe = mergeRecipe(values.config);
const rows = readJsonl(resolve(values.data ?? process.env.PF_TRAIN_DATA ?? DEFAULT_DATA));
// --oof FILE: the out-of-fold logits written by `npm run train -- --oof FILE` (same rows), instead of
// running the cross-validation again.
const cv: { logits: number[]; report: { threshold: number; overall: unknown } } = values.oof
  ? (() => {
      const o = JSON.parse(readFileSync(resolve(values.oof!), 'utf8')) as { threshold: number; overall: unknown; logits: number[] };
      if (o.logits.length !== rows.length) throw new Error(`${values.oof}: ${o.logits.length} logits for ${rows.length} rows`);
      return { logits: o.logits, report: { threshold: o.threshold, overall: o.overall } };
    })()
  : await crossValidate(rows, recipe, losoFolds(rows), Number(values.threads), (m) => console.error(`[loso] ${m} (${((performance.now() - started) / 1000).toFixed(0)} s)`));
const t = cv.report.threshold;
const rules = createRulesDetector();
const rs = rows.map((r) => {
  let b = 0;
  for (const f of rules.detect(normalise(r.text))) if (f.category === 'prompt_injection' || f.category === 'jailbreak') b = Math.max(b, f.score);
  return b;
});
const model = cv.logits.map((z) => 1 / (1 + Math.exp(-(z - t))));
const out: Record<string, unknown> = { config: values.config ?? null, thresholdLogit: t, seconds: Math.round((performance.now() - started) / 1000) };
for (const [name, sc] of [['model', model], ['rules', rs], ['model+rules', model.map((m, i) => Math.max(m, rs[i]))]] as const) {
  const items = rows.map((r, i) => ({ score: sc[i], label: r.label, source: r.source, chars: r.text.length }));
  const rec = (m: Map<string, typeof items>) => Object.fromEntries([...m].map(([k, v]) => [k, metrics(v, 0.5)]));
  const rep = { overall: metrics(items, 0.5), bySource: rec(groupBy(items, (x) => x.source)), byLength: rec(groupBy(items, (x) => lengthBucket(x.chars))) };
  out[name] = rep;
  console.log(formatMetricsTable(`== ${name} (LOSO out-of-fold model scores; rules as written)`, { overall: rep.overall }));
  console.log(formatMetricsTable('by source', rep.bySource));
  console.log(formatMetricsTable('by length', rep.byLength));
}
mkdirSync(resolve(values.out!, '..'), { recursive: true });
writeFileSync(resolve(values.out!), JSON.stringify(out, null, 2) + '\n');
if (values.logits) writeFileSync(resolve(values.logits), rows.map((r, i) => JSON.stringify({ source: r.source, label: r.label, logit: cv.logits[i], rules: rs[i], chars: r.text.length })).join('\n') + '\n');
if (values.final) {
  const dir = resolve(values.final);
  const art = buildArtefact(rows, recipe, t, 'pooled out-of-fold benign scores of leave-one-source-out CV', { loso: { threshold: t, overall: cv.report.overall } }, (m) => console.error(`[final] ${m}`));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MODEL_FILE), art.onnx);
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(art.manifest, null, 2) + '\n');
  writeFileSync(join(dir, SAMPLE_FILE), JSON.stringify(art.samples, null, 2) + '\n');
  console.error(`[final] wrote ${dir} (${art.onnx.length} bytes)`);
}
console.error(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
