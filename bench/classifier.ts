// Classifier performance: per-prompt latency (single and under concurrency, so batched), the
// cost of each stage, and scans per second in one process with and without the model.
//
//   npx tsx bench/classifier.ts [--seconds 5] [--threads N] [--out bench/results/classifier.json]
//
// Numbers are only comparable within one run on an otherwise idle machine.
//
// Prompts: the committed multilingual probe set and the model's sample texts (typical chat
// prompts of 20–300 characters, plus a few long documents), repeated.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { normalise } from '../scanner/normalise/normalise.js';
import { ClassifierDetector } from '../scanner/classifier/detector.js';
import { featurise } from '../scanner/classifier/features.js';
import { SAMPLE_TEXTS } from '../scanner/classifier/train/samples.js';
import { builtinModelDir, loadArtefact } from '../scanner/classifier/artefact.js';
import { randomBytes } from 'node:crypto';
import { PolicySchema } from '../crds/schema.js';
import { TieredCache } from '../scanner/cache/tiered.js';
import { Canaries } from '../scanner/canary/canary.js';
import { createDetectors } from '../scanner/detectors/registry.js';
import type { Detector } from '../scanner/detectors/types.js';
import { policyVersion } from '../scanner/policy/decide.js';
import { Scanner } from '../scanner/scan/scanner.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, threads: { type: 'string' }, out: { type: 'string', default: 'bench/results/classifier.json' } } });
const seconds = Number(values.seconds);

const probe = readFileSync(resolve(root, 'bench/data/multilingual-probe.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
const prompts = [...probe, ...SAMPLE_TEXTS.filter((t) => t.length > 0 && t.length < 1000)];
const long = SAMPLE_TEXTS.filter((t) => t.length >= 1000);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const us = (ms: number) => Number((ms * 1000).toFixed(1));

async function timed(fn: (i: number) => Promise<unknown> | unknown, budgetS: number): Promise<{ n: number; samples: number[]; totalMs: number }> {
  const samples: number[] = [];
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < budgetS * 1000) {
    const t = performance.now();
    await fn(i++);
    samples.push(performance.now() - t);
  }
  return { n: i, samples, totalMs: performance.now() - start };
}

async function concurrent(fn: (i: number) => Promise<unknown>, lanes: number, budgetS: number) {
  const lat: number[] = [];
  const start = performance.now();
  let i = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() - start < budgetS * 1000) {
        const t = performance.now();
        await fn(i++);
        lat.push(performance.now() - t);
      }
    }),
  );
  const total = performance.now() - start;
  return { perSecond: Math.round((lat.length / total) * 1000), p50us: us(pct(lat, 50)), p99us: us(pct(lat, 99)) };
}

const threads = values.threads ? Number(values.threads) : undefined;
const det = new ClassifierDetector({ threads, minScore: 0 });
await det.ready();
const { manifest } = loadArtefact(builtinModelDir());
const normalised = prompts.map((p) => normalise(p));
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, onnxruntime: ort.env.versions?.common ?? 'unknown' },
  model: { version: det.version, threads: threads ?? 'auto' },
  prompts: { count: prompts.length, meanChars: Math.round(prompts.reduce((a, p) => a + p.length, 0) / prompts.length) },
};

// Stage costs on typical prompts.
const featT = await timed((i) => featurise(normalised[i % normalised.length].text, manifest.features), seconds / 2);
const normT = await timed((i) => normalise(prompts[i % prompts.length]), seconds / 2);
results.stages = {
  normaliseUs: { p50: us(pct(normT.samples, 50)), p99: us(pct(normT.samples, 99)) },
  featuriseUs: { p50: us(pct(featT.samples, 50)), p99: us(pct(featT.samples, 99)) },
};

// Raw session: one window per run vs a batch of 64 windows per run.
const session = await ort.InferenceSession.create(loadArtefact(builtinModelDir()).bytes, { intraOpNumThreads: threads ?? 1, interOpNumThreads: 1 });
const windows = normalised.flatMap((n) => featurise(n.text, manifest.features));
async function runBatch(ws: typeof windows) {
  const width = Math.max(...ws.map((w) => w.ids.length));
  const ids = new BigInt64Array(ws.length * width);
  const weights = new Float32Array(ws.length * width);
  ws.forEach((w, b) => {
    for (let i = 0; i < w.ids.length; i++) ids[b * width + i] = BigInt(w.ids[i]);
    weights.set(w.weights, b * width);
  });
  await session.run({ ids: new ort.Tensor('int64', ids, [ws.length, width]), weights: new ort.Tensor('float32', weights, [ws.length, width]) });
}
const single = await timed((i) => runBatch([windows[i % windows.length]]), seconds);
const batched = await timed((i) => runBatch(Array.from({ length: 64 }, (_, k) => windows[(i * 64 + k) % windows.length])), seconds);
results.onnxRun = {
  singleWindowUs: { p50: us(pct(single.samples, 50)), p99: us(pct(single.samples, 99)) },
  batch64Us: { p50: us(pct(batched.samples, 50)), p99: us(pct(batched.samples, 99)), perWindowP50: us(pct(batched.samples, 50) / 64) },
};

// Detector end to end (all views of the normalised input): one at a time, then 64 in flight.
const seq = await timed((i) => det.detect(normalised[i % normalised.length], { direction: 'prompt' }), seconds);
results.detectSequentialUs = { p50: us(pct(seq.samples, 50)), p99: us(pct(seq.samples, 99)), perSecond: Math.round((seq.n / seq.totalMs) * 1000) };
const before = det.stats;
results.detectConcurrent64 = await concurrent((i) => det.detect(normalised[i % normalised.length], { direction: 'prompt' }), 64, seconds);
const after = det.stats;
(results.detectConcurrent64 as Record<string, unknown>).meanBatch = Number(((after.windows - before.windows) / Math.max(1, after.batches - before.batches)).toFixed(1));
const longT = await timed((i) => det.detect(normalise(long[i % long.length]), { direction: 'prompt' }), seconds / 2);
results.detectLongDocUs = { chars: long.map((l) => l.length), p50: us(pct(longT.samples, 50)), p99: us(pct(longT.samples, 99)) };

// The whole pipeline in one process (request → normalise → detectors → policy → verdict, caches
// off so every scan is a miss), 64 scans in flight: all registered detectors vs the same without
// the model (rules, PII, secrets, …), in the same run.
const policy = PolicySchema.parse({});
const all = await createDetectors({ canaries: new Canaries(randomBytes(32)) });
const noCache = () => new TieredCache({ enabled: false, maxEntries: 1, ttlSeconds: 1 });
const pipeline = (detectors: Detector[]) => new Scanner(detectors, noCache(), () => ({ policy, version: policyVersion(policy) }));
const withModel = pipeline(all);
const rulesOnly = pipeline(all.filter((d) => d.name !== det.name));
const scanLoad = (s: Scanner) => concurrent((i) => s.scan({ input: prompts[i % prompts.length], direction: 'prompt' }), 64, seconds);
results.pipeline = { rulesOnly: await scanLoad(rulesOnly), withModel: await scanLoad(withModel) };

console.log(JSON.stringify(results, null, 2));
mkdirSync(dirname(resolve(root, values.out!)), { recursive: true });
writeFileSync(resolve(root, values.out!), JSON.stringify(results, null, 2) + '\n');
