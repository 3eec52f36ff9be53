// One scan: normalise → cache key → L1 → lower tiers → detectors (detection.ts) → policy → verdict.
// The data path of the brief, in that order; each step lives in its own module.
import { randomUUID } from 'node:crypto';
import type { Category, Policy } from '../../crds/schema.js';
import { cacheKey } from '../cache/key.js';
import type { TieredCache, CacheSource } from '../cache/tiered.js';
import type { Detection } from '../cache/types.js';
import type { Detector, Finding, ScanContext, Span, ViewFinding } from '../detectors/types.js';
import { normalise, type Normalised } from '../normalise/normalise.js';
import { decide, type Decision, type DetectorError, type Verdict } from '../policy/decide.js';
import { placeholderOf, redact } from '../policy/redact.js';
import { withSpan, type Span as TraceSpan } from '../observability/tracing.js';
import { detectorError, InlineDetection, isPromise, type DetectionEngine } from './detection.js';
import { textsOf, type Message, type ScanRequest, type TextItem } from './request.js';

export interface ActivePolicy {
  policy: Policy;
  version: string;
}

/** A span in the caller's text; `message`/`part` say which message of a chat it is in. */
export interface ResultSpan extends Span {
  message?: number;
  part?: number;
}

export interface ResultFinding extends Omit<Finding, 'spans' | 'placeholder'> {
  spans: ResultSpan[];
  /** Set when the verdict is redact and this finding's spans were replaced: the placeholder used. */
  replacement?: string;
}

export interface ScanResult {
  id: string;
  verdict: Verdict;
  score: number;
  categories: Record<Category, number>;
  findings: ResultFinding[];
  redacted?: string | Message[];
  cache: CacheSource;
  policyVersion: string;
  mode: Policy['mode'];
  /** In monitor mode, what enforce mode would have answered. */
  policyVerdict?: Verdict;
  errors?: DetectorError[];
  latencyMs: number;
}

/** Everything about a finished scan that logs, metrics and the audit log may use. */
export interface ScanEvent {
  request: ScanRequest;
  result: ScanResult;
  decision: Decision;
  texts: TextItem[];
  context: RequestContext;
}

export interface RequestContext {
  id?: string;
  clientIp?: string;
  apiKeyId?: string;
  /** Reference text for response scans (see ScanContext.systemPrompt). Never logged or stored. */
  systemPrompt?: string;
  /** Neither read nor fill the verdict caches: for texts that will not recur, such as the
   *  windows of a streamed answer that the proxy rescans as it grows. */
  skipCache?: boolean;
}

export type ScanObserver = (event: ScanEvent) => void;

interface Analysed {
  item: TextItem;
  findings: Finding[];
  errors: DetectorError[];
  source: CacheSource;
}

const SOURCE_ORDER: Record<CacheSource, number> = { l1: 0, l2: 1, l3: 2, miss: 3 };

export class Scanner {
  private readonly perRequest: Detector[];
  /** Runs the cacheable detectors: on this thread, or in detection threads. */
  readonly detection: DetectionEngine;
  /** Trace span names of the per-request detectors, built once rather than per scan. */
  private readonly spanNames = new Map<Detector, string>();
  private readonly observers: ScanObserver[] = [];
  /** Versions of the detectors that feed the cache (the model's hash among them). */
  readonly modelVersion: string;

  /** The cacheable ones of `detectors` run on this thread unless `detection` is given to run them. */
  constructor(
    detectors: readonly Detector[],
    private readonly cache: TieredCache,
    private readonly activePolicy: () => ActivePolicy,
    detection?: DetectionEngine,
  ) {
    this.detection = detection ?? new InlineDetection(detectors.filter((d) => !d.perRequest));
    this.perRequest = detectors.filter((d) => d.perRequest);
    this.modelVersion = this.detection.version;
    for (const d of this.perRequest) this.spanNames.set(d, `detector.${d.name}`);
  }

  observe(observer: ScanObserver): void {
    this.observers.push(observer);
  }

  scan(request: ScanRequest, context: RequestContext = {}): Promise<ScanResult> {
    return withSpan('scan', (span) => this.run(request, context, span));
  }

  private async run(request: ScanRequest, context: RequestContext, span: TraceSpan): Promise<ScanResult> {
    const started = performance.now();
    const { policy, version } = this.activePolicy();
    const ctx: ScanContext = { direction: request.direction, systemPrompt: context.systemPrompt };
    const items = textsOf(request);
    const skip = context.skipCache ?? false;
    const analysed =
      items.length === 1 ? [await this.analyse(items[0], ctx, policy, version, skip)] : await Promise.all(items.map((it) => this.analyse(it, ctx, policy, version, skip)));

    const all: Finding[] = [];
    const errors: DetectorError[] = [];
    let source: CacheSource = 'l1';
    for (const a of analysed) {
      for (const f of a.findings) all.push(f);
      for (const e of a.errors) errors.push(e);
      if (SOURCE_ORDER[a.source] > SOURCE_ORDER[source]) source = a.source;
    }
    const decision = decide(policy, all, errors, request.direction);

    const result: ScanResult = {
      id: context.id ?? randomUUID(),
      verdict: decision.verdict,
      score: round(decision.score),
      categories: Object.fromEntries(Object.entries(decision.categories).map(([c, v]) => [c, round(v)])) as Record<Category, number>,
      findings: toResultFindings(analysed, decision.redact),
      cache: items.length === 0 ? 'miss' : source,
      policyVersion: version,
      mode: policy.mode,
      latencyMs: 0,
    };
    if (policy.mode === 'monitor') result.policyVerdict = decision.policyVerdict;
    if (errors.length) result.errors = errors;
    if (decision.verdict === 'redact') result.redacted = redactRequest(request, analysed, decision.redact);
    result.latencyMs = round(performance.now() - started, 3);
    if (span.isRecording()) span.setAttributes({ 'promptfirewall.verdict': result.verdict, 'promptfirewall.cache': result.cache, 'promptfirewall.texts': items.length });

    for (const o of this.observers) o({ request, result, decision, texts: items, context });
    return result;
  }

  private async analyse(item: TextItem, ctx: ScanContext, policy: Policy, version: string, skipCache: boolean): Promise<Analysed> {
    const input = withSpan('normalise', () => normalise(item.text));
    let detection: Detection | undefined;
    let source: CacheSource = 'miss';
    if (skipCache) {
      detection = await withSpan('detect', () => this.detection.detect(item.text, input, ctx, policy.detectorTimeoutMs));
    } else {
      const key = cacheKey(input.text, ctx.direction, version, this.modelVersion);
      detection = withSpan('cache.l1', (span) => {
        const hit = this.cache.peek(key);
        if (span.isRecording()) span.setAttribute('promptfirewall.cache.hit', hit !== undefined);
        return hit;
      });
      source = 'l1';
      if (!detection) {
        const r = await withSpan('cache.lookup', () => this.cache.resolve(key, () => withSpan('detect', () => this.detection.detect(item.text, input, ctx, policy.detectorTimeoutMs))));
        detection = r.value;
        source = r.source;
      }
    }
    const findings: Finding[] = detection.findings.map((f) => ({ ...f, spans: f.spans.map((s) => input.toOriginal(s.start, s.end)) }));
    const errors: DetectorError[] = detection.errors ? [...detection.errors] : [];
    for (const d of this.perRequest) {
      try {
        const r = withSpan(this.spanNames.get(d)!, () => d.detect(input, ctx));
        for (const f of isPromise(r) ? await r : r) findings.push(toOriginalFinding(f, input));
      } catch (err) {
        errors.push(detectorError(d.name, err));
      }
    }
    return { item, findings, errors, source };
  }
}

function toOriginalFinding(f: ViewFinding, input: Normalised): Finding {
  const { view, ...finding } = f;
  if (view < 0) return finding;
  const v = input.views[view];
  return {
    ...finding,
    spans: f.spans.map((s) => {
      const m = v.toMain(s.start, s.end);
      return input.toOriginal(m.start, m.end);
    }),
  };
}

function toResultFindings(analysed: readonly Analysed[], redacted: readonly Finding[]): ResultFinding[] {
  const out: ResultFinding[] = [];
  for (const a of analysed) {
    for (const f of a.findings) {
      const { placeholder: _p, ...rest } = f;
      const r: ResultFinding = {
        ...rest,
        score: round(f.score),
        spans: f.spans.map((s) => (a.item.message === undefined ? { start: s.start, end: s.end } : { message: a.item.message, part: a.item.part, start: s.start, end: s.end })),
      };
      if (redacted.includes(f)) r.replacement = placeholderOf(f);
      out.push(r);
    }
  }
  return out.sort((x, y) => y.score - x.score);
}

function redactRequest(request: ScanRequest, analysed: readonly Analysed[], toRedact: readonly Finding[]): string | Message[] {
  const redactSet = new Set(toRedact);
  const redactedText = (a: Analysed) => redact(a.item.text, a.findings.filter((f) => redactSet.has(f)));
  if (request.input !== undefined) return redactedText(analysed[0]);
  const messages: Message[] = request.messages!.map((m) => ({ ...m, content: Array.isArray(m.content) ? m.content.map((p) => ({ ...p })) : m.content }));
  for (const a of analysed) {
    const m = messages[a.item.message!];
    if (a.item.part === undefined) m.content = redactedText(a);
    else (m.content as Array<Record<string, unknown>>)[a.item.part].text = redactedText(a);
  }
  return messages;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
