// npm run train -- [--data FILE] [--out DIR] [--kfold] [--check] [--config JSON] [--threads N]
//
// 1. Read the labelled JSONL (default ../shared/data/train.jsonl beside the repository, or
//    $PF_TRAIN_DATA), add the code-switched copies, featurise once.
// 2. Leave-one-source-out cross-validation: for each source repository, train without it (and
//    without copies made from it) and score it. The pooled out-of-fold benign scores give the
//    decision threshold (≤ 1% false positives); the report goes into cv-report.{json,md}.
//    --kfold adds stratified 5-fold CV (in-distribution) to the report.
// 3. Train on everything, quantise, build the ONNX graph with the threshold as calibration, write
//    prompt-injection.onnx, its manifest and the sample scores the serving test checks.
// --check does all of this without writing and compares the bytes with the committed artefact;
// with --reuse-cv it takes the threshold and CV summary from the committed manifest instead of
// rerunning cross-validation (minutes instead of tens of minutes; checks the final training).
//
// Deterministic: same data, configuration and seed → the same bytes (see model.ts).
import { mkdirSync, readFileSync, writeFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MANIFEST_FILE, MODEL_FILE, SAMPLE_FILE, sha256, versionOf, type Manifest } from '../artefact.js';
import { DEFAULT_FEATURES, featurise, type FeatureConfig } from '../features.js';
import { buildOnnx } from '../onnx-graph.js';
import { DEFAULT_AUGMENT, trainingSet, type AugmentConfig } from './augment.js';
import { kFolds, losoFolds, runFolds, type Fold, type FoldJob } from './cv.js';
import { modelText, projectRows, readJsonl, toExamples, type Row } from './data.js';
import { syntheticRows } from './synthetic.js';
import { quantise, quantisedScore } from './export.js';
import { DEFAULT_TRAIN, train, type TrainConfig } from './model.js';
import { pack } from './packed.js';
import { formatOof, oofReport, pool, type OofReport } from './report.js';
import { SAMPLE_TEXTS } from './samples.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_DATA = resolve(REPO_ROOT, '../shared/data/train.jsonl');
export const DEFAULT_OUT = join(REPO_ROOT, 'scanner/classifier/model');

export interface RecipeConfig {
  features: FeatureConfig;
  train: TrainConfig;
  augment: AugmentConfig | null;
  /** Add the project's template rows (synthetic.ts) to every training set. */
  synthetic: boolean;
  /** Add the project-written rows (data/*.jsonl) to every training set. */
  project: boolean;
  /** Largest false-positive rate allowed on out-of-fold benign text at the chosen threshold. */
  maxFpr: number;
}

export const DEFAULT_RECIPE: RecipeConfig = { features: DEFAULT_FEATURES, train: DEFAULT_TRAIN, augment: DEFAULT_AUGMENT, synthetic: true, project: true, maxFpr: 0.01 };

/** The project's own rows a recipe adds to every training set. */
export const extraRows = (recipe: RecipeConfig): Row[] => [...(recipe.synthetic ? syntheticRows(recipe.train.seed) : []), ...(recipe.project ? projectRows() : [])];

export interface CvResult {
  folds: string[];
  report: OofReport;
  logits: number[];
}

/** Cross-validation over the original rows; augmented copies follow the row they were made from. */
export async function crossValidate(rows: readonly Row[], recipe: RecipeConfig, folds: Fold[], threads: number, log: (m: string) => void): Promise<CvResult> {
  const aug = trainingSet(rows, recipe.augment ?? undefined, recipe.train.seed, extraRows(recipe));
  const data = pack(toExamples(aug.rows, recipe.features));
  const jobs: FoldJob[] = folds.map((f) => {
    const held = new Set(f.test);
    return {
      name: f.name,
      data,
      bucketBits: recipe.features.bucketBits,
      config: recipe.train,
      train: aug.origin.flatMap((o, i) => (held.has(o) ? [] : [i])),
      test: f.test,
    };
  });
  const results = await runFolds(jobs, threads, log);
  const logits = pool(rows, results);
  return { folds: folds.map((f) => f.name), report: oofReport(rows, logits, recipe.maxFpr), logits };
}

export interface Artefact {
  onnx: Uint8Array;
  manifest: Manifest;
  samples: Array<{ text: string; score: number }>;
}

/** Final model on all rows, with the threshold logit as its calibration. */
export function buildArtefact(rows: readonly Row[], recipe: RecipeConfig, thresholdLogit: number, chosenOn: string, training: Record<string, unknown>, log?: (m: string) => void): Artefact {
  const aug = trainingSet(rows, recipe.augment ?? undefined, recipe.train.seed, extraRows(recipe));
  const params = train(toExamples(aug.rows, recipe.features), recipe.features.bucketBits, recipe.train, log);
  const q = quantise(params, thresholdLogit);
  const onnx = buildOnnx(q, { features: JSON.stringify(recipe.features), threshold_logit: String(q.calibration) });
  const hash = sha256(onnx);
  const manifest: Manifest = {
    name: 'prompt-injection',
    version: versionOf(hash),
    sha256: hash,
    features: recipe.features,
    threshold: { logit: q.calibration, score: 0.5, maxFpr: recipe.maxFpr, chosenOn },
    training: { ...training, train: recipe.train, augment: recipe.augment, synthetic: recipe.synthetic, project: recipe.project, rows: rows.length, trainedOn: aug.rows.length },
  };
  const samples = SAMPLE_TEXTS.map((text) => ({ text, score: quantisedScore(q, featurise(modelText(text), recipe.features)) }));
  return { onnx, manifest, samples };
}

export function mergeRecipe(json: string | undefined): RecipeConfig {
  if (!json) return DEFAULT_RECIPE;
  const o = JSON.parse(json) as Partial<{ features: Partial<FeatureConfig>; train: Partial<TrainConfig>; augment: Partial<AugmentConfig> | null; synthetic: boolean; project: boolean; maxFpr: number }>;
  return {
    features: { ...DEFAULT_RECIPE.features, ...o.features },
    train: { ...DEFAULT_RECIPE.train, ...o.train },
    augment: o.augment === null ? null : { ...DEFAULT_RECIPE.augment!, ...o.augment },
    synthetic: o.synthetic ?? DEFAULT_RECIPE.synthetic,
    project: o.project ?? DEFAULT_RECIPE.project,
    maxFpr: o.maxFpr ?? DEFAULT_RECIPE.maxFpr,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      config: { type: 'string' },
      kfold: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      'reuse-cv': { type: 'boolean', default: false },
      threads: { type: 'string', default: '2' },
      oof: { type: 'string' },
    },
  });
  const dataPath = resolve(values.data ?? process.env.PF_TRAIN_DATA ?? DEFAULT_DATA);
  if (!existsSync(dataPath)) {
    console.error(`training data not found at ${dataPath}\n  pass --data FILE or set PF_TRAIN_DATA (default: ../shared/data/train.jsonl beside the repository)`);
    process.exit(2);
  }
  const recipe = mergeRecipe(values.config);
  const threads = Number(values.threads);
  const log = (m: string) => console.error(`[train] ${m}`);
  const started = performance.now();
  const rows = readJsonl(dataPath);
  const dataHash = sha256(readFileSync(dataPath));
  log(`${rows.length} rows from ${dataPath} (sha256 ${dataHash.slice(0, 12)}…)`);

  const outDir = resolve(values.out ?? DEFAULT_OUT);
  let loso: CvResult | undefined;
  let kfold: CvResult | undefined;
  let threshold: number;
  let losoSummary: unknown;
  if (values['reuse-cv']) {
    const committed = JSON.parse(readFileSync(join(outDir, MANIFEST_FILE), 'utf8')) as Manifest;
    threshold = (committed.training.loso as { threshold: number }).threshold;
    losoSummary = committed.training.loso;
    log(`reusing the committed cross-validation (threshold logit ${threshold})`);
  } else {
    log('leave-one-source-out cross-validation');
    loso = await crossValidate(rows, recipe, losoFolds(rows), threads, log);
    console.log(formatOof('LOSO (leave one source out)', loso.report));
    if (values.kfold) {
      log('stratified 5-fold cross-validation');
      kfold = await crossValidate(rows, recipe, kFolds(rows, 5, recipe.train.seed), threads, log);
      console.log(formatOof('5-fold CV (in distribution)', kfold.report));
    }
    threshold = loso.report.threshold;
    losoSummary = { threshold, overall: loso.report.overall };
    // The out-of-fold logits, for `bench/classifier-loso.ts --oof` (model + rules without a second CV).
    if (values.oof) writeFileSync(resolve(values.oof), JSON.stringify({ data: dataHash, recipe, threshold, overall: loso.report.overall, logits: loso.logits }) + '\n');
  }

  log('final model on all rows');
  const art = buildArtefact(rows, recipe, threshold, 'pooled out-of-fold benign scores of leave-one-source-out CV', {
    data: { file: 'train.jsonl', sha256: dataHash },
    loso: losoSummary,
  }, log);
  const files: Record<string, string | Uint8Array> = {
    [MODEL_FILE]: art.onnx,
    [MANIFEST_FILE]: JSON.stringify(art.manifest, null, 2) + '\n',
    [SAMPLE_FILE]: JSON.stringify(art.samples, null, 2) + '\n',
  };
  // The cross-validation report is written beside the model but is not part of the artefact: the
  // --kfold part is optional, and --check compares only what the server loads.
  const reports: Record<string, string> = !loso ? {} : {
    'cv-report.json': JSON.stringify({ loso: loso.report, ...(kfold ? { kfold: kfold.report } : {}) }, null, 2) + '\n',
    'cv-report.md': [
      '# Cross-validation report (generated by npm run train)\n',
      '```',
      formatOof('Leave-one-source-out', loso.report),
      ...(kfold ? ['', formatOof('Stratified 5-fold', kfold.report)] : []),
      '```',
      '',
    ].join('\n'),
  };
  if (values.check) {
    const tmp = mkdtempSync(join(tmpdir(), 'pf-train-'));
    let same = true;
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(tmp, name), content);
      const committed = join(outDir, name);
      const equal = existsSync(committed) && Buffer.compare(readFileSync(committed), Buffer.from(content)) === 0;
      console.log(`${equal ? 'identical' : 'DIFFERENT'}  ${name}`);
      same &&= equal;
    }
    console.log(same ? `retrained artefact is byte-identical to ${outDir}` : `retrained artefact differs from ${outDir} (new files in ${tmp})`);
    process.exitCode = same ? 0 : 1;
  } else {
    mkdirSync(outDir, { recursive: true });
    for (const [name, content] of Object.entries({ ...files, ...reports })) writeFileSync(join(outDir, name), content);
    log(`wrote ${outDir}/${MODEL_FILE} (${art.onnx.length} bytes, ${art.manifest.version})`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
