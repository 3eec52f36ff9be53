// Bring your own model: a Hugging Face style sequence classifier exported to ONNX, read from a
// directory mounted into the pod (a DeBERTa prompt-injection model, Llama Prompt Guard 2, …).
//
//   dir/model.onnx             inputs input_ids, attention_mask (and token_type_ids if it has it), output logits
//   dir/tokenizer.json         tokenised with @huggingface/tokenizers (nothing downloaded)
//   dir/config.json            id2label (and max_position_embeddings, pad_token_id when present)
//   dir/tokenizer_config.json  optional (model_max_length)
//
// Long inputs are cut into windows of the model's maximum length with `stride` tokens of overlap
// (special tokens added to each), scored in micro-batches, softmaxed, and each category keeps its
// highest window. Labels map to categories by name (INJECTION → prompt_injection, JAILBREAK →
// jailbreak, MALICIOUS / UNSAFE / LABEL_1 of a two-label model → prompt_injection; BENIGN / SAFE /
// LABEL_0 → nothing) unless `labels` says otherwise.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import type { Category, Detector, ScanContext, ViewFinding } from '../detectors/types.js';
import { LANGUAGE_VIEWS, type Normalised, type ViewKind } from '../normalise/normalise.js';
import { MicroBatcher } from './batcher.js';
import { modelThreads } from './cpu.js';
import { windowStarts } from './features.js';

export interface HfModelOptions {
  /** Directory with model.onnx, tokenizer.json and config.json. */
  dir: string;
  /** Tokens per window including special tokens; default from the model's config, else 512. */
  maxLength?: number;
  /** Tokens shared by consecutive windows; default maxLength / 4. */
  stride?: number;
  /** Label name → category, or 'ignore' for a label that is not a finding. Overrides the name-based defaults. */
  labels?: Record<string, Category | 'ignore'>;
  threads?: number;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Findings below this probability are not reported. */
  minScore?: number;
  views?: readonly ViewKind[];
}

/** Default label → category mapping by name. */
export function defaultCategory(label: string, numLabels: number): Category | null {
  const l = label.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  if (/JAILBREAK/.test(l)) return 'jailbreak';
  if (/INJECT|MALICIOUS|UNSAFE|ATTACK|HARMFUL/.test(l)) return 'prompt_injection';
  if (numLabels === 2 && l === 'LABEL_1') return 'prompt_injection';
  return null;
}

interface Window {
  ids: number[];
}

interface HfConfig {
  id2label?: Record<string, string>;
  max_position_embeddings?: number;
  pad_token_id?: number;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

export class HfModelDetector implements Detector {
  readonly name = 'hf-model';
  readonly categories: readonly Category[];
  readonly views: readonly ViewKind[];
  /** "hf-" + a hash of the model, tokenizer and config files. */
  readonly version: string;
  private readonly tokenizer: Tokenizer;
  private readonly labelCategory: Array<Category | null>;
  private readonly prefix: number[];
  private readonly suffix: number[];
  private readonly body: number;
  private readonly overlap: number;
  private readonly padId: number;
  private readonly minScore: number;
  private readonly batcher: MicroBatcher<Window, Float32Array>;
  private readonly modelBytes: Uint8Array;
  private readonly threads: number;
  private sessionP?: Promise<ort.InferenceSession>;

  constructor(opts: HfModelOptions) {
    const need = ['model.onnx', 'tokenizer.json', 'config.json'];
    for (const f of need) if (!existsSync(join(opts.dir, f))) throw new Error(`bring-your-own model: ${join(opts.dir, f)} is missing (need ${need.join(', ')})`);
    this.modelBytes = readFileSync(join(opts.dir, 'model.onnx'));
    const tokJson = readFileSync(join(opts.dir, 'tokenizer.json'));
    const configJson = readFileSync(join(opts.dir, 'config.json'));
    const config = JSON.parse(configJson.toString('utf8')) as HfConfig;
    const tokConfigPath = join(opts.dir, 'tokenizer_config.json');
    const tokConfig = existsSync(tokConfigPath) ? readJson<{ model_max_length?: number }>(tokConfigPath) : {};
    this.tokenizer = new Tokenizer(JSON.parse(tokJson.toString('utf8')), tokConfig);
    this.version = 'hf-' + createHash('sha256').update(this.modelBytes).update(tokJson).update(configJson).digest('hex').slice(0, 16);

    const id2label = config.id2label ?? { 0: 'LABEL_0', 1: 'LABEL_1' };
    const n = Object.keys(id2label).length;
    this.labelCategory = Array.from({ length: n }, (_, i) => {
      const label = id2label[String(i)] ?? `LABEL_${i}`;
      const set = opts.labels?.[label];
      if (set !== undefined) return set === 'ignore' ? null : set;
      return defaultCategory(label, n);
    });
    this.categories = [...new Set(this.labelCategory.filter((c): c is Category => c !== null))];
    if (this.categories.length === 0) throw new Error(`bring-your-own model: no label of ${JSON.stringify(id2label)} maps to a category; set labels`);

    // The special tokens the tokenizer puts around a sequence ([CLS] … [SEP], <s> … </s>, BOS …).
    const bare: number[] = this.tokenizer.encode('a', { add_special_tokens: false }).ids;
    const full: number[] = this.tokenizer.encode('a', { add_special_tokens: true }).ids;
    const at = full.findIndex((_, i) => bare.every((b, k) => full[i + k] === b));
    this.prefix = at >= 0 ? full.slice(0, at) : [];
    this.suffix = at >= 0 ? full.slice(at + bare.length) : [];

    const maxLength = opts.maxLength ?? Math.min(config.max_position_embeddings ?? 512, tokConfig.model_max_length ?? 512, 512);
    this.body = Math.max(1, maxLength - this.prefix.length - this.suffix.length);
    this.overlap = Math.min(this.body - 1, opts.stride ?? Math.floor(maxLength / 4));
    this.padId = config.pad_token_id ?? 0;
    this.minScore = opts.minScore ?? 0.1;
    this.views = opts.views ?? LANGUAGE_VIEWS;
    this.threads = opts.threads ?? modelThreads();
    this.batcher = new MicroBatcher((w) => this.run(w), { maxItems: opts.maxBatch ?? 16, maxWaitMs: opts.maxWaitMs ?? 0, concurrency: 1 });
  }

  ready(): Promise<void> {
    return this.session().then(() => undefined);
  }

  private session(): Promise<ort.InferenceSession> {
    return (this.sessionP ??= ort.InferenceSession.create(this.modelBytes, {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    }));
  }

  /** Token windows of one text, each with the model's special tokens. */
  windows(text: string): Window[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    return windowStarts(ids.length, this.body, this.body - this.overlap).map((s) => ({
      ids: [...this.prefix, ...ids.slice(s, s + this.body), ...this.suffix],
    }));
  }

  private async run(items: Window[]): Promise<Float32Array[]> {
    const s = await this.session();
    const width = Math.max(...items.map((w) => w.ids.length));
    const ids = new BigInt64Array(items.length * width).fill(BigInt(this.padId));
    const mask = new BigInt64Array(items.length * width);
    items.forEach((w, b) => {
      w.ids.forEach((id, i) => {
        ids[b * width + i] = BigInt(id);
        mask[b * width + i] = 1n;
      });
    });
    const dims = [items.length, width];
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, dims) };
    if (s.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, dims);
    if (s.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
    const out = await s.run(feeds);
    const logits = (out.logits ?? out[s.outputNames[0]]).data as Float32Array;
    const n = this.labelCategory.length;
    return items.map((_, b) => softmax(logits.subarray(b * n, (b + 1) * n)));
  }

  /** Per category, the highest probability over the windows of one text, and which windows reached it. */
  async scoreText(text: string): Promise<Map<Category, { score: number; windows: number[]; count: number }>> {
    const windows = this.windows(text);
    const probs = await this.batcher.submitAll(windows);
    const best = new Map<Category, { score: number; windows: number[]; count: number }>();
    probs.forEach((p, w) => {
      const byCat = new Map<Category, number>();
      p.forEach((v, i) => {
        const c = this.labelCategory[i];
        if (c) byCat.set(c, (byCat.get(c) ?? 0) + v);
      });
      for (const [c, v] of byCat) {
        const cur = best.get(c);
        if (!cur || v > cur.score) best.set(c, { score: v, windows: [w], count: windows.length });
        else if (v === cur.score) cur.windows.push(w);
      }
    });
    return best;
  }

  async detect(input: Normalised, _ctx?: ScanContext): Promise<ViewFinding[]> {
    const picked = input.views.map((v, i) => ({ v, i })).filter(({ v }) => this.views.includes(v.kind));
    const perView = await Promise.all(picked.map(({ v }) => this.scoreText(v.text)));
    const findings: ViewFinding[] = [];
    for (const category of this.categories) {
      let bestK = -1;
      let bestScore = -1;
      perView.forEach((m, k) => {
        const s = m.get(category)?.score ?? 0;
        if (s > bestScore) {
          bestScore = s;
          bestK = k;
        }
      });
      if (bestK < 0 || bestScore < this.minScore) continue;
      const { windows, count } = perView[bestK].get(category)!;
      const len = picked[bestK].v.text.length;
      findings.push({
        detector: this.name,
        category,
        score: bestScore,
        // The tokenizer library gives no character offsets, so a window's span is its share of the text.
        spans: windows.map((w) => ({ start: Math.floor((w / count) * len), end: Math.ceil(((w + 1) / count) * len) })),
        message: `model score ${bestScore.toFixed(2)}`,
        view: picked[bestK].i,
      });
    }
    return findings;
  }
}

function softmax(z: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  const out = new Float32Array(z.length);
  let sum = 0;
  z.forEach((v, i) => (sum += out[i] = Math.exp(v - max)));
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
