import type { Finding } from '../detectors/types.js';
import type { DetectorError } from '../policy/decide.js';

/**
 * What the caches hold: the detectors' findings for one normalised text, with spans in
 * main-view coordinates (each request maps them onto its own original text). Never raw text.
 */
export interface Detection {
  findings: Finding[];
  /** Detectors that failed or timed out. A detection with errors is never cached. */
  errors?: DetectorError[];
}

export type CacheLayerName = 'l1' | 'l2' | 'l3';

/** A cache tier below L1. Slow or failing tiers must answer undefined quickly rather than throw. */
export interface CacheLayer {
  readonly name: CacheLayerName;
  get(key: string): Promise<Detection | undefined>;
  set(key: string, value: Detection): void;
  close?(): Promise<void>;
}
