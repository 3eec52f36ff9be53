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

/**
 * A value read back from a shared tier, checked before use: another version of the scanner, or
 * something else entirely, may have written it. Undefined when it is not a Detection.
 */
export function asDetection(value: unknown): Detection | undefined {
  const findings = (value as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(findings)) return undefined;
  for (const f of findings) {
    if (!f || typeof f !== 'object' || typeof f.detector !== 'string' || typeof f.category !== 'string' || typeof f.score !== 'number' || !Array.isArray(f.spans)) return undefined;
  }
  return { findings: findings as Finding[] };
}

/** Counts a lookup in a shared tier: absent is a miss, present but not a Detection an error. */
export function countLookup(stats: LayerStats, found: unknown): Detection | undefined {
  if (found === undefined) {
    stats.misses++;
    return undefined;
  }
  const value = asDetection(found);
  stats[value ? 'hits' : 'errors']++;
  return value;
}

/** Per-tier counters, plain numbers for logs and metrics. */
export interface LayerStats {
  hits: number;
  misses: number;
  /** Values that could not be read or written (the tier answered a miss instead). */
  errors: number;
}
