// Where the time of one scan goes, in-process and without HTTP: request parsing, normalisation,
// cache key, the whole scan (miss and L1 hit), serialising the answer — and what an instrumented
// call site costs while tracing is off. Times are CPU time of this process (process.cpuUsage), so
// other load on the machine does not inflate them.
import { cacheKey } from '../../scanner/cache/key.js';
import { createDetectors } from '../../scanner/detectors/registry.js';
import { Firewall } from '../../scanner/firewall.js';
import { normalise } from '../../scanner/normalise/normalise.js';
import { withSpan } from '../../scanner/observability/tracing.js';
import { parseScanRequest } from '../../scanner/scan/request.js';
import type { Suite } from '../suite.js';

interface Stage {
  stage: string;
  nsPerOp: number;
  opsPerSecond: number;
}

/** CPU time of this process in ns. */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** Mean CPU time of fn(i) over rounds of the inputs until `minMs` of CPU time has passed (after one warm-up round). */
async function time(minMs: number, n: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < n; i++) await fn(i);
  let ops = 0;
  const start = cpuNs();
  let elapsed = 0;
  while (elapsed < minMs * 1e6) {
    for (let i = 0; i < n; i++) await fn(i);
    ops += n;
    elapsed = cpuNs() - start;
  }
  return elapsed / ops;
}

function timeSync(minMs: number, n: number, fn: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < n; i++) if (fn(i)) sink++;
  let ops = 0;
  const start = cpuNs();
  let elapsed = 0;
  while (elapsed < minMs * 1e6) {
    for (let i = 0; i < n; i++) if (fn(i)) sink++;
    ops += n;
    elapsed = cpuNs() - start;
  }
  return sink >= 0 ? elapsed / ops : NaN;
}

export const hotpathSuite: Suite = {
  name: 'hotpath',
  title: 'Scan hot path, in-process (CPU ns per operation, corpus texts)',
  async run(ctx) {
    const minMs = ctx.quick ? 100 : 1500;
    const texts = ctx.corpus.texts.slice(0, 500);
    const n = texts.length;
    const fw = await Firewall.create({ env: {} });
    const limits = fw.policy.policy.limits;
    const bodies = texts.map((t) => JSON.stringify({ input: t }));
    const requests = bodies.map((b) => parseScanRequest(JSON.parse(b), limits));
    const inputs = texts.map((t) => normalise(t));
    const normalised = inputs.map((n) => n.text);
    let unique = 0;
    const results = await Promise.all(requests.map((r) => fw.scanner.scan(r)));

    const stages: Stage[] = [];
    const add = (stage: string, ns: number) => stages.push({ stage, nsPerOp: ns, opsPerSecond: 1e9 / ns });
    add('parse body (JSON.parse + validation)', timeSync(minMs, n, (i) => parseScanRequest(JSON.parse(bodies[i]), limits)));
    add('normalise', timeSync(minMs, n, (i) => normalise(texts[i])));
    add('cache key (SHA-256)', timeSync(minMs, n, (i) => cacheKey(normalised[i], 'prompt', 'p', fw.scanner.modelVersion)));
    add('scan, cache miss', await time(minMs, n, (i) => fw.scanner.scan({ ...requests[i], input: `${texts[i]} ${unique++}` })));
    add('scan, L1 hit', await time(minMs, n, (i) => fw.scanner.scan(requests[i])));
    // Each detector alone on the normalised texts (one text at a time: the classifier's batches hold one text's windows).
    const detectors = await createDetectors({ canaries: fw.canaries, model: fw.configuration.model });
    for (const d of detectors) add(`detector ${d.name}`, await time(minMs / 3, n, (i) => d.detect(inputs[i], { direction: 'prompt' })));
    await Promise.all(detectors.map((d) => d.close?.()));
    add('serialise answer (JSON.stringify)', timeSync(minMs, n, (i) => JSON.stringify(results[i])));
    const direct = timeSync(minMs, n, (i) => texts[i].length);
    const spanned = timeSync(minMs, n, (i) => withSpan('bench', () => texts[i].length));
    add('withSpan, tracing off (overhead per call site)', Math.max(0, spanned - direct));
    await fw.close();

    const table = [
      '| stage | CPU ns/op | ops/s of one core |',
      '|---|---:|---:|',
      ...stages.map((s) => `| ${s.stage} | ${s.nsPerOp.toFixed(0)} | ${s.opsPerSecond.toFixed(0)} |`),
    ].join('\n');
    const mean = texts.reduce((a, t) => a + t.length, 0) / n;
    return { rows: [], checks: [], tables: [table], notes: [`${n} texts, mean ${mean.toFixed(0)} characters; detectors: ${fw.detectors.map((d) => d.name).join(', ')}.`], data: { stages } };
  },
};
