// The one interface every detector implements: normalised text in, findings out.
// Adding a detector is adding a file in this folder and listing it in registry.ts.
import type { Category } from '../../crds/schema.js';
import type { Normalised, ViewKind } from '../normalise/normalise.js';
import type { StatSource } from '../observability/sources.js';

export type { Category };

/** Half-open range [start, end) of UTF-16 code units. */
export interface Span {
  start: number;
  end: number;
}

export interface Finding {
  /** Name of the detector that produced it, e.g. "rules", "pii", "secrets", "classifier". */
  detector: string;
  category: Category;
  /** Confidence in [0, 1]. */
  score: number;
  /** Where it was found. Detectors report spans in the coordinates of the view they scanned;
   *  the pipeline maps them to the original input. */
  spans: Span[];
  /** One line for humans, never containing the matched text itself. */
  message: string;
  /** Rule or entity id, e.g. "instruction_override", "email", "aws_access_key_id". */
  rule?: string;
  /** Placeholder used when this finding is redacted, e.g. "[EMAIL]". */
  placeholder?: string;
}

/** A finding as produced by a detector on one view. */
export interface ViewFinding extends Finding {
  /** Index into Normalised.views of the view the spans refer to; -1 when the spans are already
   *  offsets into the original text (only per-request detectors may do that). */
  view: number;
}

export type Direction = 'prompt' | 'response';

export interface ScanContext {
  direction: Direction;
  /** The system prompt of the request a response answers (the proxy sets it), for output checks
   *  such as system-prompt echo. Only per-request detectors may read it: it is not in the cache key. */
  systemPrompt?: string;
  /** Set while the scan is traced: where a detector appends work it timed itself (the model's
   *  batch runs), to become child spans of the detector's span. */
  spans?: TimedSpan[];
}

/** Work timed by hand, as a trace span: start and end in ms since the Unix epoch, so that work
 *  timed in a detection thread can become a span on the event loop. */
export interface TimedSpan {
  name: string;
  start: number;
  end: number;
  attributes?: Record<string, string | number>;
  children?: TimedSpan[];
}

export interface Detector {
  readonly name: string;
  /** Categories this detector can produce; used by /v1/info and metrics. */
  readonly categories: readonly Category[];
  /** Which kinds of view it reads. Entity detectors (PII, secrets) read the text and decoded
   *  payloads; language detectors also read de-obfuscated views such as leetspeak. */
  readonly views: readonly ViewKind[];
  /** Pure detectors return synchronously; the model returns a promise (it batches). */
  detect(input: Normalised, ctx: ScanContext): ViewFinding[] | Promise<ViewFinding[]>;
  /** Findings derived from the request itself rather than from the normalised text: computed on
   *  every scan and never cached (e.g. invisible characters, which normalisation removes). */
  readonly perRequest?: boolean;
  /** Resolves once the detector can serve (model loaded, rule packs compiled). */
  ready?(): Promise<void>;
  /** Version string that is part of the cache key (e.g. the model's hash). */
  readonly version?: string;
  /** Counters the detector keeps, for /metrics and the dashboard (the built-in model's batches). */
  statSource?(): StatSource;
  close?(): Promise<void>;
}
