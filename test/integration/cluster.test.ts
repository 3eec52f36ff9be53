// Proves the test control plane (test/harness/cluster.ts) is a real Kubernetes, fit for the operator
// and Helm-chart work: typed client calls, server-side apply of a CRD, the HPA tolerance field,
// controllers acting, helm talking to it.
//   node --import tsx --test test/integration/cluster.test.ts
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { clusterSkip, k8sVersions, startCluster, type Cluster } from '../harness/cluster.js';
import { waitFor } from '../harness/servers.js';

const NS = 'pf-cluster-test';

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.test.promptfirewall.dev
spec:
  group: test.promptfirewall.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources: { status: {} }
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: { type: integer, minimum: 1 }
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`;

describe('real Kubernetes control plane (test/harness/cluster.ts)', { skip: clusterSkip() }, () => {
  let cluster: Cluster;
  let kc: k8s.KubeConfig;

  before(async () => {
    cluster = await startCluster({ controllerManager: true });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs the pinned Kubernetes release, and kubectl reports the same version', async () => {
    const { stdout } = await cluster.kubectl(['version', '-o', 'json']);
    const v = JSON.parse(stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
    const want = k8sVersions().kubernetes;
    assert.equal(v.serverVersion.gitVersion, want);
    assert.equal(v.clientVersion.gitVersion, want);
  });

  it('creates and reads a ConfigMap with @kubernetes/client-node', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'settings', labels: { app: 'prompt-firewall' } }, data: { mode: 'block' } },
    });
    const cm = await core.readNamespacedConfigMap({ name: 'settings', namespace: NS });
    assert.equal(cm.data?.mode, 'block');
    assert.ok(cm.metadata?.uid, 'stored objects get a uid');
    // RBAC is on: an unprivileged identity is refused.
    await assert.rejects(
      cluster.kubectl(['get', 'configmaps', '-n', NS, `--as=system:serviceaccount:${NS}:nobody`]),
      /forbidden/i,
    );
  });

  it('applies a CRD with kubectl apply --server-side; it becomes Established and serves objects', async () => {
    await cluster.kubectl(['apply', '--server-side', '--field-manager=pf-test', '-f', '-'], { input: CRD });
    await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd/widgets.test.promptfirewall.dev']);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const body = { apiVersion: 'test.promptfirewall.dev/v1alpha1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
    // The discovery/OpenAPI caches may lag Established by a moment.
    await waitFor(
      async () => {
        await custom.createNamespacedCustomObject({ group: 'test.promptfirewall.dev', version: 'v1alpha1', namespace: NS, plural: 'widgets', body });
        return true;
      },
      15_000,
      'creating a Widget',
    );
    const got = (await custom.getNamespacedCustomObject({ group: 'test.promptfirewall.dev', version: 'v1alpha1', namespace: NS, plural: 'widgets', name: 'w1' })) as {
      spec: { size: number };
    };
    assert.equal(got.spec.size, 3);
    // The structural schema is enforced by the apiserver.
    await assert.rejects(
      custom.createNamespacedCustomObject({
        group: 'test.promptfirewall.dev',
        version: 'v1alpha1',
        namespace: NS,
        plural: 'widgets',
        body: { ...body, metadata: { name: 'w2' }, spec: { size: 0 } },
      }),
      /size/,
    );
  });

  it('keeps spec.behavior.scaleDown.tolerance on an autoscaling/v2 HPA (HPAConfigurableTolerance)', async () => {
    const hpa = kc.makeApiClient(k8s.AutoscalingV2Api);
    await hpa.createNamespacedHorizontalPodAutoscaler({
      namespace: NS,
      body: {
        metadata: { name: 'scanner' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scanner' },
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
          behavior: { scaleDown: { tolerance: '0.05', stabilizationWindowSeconds: 60 }, scaleUp: { tolerance: '0.01' } },
        },
      },
    });
    const got = await hpa.readNamespacedHorizontalPodAutoscaler({ name: 'scanner', namespace: NS });
    // A resource.Quantity: 0.05 comes back in canonical form, 50m. Without the gate it is dropped.
    assert.equal(got.spec?.behavior?.scaleDown?.tolerance, '50m');
    assert.equal(got.spec?.behavior?.scaleUp?.tolerance, '10m');
    const { stdout } = await cluster.kubectl(['get', 'hpa', 'scanner', '-n', NS, '-o', 'jsonpath={.spec.behavior.scaleDown.tolerance}']);
    assert.equal(stdout, '50m');
  });

  it('runs kube-controller-manager: a Deployment gets a ReplicaSet, whose Pods stay Pending (no nodes)', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const labels = { app: 'scanner' };
    const dep = await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'scanner' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'scanner', image: 'example.invalid/scanner:0' }] } },
        },
      },
    });
    const rs = await waitFor(
      async () => {
        const list = await apps.listNamespacedReplicaSet({ namespace: NS });
        return list.items.find((r) => r.metadata?.ownerReferences?.some((o) => o.uid === dep.metadata?.uid));
      },
      30_000,
      'the deployment controller to create a ReplicaSet',
    );
    assert.equal(rs.spec?.replicas, 2);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pods = await waitFor(
      async () => {
        const list = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=scanner' });
        return list.items.length === 2 ? list.items : undefined;
      },
      30_000,
      'the replicaset controller to create 2 Pods',
    );
    for (const p of pods) {
      assert.equal(p.status?.phase, 'Pending');
      assert.equal(p.spec?.nodeName, undefined);
    }
  });

  it('runs helm against the cluster', async () => {
    const { stdout } = await cluster.helm(['version', '--short']);
    assert.match(stdout, new RegExp(`^${k8sVersions().helm.replace(/\./g, '\\.')}`));

    const chart = await mkdtemp(path.join(tmpdir(), 'pf-chart-'));
    try {
      await mkdir(path.join(chart, 'templates'));
      await writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: smoke\nversion: 0.1.0\n');
      await writeFile(
        path.join(chart, 'templates', 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-smoke\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n',
      );
      await cluster.helm(['install', 'smoke', chart, '--namespace', NS]);
      const cm = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: 'smoke-smoke', namespace: NS });
      assert.equal(cm.data?.kube, k8sVersions().kubernetes);
    } finally {
      await rm(chart, { recursive: true, force: true });
    }
  });
});
