// The two install paths against a real kube-apiserver + kube-controller-manager
// (test/harness/cluster.ts), with helm built by test/k8s/setup.sh:
//   - the Helm chart: lint; templates with default and non-default values accepted by a server-side
//     dry-run; bad values refused by values.schema.json; install, upgrade, uninstall; and the
//     operator started the way the chart's Deployment starts it (its env, its ServiceAccount, its
//     Lease), reconciling the chart's sample with the chart's scanner image and demo Secrets;
//   - deploy/install.yaml (kept in sync with the chart) applied server-side, then every sample of
//     deploy/samples/, each turned by the operator into the children its comments promise.
// No kubelet: pods stay Pending, so the operator runs here as a process (test/harness/operator-process.ts).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { PromptFirewallSpecSchema } from '../../crds/schema.js';
import { CHART_DIR, INSTALL_FILE, INSTALL_NAMESPACE, renderInstallYaml } from '../../deploy/generate.js';
import { CONFIG_FILE_NAME } from '../../operator/desired/scanner-config.js';
import { clusterRules, leaseRules } from '../../operator/rbac.js';
import { clusterSkip, k8sBinDir, startCluster, type Cluster } from '../harness/cluster.js';
import { installCrds, serviceAccountKubeconfig, startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { REPO_ROOT } from '../harness/scanner-process.js';
import { waitFor } from '../harness/servers.js';

type Json = Record<string, any>;
const SAMPLES_DIR = path.join(REPO_ROOT, 'deploy', 'samples');
const RELEASE = 'pf';
const RELEASE_NS = 'pf-system';
const FULLNAME = 'pf-prompt-firewall';
const OPERATOR = `${FULLNAME}-operator`;
const VERSION = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;

// A minimal ServiceMonitor CRD, standing in for the Prometheus Operator's.
const SERVICE_MONITOR_CRD = stringify({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: { plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor', listKind: 'ServiceMonitorList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
});

/** Every value changed from its default (and every optional object switched on). */
const ALL_ON = {
  fullnameOverride: 'guard',
  image: { repository: 'registry.example.com/pf/operator', tag: '1.2.3', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
  imagePullSecrets: [{ name: 'regcred' }],
  scannerImage: { repository: 'registry.example.com/pf/scanner', tag: '1.2.3' },
  operator: {
    replicas: 3,
    watchNamespaces: ['team-a', 'team-b'],
    workers: 8,
    resyncPeriodSeconds: 300,
    maxBackoffSeconds: 30,
    logLevel: 'debug',
    metricsPort: 9090,
    leaderElection: { enabled: true, leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 4 },
    extraEnv: [{ name: 'EXTRA', value: '1' }],
  },
  serviceAccount: { create: true, name: 'custom-sa', annotations: { 'example.com/role': 'operator' } },
  resources: { requests: { cpu: '100m', memory: '160Mi' }, limits: { cpu: '1', memory: '320Mi' } },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }] } } },
  priorityClassName: 'system-cluster-critical',
  podAnnotations: { 'example.com/a': 'b' },
  podLabels: { team: 'platform' },
  metrics: { service: { enabled: true, port: 9090 }, serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prom' } } },
  grafanaDashboard: { enabled: true, namespace: 'monitoring' },
  sample: { enabled: true, name: 'try-me', spec: { policy: { mode: 'monitor' } } },
  demo: { redis: { enabled: true }, postgres: { enabled: true } },
};

describe('Helm chart and deploy/ manifests against a real Kubernetes API server', { skip: clusterSkip() }, () => {
  let cluster: Cluster;
  let dir: string;
  let operator: OperatorProcess | undefined;

  const kubectl = async (args: string[], input?: string) => (await cluster.kubectl(args, input === undefined ? {} : { input })).stdout;
  const helm = async (args: string[]) => (await cluster.helm(args, { timeoutMs: 120_000 })).stdout;
  const get = async (kind: string, name: string, ns?: string): Promise<Json | undefined> => {
    const out = await kubectl(['get', kind, name, ...(ns ? ['-n', ns] : []), '-o', 'json', '--ignore-not-found']);
    return out.trim() ? JSON.parse(out) : undefined;
  };
  const container = (deployment: Json) => deployment.spec.template.spec.containers[0];
  const envOf = (c: Json) => Object.fromEntries((c.env as Json[]).map((e) => [e.name, e.value ?? e.valueFrom]));
  const condition = (pfw: Json | undefined, type: string) => pfw?.status?.conditions?.find((c: Json) => c.type === type);
  const reconciled = (name: string, ns: string, timeoutMs = 60_000) =>
    waitFor(
      async () => {
        const pfw = await get('promptfirewall', name, ns);
        return pfw?.status?.observedGeneration === pfw?.metadata.generation && condition(pfw, 'Ready') ? pfw : undefined;
      },
      timeoutMs,
      `${ns}/${name} reconciled`,
    );
  const scannerConfig = async (name: string, ns: string) => parse((await get('configmap', `${name}-config`, ns))!.data[CONFIG_FILE_NAME]);

  /** Starts the operator as the given Deployment would: its env (the downward API's namespace filled
   *  in), its ServiceAccount's token; only the metrics address is the harness's (a free port). */
  async function startLikeDeployment(deployment: Json): Promise<OperatorProcess> {
    const c = container(deployment);
    assert.deepEqual(c.args ?? [], [], 'the chart passes no args: everything is env');
    const env: Record<string, string> = {};
    for (const e of c.env as Json[]) {
      if (!e.valueFrom) env[e.name] = e.value ?? ''; // the API server drops an empty value
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = deployment.metadata.namespace;
      else assert.fail(`unexpected env ${JSON.stringify(e)}`);
    }
    const ns = deployment.metadata.namespace;
    const sa = deployment.spec.template.spec.serviceAccountName;
    const kubeconfig = await serviceAccountKubeconfig(cluster, ns, sa, path.join(dir, `${ns}-${sa}.kubeconfig`));
    return startOperator({ kubeconfig, env });
  }

  before(async () => {
    cluster = await startCluster({ controllerManager: true });
    dir = await mkdtemp(path.join(tmpdir(), 'pf-chart-'));
  });

  after(async () => {
    await operator?.stop('SIGKILL');
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('helm lint --strict passes with default values and with every value changed', async () => {
    await helm(['lint', '--strict', CHART_DIR]);
    const valuesFile = path.join(dir, 'all-on.yaml');
    await writeFile(valuesFile, stringify(ALL_ON));
    await helm(['lint', '--strict', CHART_DIR, '-f', valuesFile]);
  });

  it('deploy/install.yaml is what `npm run manifests` renders from the chart (run it if this fails)', async () => {
    assert.equal(await readFile(INSTALL_FILE, 'utf8'), renderInstallYaml(path.join(k8sBinDir(), 'helm')));
  });

  it('values.schema.json refuses bad values at install, naming the value', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'operator.replicas=0'], /\/operator\/replicas': minimum: got 0, want 1/],
      [['--set', 'operator.replica=2'], /\/operator': additional properties 'replica' not allowed/],
      [['--set', 'image.pullPolicy=Sometimes'], /\/image\/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'/],
      [['--set', 'image.digest=latest'], /\/image\/digest': 'latest' does not match pattern/],
      [['--set', 'operator.logLevel=loud'], /\/operator\/logLevel': value must be one of/],
      [['--set', 'operator.watchNamespaces={Team_A}'], /\/operator\/watchNamespaces\/0': 'Team_A' does not match pattern/],
      [['--set', 'metrics.serviceMonitor.interval=often'], /\/metrics\/serviceMonitor\/interval': 'often' does not match pattern/],
      [['--set', 'operator.workers=many'], /\/operator\/workers': got string, want integer/],
      [['--set', 'resources=big'], /\/resources': got string, want object/],
      [['--set', 'replicas=2'], /additional properties 'replicas' not allowed/],
      // What a JSON schema cannot say, the templates refuse with a message of their own.
      [['--set', 'operator.leaderElection.enabled=false'], /operator.replicas > 1 needs operator.leaderElection.enabled/],
      [['--set', 'operator.leaderElection.renewDeadlineSeconds=20'], /needs leaseDurationSeconds > renewDeadlineSeconds > retryPeriodSeconds/],
      [['--set', 'serviceAccount.create=false'], /serviceAccount.name is required when serviceAccount.create is false/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(helm(['install', 'bad', CHART_DIR, '-n', 'default', '--dry-run=server', ...args]), message, args.join(' '));
    }
    assert.equal((await helm(['list', '-A', '-q'])).trim(), '', 'nothing was installed');
  });

  it('helm template with default values is accepted by a server-side dry-run', async () => {
    await kubectl(['create', 'namespace', 'dry-default']);
    const rendered = await helm(['template', RELEASE, CHART_DIR, '-n', 'dry-default', '--include-crds']);
    const kinds = parseAllDocuments(rendered).map((d) => d.toJS()?.kind).filter(Boolean).sort();
    assert.deepEqual(kinds, ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    const out = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], rendered);
    assert.equal(out.trim().split('\n').length, kinds.length, out);
  });

  it('helm install (with the sample and the demo Redis/Postgres): CRD, least-privilege RBAC, a 2-replica operator', async () => {
    const out = await helm(['install', RELEASE, CHART_DIR, '-n', RELEASE_NS, '--create-namespace', '--set', 'sample.enabled=true', '--set', 'demo.redis.enabled=true', '--set', 'demo.postgres.enabled=true']);
    assert.match(out, /STATUS: deployed/);
    assert.match(out, /kubectl -n pf-system rollout status deployment\/pf-prompt-firewall-operator/, 'NOTES.txt says what to do next');
    assert.match(out, /NOT for production/);
    const crd = await get('crd', 'promptfirewalls.promptfirewall.io');
    assert.ok(crd, 'the CRD from the chart crds/ folder');

    const deployment = (await get('deployment', OPERATOR, RELEASE_NS))!;
    assert.equal(deployment.spec.replicas, 2);
    const c = container(deployment);
    assert.equal(c.image, `ghcr.io/prompt-firewall/operator:${VERSION}`);
    const env = envOf(c);
    assert.equal(env.PF_OPERATOR_LEADER_ELECT, 'true');
    assert.equal(env.PF_OPERATOR_LEASE_NAME, OPERATOR);
    assert.equal(env.PF_OPERATOR_LEASE_NAMESPACE, RELEASE_NS);
    assert.equal(env.PF_SCANNER_IMAGE, `ghcr.io/prompt-firewall/scanner:${VERSION}`);
    assert.equal(env.PF_OPERATOR_NAMESPACES, undefined, 'all namespaces');
    assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(deployment.metadata.labels['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(deployment.metadata.labels['app.kubernetes.io/instance'], RELEASE);

    assert.deepEqual((await get('clusterrole', OPERATOR))!.rules, clusterRules(), 'the ClusterRole is operator/rbac.ts');
    assert.deepEqual((await get('role', `${OPERATOR}-leader`, RELEASE_NS))!.rules, leaseRules(OPERATOR), 'the Lease Role is limited to its Lease');
    assert.equal((await get('clusterrolebinding', OPERATOR))!.subjects[0].name, OPERATOR);
    assert.deepEqual((await get('service', `${OPERATOR}-metrics`, RELEASE_NS))!.spec.ports.map((p: Json) => [p.name, p.port]), [['metrics', 8081]]);
    assert.equal((await get('pdb', OPERATOR, RELEASE_NS))!.spec.minAvailable, 1);
    for (const kind of ['redis', 'postgres']) assert.ok((await get('secret', `${FULLNAME}-demo-${kind}`, RELEASE_NS))!.data.url);
  });

  it("the operator, started as the chart's Deployment starts it, takes the chart's Lease and reconciles the sample with the chart's scanner image and demo Secrets", async () => {
    operator = await startLikeDeployment((await get('deployment', OPERATOR, RELEASE_NS))!);
    const pfw = await reconciled('sample', RELEASE_NS);
    assert.equal(condition(pfw, 'Ready').reason, 'PodsNotReady', 'reconciled; only the pods (no kubelet here) are missing');
    const lease = await get('lease', OPERATOR, RELEASE_NS);
    assert.ok(lease?.spec.holderIdentity, 'the Lease the chart grants is held');
    const scanner = (await get('deployment', 'sample', RELEASE_NS))!;
    assert.equal(container(scanner).image, `ghcr.io/prompt-firewall/scanner:${VERSION}`);
    const env = envOf(container(scanner));
    assert.deepEqual(env.PF_CACHE_REDIS_URL, { secretKeyRef: { name: `${FULLNAME}-demo-redis`, key: 'url' } });
    assert.deepEqual(env.PF_AUDIT_POSTGRES_URL, { secretKeyRef: { name: `${FULLNAME}-demo-postgres`, key: 'url' } });
    for (const kind of ['serviceaccount', 'service', 'hpa', 'pdb']) assert.ok(await get(kind, 'sample', RELEASE_NS), `${kind} sample`);
  });

  it('helm template with every value changed is accepted by a server-side dry-run', async () => {
    await installCrds(cluster, [{ yaml: SERVICE_MONITOR_CRD }]);
    for (const ns of ['dry-all', 'team-a', 'team-b', 'monitoring']) await kubectl(['create', 'namespace', ns]);
    const valuesFile = path.join(dir, 'all-on.yaml');
    const rendered = await helm(['template', 'all', CHART_DIR, '-n', 'dry-all', '-f', valuesFile]);
    const objects = parseAllDocuments(rendered).map((d) => d.toJS() as Json).filter(Boolean);
    const names = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    for (const expected of ['Role/team-a/guard-operator', 'Role/team-b/guard-operator', 'RoleBinding/team-a/guard-operator', 'ServiceMonitor/dry-all/guard-operator', 'ConfigMap/monitoring/guard-dashboard', 'PromptFirewall/dry-all/try-me', 'Deployment/dry-all/guard-demo-redis', 'Deployment/dry-all/guard-demo-postgres', 'ServiceAccount/dry-all/custom-sa']) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    }
    assert.ok(!names.some((n) => n.startsWith('ClusterRole')), 'a namespace list gets Roles, no ClusterRole');
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'guard-operator')!;
    assert.equal(container(deployment).image, `registry.example.com/pf/operator:1.2.3@sha256:${'a'.repeat(64)}`);
    assert.equal(envOf(container(deployment)).PF_OPERATOR_NAMESPACES, 'team-a,team-b');
    assert.equal(envOf(container(deployment)).PF_SCANNER_IMAGE, 'registry.example.com/pf/scanner:1.2.3');
    const sample = objects.find((o) => o.kind === 'PromptFirewall')!;
    assert.deepEqual(sample.spec, { policy: { mode: 'monitor' }, cache: { redis: { urlSecretRef: { name: 'guard-demo-redis', key: 'url' } } }, audit: { postgres: { urlSecretRef: { name: 'guard-demo-postgres', key: 'url' } } } });
    const dashboard = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'guard-dashboard')!;
    assert.equal(dashboard.metadata.labels.grafana_dashboard, '1');
    assert.ok(JSON.parse(dashboard.data['prompt-firewall-scanner.json']).panels.length > 0);
    const out = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], rendered);
    assert.equal(out.trim().split('\n').length, objects.length, out);
  });

  it('helm upgrade: new values roll out, the demo password is kept, and with a namespace list the Roles that replace the ClusterRole suffice', async () => {
    const password = (await get('secret', `${FULLNAME}-demo-redis`, RELEASE_NS))!.data.password;
    const out = await helm([
      'upgrade', RELEASE, CHART_DIR, '-n', RELEASE_NS,
      '--set', 'sample.enabled=true', '--set', 'demo.redis.enabled=true', '--set', 'demo.postgres.enabled=true',
      '--set', 'sample.spec.policy.mode=monitor', '--set', `operator.watchNamespaces={${RELEASE_NS}}`,
      '--set', 'operator.replicas=3', '--set', 'image.tag=0.2.0',
    ]);
    assert.match(out, /REVISION: 2/);
    const deployment = (await get('deployment', OPERATOR, RELEASE_NS))!;
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(container(deployment).image, 'ghcr.io/prompt-firewall/operator:0.2.0');
    assert.equal(envOf(container(deployment)).PF_OPERATOR_NAMESPACES, RELEASE_NS);
    assert.equal(await get('clusterrole', OPERATOR), undefined, 'the ClusterRole is gone');
    assert.deepEqual((await get('role', OPERATOR, RELEASE_NS))!.rules, clusterRules());
    assert.equal((await get('secret', `${FULLNAME}-demo-redis`, RELEASE_NS))!.data.password, password);

    await operator!.stop();
    operator = await startLikeDeployment(deployment);
    await waitFor(async () => (await get('promptfirewall', 'sample', RELEASE_NS))?.metadata.generation === 2, 10_000, 'the sample updated by the upgrade');
    await reconciled('sample', RELEASE_NS);
    assert.equal((await scannerConfig('sample', RELEASE_NS)).policy.mode, 'monitor', 'reconciled with only the namespaced Roles');
  });

  it('helm uninstall removes the release; the CRD stays (Helm never deletes crds/), so PromptFirewalls elsewhere survive', async () => {
    await operator!.stop();
    operator = undefined;
    await helm(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait']);
    for (const [kind, name, ns] of [['deployment', OPERATOR, RELEASE_NS], ['serviceaccount', OPERATOR, RELEASE_NS], ['role', OPERATOR, RELEASE_NS], ['role', `${OPERATOR}-leader`, RELEASE_NS], ['service', `${OPERATOR}-metrics`, RELEASE_NS], ['secret', `${FULLNAME}-demo-redis`, RELEASE_NS], ['promptfirewall', 'sample', RELEASE_NS]] as const) {
      assert.equal(await get(kind, name, ns), undefined, `${kind} ${name} removed`);
    }
    assert.ok(await get('crd', 'promptfirewalls.promptfirewall.io'));
    assert.equal((await helm(['list', '-A', '-q'])).trim(), '');
  });

  describe('kubectl apply --server-side -f deploy/install.yaml, then deploy/samples/', () => {
    it('install.yaml: namespace, CRD, RBAC and the operator, applied server-side', async () => {
      const out = await kubectl(['apply', '--server-side', '-f', INSTALL_FILE]);
      assert.match(out, /namespace\/prompt-firewall-system serverside-applied/);
      assert.match(out, /customresourcedefinition.apiextensions.k8s.io\/promptfirewalls.promptfirewall.io serverside-applied/);
      const deployment = (await get('deployment', 'prompt-firewall-operator', INSTALL_NAMESPACE))!;
      assert.equal(deployment.spec.replicas, 2);
      assert.equal(deployment.metadata.labels['app.kubernetes.io/managed-by'], 'kubectl');
      assert.equal(envOf(container(deployment)).PF_OPERATOR_LEADER_ELECT, 'true');
      assert.deepEqual((await get('clusterrole', 'prompt-firewall-operator'))!.rules, clusterRules());
      operator = await startLikeDeployment(deployment);
    });

    it('every sample is a valid PromptFirewall (the operator\'s own schema)', async () => {
      const files = (await readdir(SAMPLES_DIR)).filter((f) => f.endsWith('.yaml')).sort();
      assert.deepEqual(files, ['bring-your-own-model.yaml', 'minimal.yaml', 'monitor-only.yaml', 'production.yaml']);
      for (const file of files) {
        const pfws = parseAllDocuments(await readFile(path.join(SAMPLES_DIR, file), 'utf8')).map((d) => d.toJS() as Json).filter((o) => o?.kind === 'PromptFirewall');
        assert.equal(pfws.length, 1, file);
        PromptFirewallSpecSchema.parse(pfws[0].spec);
      }
    });

    it('every sample applies server-side and becomes the children its comments describe', async () => {
      for (const file of await readdir(SAMPLES_DIR)) await kubectl(['apply', '--server-side', '-f', path.join(SAMPLES_DIR, file)]);
      const ns = 'llm-apps';
      for (const name of ['chat-guard', 'prod-guard', 'shadow-guard', 'byom-guard']) {
        const pfw = await reconciled(name, ns);
        assert.equal(condition(pfw, 'Ready').reason, 'PodsNotReady', `${name}: reconciled; only the pods (no kubelet here) are missing`);
        for (const kind of ['serviceaccount', 'service', 'deployment', 'hpa', 'pdb']) assert.ok(await get(kind, name, ns), `${name}: ${kind}`);
        assert.ok(await get('configmap', `${name}-config`, ns), `${name}: configmap`);
        assert.ok(await get('secret', `${name}-keys`, ns), `${name}: keys Secret`);
      }

      // minimal.yaml: the defaults.
      const hpa = (await get('hpa', 'chat-guard', ns))!;
      assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics[0].resource.target.averageUtilization], [2, 10, 70]);
      assert.equal(container((await get('deployment', 'chat-guard', ns))!).image, `ghcr.io/prompt-firewall/scanner:${VERSION}`);

      // production.yaml: Redis, Postgres and API keys from Secrets; resources; 3–20 pods; rate limits.
      const prod = container((await get('deployment', 'prod-guard', ns))!);
      assert.deepEqual(prod.resources, { requests: { cpu: '1', memory: '192Mi' }, limits: { cpu: '2', memory: '384Mi' } });
      assert.deepEqual(envOf(prod).PF_CACHE_REDIS_URL, { secretKeyRef: { name: 'prod-guard-redis', key: 'url' } });
      assert.deepEqual(envOf(prod).PF_AUDIT_POSTGRES_URL, { secretKeyRef: { name: 'prod-guard-postgres', key: 'url' } });
      const volumes = (await get('deployment', 'prod-guard', ns))!.spec.template.spec.volumes as Json[];
      assert.ok(volumes.some((v) => v.secret?.secretName === 'prod-guard-api-keys'), 'the API keys Secret is mounted');
      const prodHpa = (await get('hpa', 'prod-guard', ns))!;
      assert.deepEqual([prodHpa.spec.minReplicas, prodHpa.spec.maxReplicas], [3, 20]);
      const prodConfig = await scannerConfig('prod-guard', ns);
      assert.deepEqual(prodConfig.rateLimit, { enabled: true, requestsPerMinute: 600, burst: 50, key: 'apiKey' });

      // monitor-only.yaml
      const shadow = await scannerConfig('shadow-guard', ns);
      assert.deepEqual([shadow.policy.mode, shadow.policy.failMode], ['monitor', 'open']);

      // bring-your-own-model.yaml: the claim mounted read-only, the built-in model kept.
      const byom = (await get('deployment', 'byom-guard', ns))!.spec.template.spec.volumes as Json[];
      assert.deepEqual(byom.find((v) => v.name === 'model')?.persistentVolumeClaim, { claimName: 'injection-model', readOnly: true });
      const byomConfig = await scannerConfig('byom-guard', ns);
      assert.equal(byomConfig.model.builtin.enabled, true);
      assert.ok(byomConfig.model.custom.path, 'the scanner reads the mounted directory');
      assert.deepEqual(byomConfig.model.custom.labels, { INJECTION: 'prompt_injection', SAFE: 'ignore' }, 'the label map reaches the scanner');
    });
  });
});
