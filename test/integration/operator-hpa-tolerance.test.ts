// Where the API server does not support the HPA's configurable tolerance (Kubernetes before 1.33,
// or the HPAConfigurableTolerance feature off), the operator still runs the fleet and reports the
// gap as Degraded=True, reason HPAToleranceUnsupported, instead of failing. The test control plane
// emulates Kubernetes 1.34 (the newest that lets the feature be turned off).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CRD_FILE } from '../../crds/generate.js';
import { clusterSkip, startCluster, type Cluster } from '../harness/cluster.js';
import { installCrds, startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { waitFor } from '../harness/servers.js';

describe('operator on a cluster without the HPA tolerance field', { skip: clusterSkip() }, () => {
  let cluster: Cluster;
  let operator: OperatorProcess | undefined;

  before(async () => {
    cluster = await startCluster({ controllerManager: false, featureGates: { HPAConfigurableTolerance: false }, apiserverArgs: ['--emulated-version=1.34'] });
    await installCrds(cluster, [{ file: CRD_FILE }]);
    operator = await startOperator({ kubeconfig: cluster.kubeconfig, args: ['--leader-elect=false'] });
  });

  after(async () => {
    await operator?.stop('SIGKILL');
    await cluster?.stop();
  });

  it('reconciles anyway and reports Degraded=True HPAToleranceUnsupported', async () => {
    await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'promptfirewall.io/v1alpha1', kind: 'PromptFirewall', metadata: { name: 'old-cluster', namespace: 'default' }, spec: {} }) });
    const pfw = await waitFor(
      async () => {
        const p = JSON.parse((await cluster.kubectl(['get', 'pfw', 'old-cluster', '-o', 'json'])).stdout);
        return p.status?.conditions?.some((c: { type: string; reason: string }) => c.type === 'Degraded' && c.reason === 'HPAToleranceUnsupported') ? p : undefined;
      },
      20_000,
      'Degraded=True HPAToleranceUnsupported',
    );
    const degraded = pfw.status.conditions.find((c: { type: string }) => c.type === 'Degraded');
    assert.equal(degraded.status, 'True');
    assert.match(degraded.message, /scales down below 63% CPU .* instead of below 30%/);
    assert.equal(pfw.status.scaleDownTolerance, undefined);
    assert.equal(pfw.status.endpoint, 'http://old-cluster.default.svc:8080');
    const hpa = JSON.parse((await cluster.kubectl(['get', 'hpa', 'old-cluster', '-o', 'json'])).stdout);
    assert.equal(hpa.spec.behavior.scaleDown.tolerance, undefined);
    assert.equal(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds, 600);
    const events = (await cluster.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=old-cluster,type=Warning'])).stdout;
    assert.match(events, /HPAToleranceUnsupported/);
  });
});
