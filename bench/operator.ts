// Benchmark (not a test): time from creating PromptFirewalls to their being fully reconciled — all
// children present and status written — against a real kube-apiserver, with the operator running
// as its own process. The brief's target: within 2 s of `kubectl apply`.
//   npx tsx bench/operator.ts [--runs 5] [--batch 100]
// Prints a table and writes bench/results/operator.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL } from '../crds/schema.js';
import { CRD_FILE } from '../crds/generate.js';
import { CHILD_SELECTOR } from '../operator/desired/meta.js';
import { loadKubeConfig } from '../operator/kube/client.js';
import { apiVersionOf, CHILD_KINDS } from '../operator/desired/kinds.js';
import { startCluster, k8sVersions } from '../test/harness/cluster.js';
import { installCrds, startOperator } from '../test/harness/operator-process.js';
import { REPO_ROOT } from '../test/harness/scanner-process.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, batch: { type: 'string', default: '100' } } });
const RUNS = Number(values.runs);
const BATCH = Number(values.batch);
const DEFAULT_CHILDREN = CHILD_KINDS.filter((k) => !k.optional || k.kind === 'PodDisruptionBudget');

const cluster = await startCluster({ controllerManager: false, log: (m) => process.stderr.write(`[cluster] ${m}\n`) });
const kc = loadKubeConfig(cluster.kubeconfig); // with kept-alive connections, like kubectl

const custom = kc.makeApiClient(CustomObjectsApi);
const objects = KubernetesObjectApi.makeApiClient(kc);
let operator: Awaited<ReturnType<typeof startOperator>> | undefined;

try {
  await installCrds(cluster, [{ file: CRD_FILE }]);
  operator = await startOperator({ kubeconfig: cluster.kubeconfig, args: ['--leader-elect=false', '--workers', '8'] });

  /** Creates `n` PromptFirewalls in a fresh namespace; resolves with each one's create→status time. */
  const round = async (ns: string, n: number): Promise<{ perObjectMs: number[]; allMs: number }> => {
    await cluster.kubectl(['create', 'namespace', ns]);
    const created = new Map<string, number>();
    const done = new Map<string, number>();
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((r) => (finish = r));
    const watch = await new Watch(kc).watch(
      `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${PLURAL}`,
      {},
      (_type, obj) => {
        const name = obj.metadata.name as string;
        if (done.has(name) || !obj.status?.endpoint || obj.status.observedGeneration !== obj.metadata.generation) return;
        done.set(name, performance.now());
        if (done.size === n) finish();
      },
      () => undefined,
    );
    const start = performance.now();
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const name = `bench-${i}`;
        created.set(name, performance.now());
        await custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: ns, plural: PLURAL, body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'PromptFirewall', metadata: { name }, spec: {} } });
      }),
    );
    const timeout = setTimeout(() => finish(), 120_000);
    await finished;
    clearTimeout(timeout);
    watch.abort();
    const allMs = performance.now() - start;
    if (done.size !== n) throw new Error(`only ${done.size}/${n} reconciled within 120 s`);
    // Status is written after the children are applied; check that they are all there.
    for (const k of DEFAULT_CHILDREN) {
      const list = await objects.list(apiVersionOf(k), k.kind, ns, undefined, undefined, undefined, undefined, CHILD_SELECTOR);
      if (list.items.length !== n) throw new Error(`${ns}: ${list.items.length}/${n} ${k.kind}`);
    }
    return { perObjectMs: [...done].map(([name, t]) => t - created.get(name)!), allMs };
  };

  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
  const single: number[] = [];
  for (let r = 0; r < RUNS; r++) single.push((await round(`single-${r}`, 1)).perObjectMs[0]);
  const cpu = () => operator!.metric('prompt_firewall_operator_process_cpu_seconds_total');
  const cpuBefore = await cpu();
  const batch = await round('batch', BATCH);
  const batchCpuSeconds = (await cpu()) - cpuBefore;

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model, node: process.version, kubernetes: k8sVersions().kubernetes },
    operator: { workers: 8, leaderElection: false },
    single: { runs: RUNS, medianMs: Math.round(pct(single, 50)), minMs: Math.round(Math.min(...single)), maxMs: Math.round(Math.max(...single)) },
    batch: {
      count: BATCH,
      allReconciledMs: Math.round(batch.allMs),
      perObjectP50Ms: Math.round(pct(batch.perObjectMs, 50)),
      perObjectP95Ms: Math.round(pct(batch.perObjectMs, 95)),
      perObjectMaxMs: Math.round(Math.max(...batch.perObjectMs)),
      operatorCpuSeconds: Number(batchCpuSeconds.toFixed(2)),
    },
    reconciles: {
      success: await operator.metric('prompt_firewall_operator_reconcile_total', { result: 'success' }),
      error: await operator.metric('prompt_firewall_operator_reconcile_total', { result: 'error' }),
    },
  };
  const out = path.join(REPO_ROOT, 'bench', 'results', 'operator.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    [
      `operator: create → fully reconciled (children applied, status written), kube-apiserver ${results.machine.kubernetes}, ${results.machine.cpus} CPUs`,
      `  1 PromptFirewall:    median ${results.single.medianMs} ms (min ${results.single.minMs}, max ${results.single.maxMs}, ${RUNS} runs)`,
      `  ${BATCH} PromptFirewalls: all in ${results.batch.allReconciledMs} ms; per object p50 ${results.batch.perObjectP50Ms} ms, p95 ${results.batch.perObjectP95Ms} ms, max ${results.batch.perObjectMaxMs} ms; operator CPU ${results.batch.operatorCpuSeconds} s`,
      `  reconciles: ${results.reconciles.success} successful, ${results.reconciles.error} failed`,
      `  written to ${path.relative(REPO_ROOT, out)}`,
      '',
    ].join('\n'),
  );
} finally {
  await operator?.stop();
  await cluster.stop();
}
