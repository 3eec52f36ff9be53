// The benchmark suites, in the order they run (later suites use figures of earlier ones: the
// scanner's ratio needs the baseline). Adding a suite is one entry here.
import type { Suite } from './suite.js';
import { externalSuite } from './suites/external.js';
import { hotpathSuite } from './suites/hotpath.js';
import { baselineSuite, scannerSuite, threadsSuite, tracingSuite } from './suites/http.js';
import { scalingSuite } from './suites/scaling.js';

export const SUITES: Suite[] = [
  hotpathSuite,
  baselineSuite,
  scannerSuite,
  threadsSuite,
  tracingSuite,
  scalingSuite,
  externalSuite({
    name: 'detectors',
    title: 'Detector speed (CPU time per detect() on typical, long and adversarial inputs)',
    needs: 'bench/detectors-speed.ts',
    command: (ctx) => [process.execPath, '--import', 'tsx', 'bench/detectors-speed.ts', ctx.corpus.file],
  }),
  externalSuite({
    name: 'rules',
    title: 'Detection quality of the rule packs alone',
    needs: 'bench/rules-quality.ts',
    command: (ctx) => [process.execPath, '--import', 'tsx', 'bench/rules-quality.ts', ctx.corpus.file],
  }),
  externalSuite({
    name: 'proxy',
    title: 'OpenAI-compatible proxy overhead and streaming time to first token',
    needs: 'bench/proxy.ts',
    command: () => [process.execPath, '--import', 'tsx', 'bench/proxy.ts'],
  }),
  externalSuite({
    name: 'state',
    title: 'Scanner with Redis (L2) and Postgres (audit log) versus embedded defaults',
    needs: 'bench/state.ts',
    command: () => [process.execPath, '--import', 'tsx', 'bench/state.ts'],
  }),
  externalSuite({
    name: 'eval',
    title: 'Detection quality on the multilingual probe (project-written, 12 languages: an in-distribution check; unseen-source figures are in the model card)',
    needs: 'npm:eval',
    command: () => ['npm', 'run', '--silent', 'eval', '--', '--data', 'bench/data/multilingual-probe.jsonl'],
  }),
  externalSuite({
    name: 'operator',
    title: 'Operator reconcile timings',
    needs: 'bench/operator.ts',
    command: () => [process.execPath, '--import', 'tsx', 'bench/operator.ts'],
  }),
];
