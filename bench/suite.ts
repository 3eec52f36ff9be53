// What a benchmark suite is and what it reports. A suite measures; the runner (bench/run.ts)
// prints, compares with the targets of the brief and writes bench/results/.
import type { Corpus } from './lib/corpus.js';
import type { LoadResult } from './lib/load.js';
import type { ProcessUsage } from './lib/procstat.js';

export interface Row {
  scenario: string;
  /** "open 1000/s" or "closed 16 conn". */
  load: string;
  throughput: number;
  /** Client-side latency, ms. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Server-side scan latency (`latencyMs`), ms. */
  serverP50?: number;
  serverP99?: number;
  errorRate: number;
  errorReasons?: Record<string, number>;
  cpuPercent?: number;
  rssPeakMB?: number;
}

export interface Check {
  what: string;
  target: string;
  measured: string;
  /** null: not measured in this run. */
  pass: boolean | null;
}

export interface SuiteResult {
  rows: Row[];
  checks: Check[];
  notes: string[];
  /** Anything else worth keeping in the JSON results (e.g. per-stage timings). */
  data?: Record<string, unknown>;
  /** Extra markdown tables. */
  tables?: string[];
}

export interface BenchContext {
  quick: boolean;
  /** Scanner processes run the compiled dist/ (as in production) rather than the sources. */
  compiled: boolean;
  corpus: Corpus;
  log(message: string): void;
  /** Figures earlier suites left for later ones (the baseline throughput, the tracing-off run). */
  shared: Record<string, number>;
}

export interface Suite {
  name: string;
  title: string;
  /** True, or the reason the suite cannot run here (it is then listed as skipped). */
  available?(ctx: BenchContext): true | string;
  run(ctx: BenchContext): Promise<SuiteResult>;
}

export const row = (scenario: string, load: string, r: LoadResult, usage?: ProcessUsage): Row => ({
  scenario,
  load,
  throughput: r.throughput,
  p50: r.latency.p50,
  p95: r.latency.p95,
  p99: r.latency.p99,
  max: r.latency.max,
  serverP50: r.server?.p50,
  serverP99: r.server?.p99,
  errorRate: r.errorRate,
  errorReasons: r.errorReasons,
  cpuPercent: usage?.cpuPercent,
  rssPeakMB: usage?.rssPeakMB,
});

export const check = (what: string, target: string, measured: number | undefined, unit: string, pass: (v: number) => boolean, digits = 2): Check =>
  measured === undefined || Number.isNaN(measured)
    ? { what, target, measured: 'not measured', pass: null }
    : { what, target, measured: `${measured.toFixed(digits)}${unit}`, pass: pass(measured) };
