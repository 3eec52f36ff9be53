// The operator against a real kube-apiserver and kube-controller-manager (test/harness/cluster.ts):
// the CRD's validation, every child object, updates, drift repair, status, references that are
// missing, cascading deletion, leader election and restarts, and the contract with a real scanner.
// The operator runs as a separate process with the ServiceAccount of deploy/rbac/operator.yaml,
// so the RBAC manifest is proven sufficient too.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { PromptFirewallSpecSchema } from '../../crds/schema.js';
import { CRD_FILE } from '../../crds/generate.js';
import { policyVersion } from '../../scanner/policy/decide.js';
import { RBAC_FILE, DEFAULT_OPERATOR_NAMESPACE, OPERATOR_NAME } from '../../operator/rbac.js';
import { CHILD_SELECTOR } from '../../operator/desired/meta.js';
import { CONFIG_HASH_ANNOTATION } from '../../operator/desired/workload.js';
import { clusterSkip, startCluster, type Cluster } from '../harness/cluster.js';
import { installCrds, serviceAccountKubeconfig, startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { startScanner } from '../harness/scanner-process.js';
import { waitFor } from '../harness/servers.js';

const NS = 'llm-apps';
/** Short leases so takeovers are quick, yet long enough that a leader on a busy machine (a second
 *  operator loading beside it) keeps renewing; a renew deadline under the lease duration, as required. */
const LEASE_SECONDS = 4;
const LEASE_ARGS = ['--lease-duration', String(LEASE_SECONDS), '--renew-deadline', '3', '--retry-period', '0.5'];
const CHILDREN = ['serviceaccount', 'configmap', 'service', 'deployment', 'hpa', 'pdb'];
const KINDS: Record<string, [string, string]> = {
  promptfirewall: ['promptfirewall.io/v1alpha1', 'PromptFirewall'],
  serviceaccount: ['v1', 'ServiceAccount'],
  configmap: ['v1', 'ConfigMap'],
  service: ['v1', 'Service'],
  secret: ['v1', 'Secret'],
  deployment: ['apps/v1', 'Deployment'],
  hpa: ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  pdb: ['policy/v1', 'PodDisruptionBudget'],
  networkpolicy: ['networking.k8s.io/v1', 'NetworkPolicy'],
  servicemonitor: ['monitoring.coreos.com/v1', 'ServiceMonitor'],
  lease: ['coordination.k8s.io/v1', 'Lease'],
};

// A minimal ServiceMonitor CRD, standing in for the Prometheus Operator's.
const SERVICE_MONITOR_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {plural: servicemonitors, singular: servicemonitor, kind: ServiceMonitor, listKind: ServiceMonitorList}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;

type Json = Record<string, any>;

describe('operator against a real Kubernetes API server', { skip: clusterSkip() }, () => {
  let cluster: Cluster;
  let dir: string;
  let kubeconfig: string;
  let operator: OperatorProcess | undefined;
  let objects: KubernetesObjectApi;

  const kubectl = async (args: string[], input?: string) => (await cluster.kubectl(args, input === undefined ? {} : { input })).stdout;
  /** Reads through client-node (kubectl is too slow to poll with); undefined when absent. */
  const getJson = async (kind: string, name: string, ns = NS): Promise<Json | undefined> => {
    const [apiVersion, k] = KINDS[kind];
    try {
      // Plain JSON, as the API server sent it (client-node returns class instances and Dates).
      return JSON.parse(JSON.stringify(await objects.read({ apiVersion, kind: k, metadata: { name, namespace: ns } })));
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };
  /** Names of the children of each default kind in the namespace. */
  const childNames = async (): Promise<Map<string, Set<string>>> => {
    const out = new Map<string, Set<string>>();
    for (const kind of CHILDREN) {
      const [apiVersion, k] = KINDS[kind];
      const list = await objects.list(apiVersion, k, NS, undefined, undefined, undefined, undefined, CHILD_SELECTOR);
      out.set(kind, new Set(list.items.map((o) => o.metadata!.name!)));
    }
    return out;
  };
  const applyPfw = (name: string, spec: Json = {}) => kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'promptfirewall.io/v1alpha1', kind: 'PromptFirewall', metadata: { name, namespace: NS }, spec }));
  const condition = (pfw: Json | undefined, type: string) => pfw?.status?.conditions?.find((c: Json) => c.type === type);
  /** Waits until the PromptFirewall's status describes its current generation and passes `check`. */
  const waitStatus = (name: string, check: (pfw: Json) => boolean, what: string, timeoutMs = 30_000) =>
    waitFor(
      async () => {
        const pfw = await getJson('promptfirewall', name);
        return pfw && pfw.status?.observedGeneration === pfw.metadata.generation && check(pfw) ? pfw : undefined;
      },
      timeoutMs,
      `${name}: ${what}`,
    );

  before(async () => {
    cluster = await startCluster({ controllerManager: true });
    dir = await mkdtemp(path.join(tmpdir(), 'pf-operator-'));
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    objects = KubernetesObjectApi.makeApiClient(kc);
    await installCrds(cluster, [{ file: CRD_FILE }, { yaml: SERVICE_MONITOR_CRD }]);
    await kubectl(['create', 'namespace', DEFAULT_OPERATOR_NAMESPACE]);
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['apply', '-f', RBAC_FILE]);
    kubeconfig = await serviceAccountKubeconfig(cluster, DEFAULT_OPERATOR_NAMESPACE, OPERATOR_NAME, path.join(dir, 'operator.kubeconfig'));
    operator = await startOperator({ kubeconfig, args: [...LEASE_ARGS, '--lease-namespace', DEFAULT_OPERATOR_NAMESPACE] });
  });

  after(async () => {
    await operator?.stop('SIGKILL');
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the CRD is accepted; kubectl explain shows the field descriptions', async () => {
    const explained = await kubectl(['explain', 'promptfirewall.spec.autoscaling.scaleDownBelowCPUUtilization']);
    assert.match(explained, /Scale down only while CPU utilisation is below this percentage/);
  });

  it('refuses invalid resources at apply with a clear message', async () => {
    const cases: Array<[Json, RegExp]> = [
      [{ replicas: { min: 5, max: 2 } }, /replicas.min must be less than or equal to replicas.max/],
      [{ autoscaling: { targetCPUUtilization: 50, scaleDownBelowCPUUtilization: 60 } }, /scaleDownBelowCPUUtilization must be below autoscaling.targetCPUUtilization/],
      [{ policy: { categories: { pii: { threshold: 1.5 } } } }, /threshold: Invalid value: 1.5: .*less than or equal to 1/],
      [{ policy: { mode: 'audit' } }, /spec.policy.mode: Unsupported value: "audit"/],
      [{ resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } }, /resources.limits.memory must be at least resources.requests.memory/],
      [{ podDisruptionBudget: { maxUnavailable: 'half' } }, /must be a non-negative integer or a percentage/],
      [{ model: { custom: { configMap: { name: 'a' }, persistentVolumeClaim: { claimName: 'b' } } } }, /model.custom needs exactly one of configMap, persistentVolumeClaim, image or path/],
      [{ healthCheck: { periodSeconds: 5, timeoutSeconds: 10 } }, /healthCheck.timeoutSeconds must not exceed healthCheck.periodSeconds/],
      [{ cache: { redis: { urlSecretRef: { name: 'r' } } } }, /spec.cache.redis.urlSecretRef.key: Required value/],
    ];
    for (const [spec, message] of cases) {
      await assert.rejects(applyPfw('invalid', spec), message, JSON.stringify(spec));
    }
    await assert.rejects(applyPfw('a'.repeat(57)), /metadata.name must be at most 56 characters/);
    assert.equal(await getJson('promptfirewall', 'invalid'), undefined);
  });

  it('spec: {} becomes every child, owned by the PromptFirewall, and a status', async () => {
    await applyPfw('guard');
    const pfw = await waitStatus('guard', (p) => !!p.status.endpoint, 'status written');
    for (const kind of CHILDREN) {
      const name = kind === 'configmap' ? 'guard-config' : 'guard';
      const child = await getJson(kind, name);
      assert.ok(child, `${kind} exists`);
      assert.deepEqual(
        child.metadata.ownerReferences.map((r: Json) => [r.kind, r.name, r.uid, r.controller]),
        [['PromptFirewall', 'guard', pfw.metadata.uid, true]],
      );
      assert.ok(child.metadata.managedFields.some((f: Json) => f.manager === 'prompt-firewall-operator' && f.operation === 'Apply'), `${kind} applied server-side`);
    }
    assert.equal(pfw.status.endpoint, `http://guard.${NS}.svc:8080`);
    assert.equal(pfw.status.policyVersion, policyVersion(PromptFirewallSpecSchema.parse({}).policy));
    assert.deepEqual(pfw.status.conditions.map((c: Json) => c.type).sort(), ['Degraded', 'Progressing', 'Ready']);
    assert.equal(condition(pfw, 'Ready').status, 'False', 'no nodes: no pod ever runs');
    assert.equal(condition(pfw, 'Degraded').status, 'False', JSON.stringify(pfw.status.conditions));
    const svc = await getJson('service', 'guard');
    assert.equal(svc!.spec.type, 'ClusterIP');
    assert.ok(svc!.spec.clusterIP);
  });

  let guardKeys: Json | undefined;
  it('without key Secrets in the spec, the operator makes <name>-keys once (owned, immutable) and wires the pods to it', async () => {
    guardKeys = await getJson('secret', 'guard-keys');
    assert.ok(guardKeys, 'guard-keys exists');
    const pfw = await getJson('promptfirewall', 'guard');
    assert.equal(guardKeys.metadata.ownerReferences[0].uid, pfw!.metadata.uid);
    assert.equal(guardKeys.immutable, true);
    assert.deepEqual(Object.keys(guardKeys.data).sort(), ['audit-fingerprint-key', 'proxy-canary-key']);
    const env = (await getJson('deployment', 'guard'))!.spec.template.spec.containers[0].env as Json[];
    assert.deepEqual(env.find((e) => e.name === 'PF_AUDIT_FINGERPRINT_KEY')!.valueFrom, { secretKeyRef: { name: 'guard-keys', key: 'audit-fingerprint-key' } });
    assert.deepEqual(env.find((e) => e.name === 'PF_PROXY_CANARY_KEY')!.valueFrom, { secretKeyRef: { name: 'guard-keys', key: 'proxy-canary-key' } });
    assert.equal(env.find((e) => e.name === 'NODE_OPTIONS')!.value, '--max-old-space-size=144 --max-semi-space-size=6');
  });

  it('HPA: the API server keeps the scale-down tolerance; status reports it', async () => {
    const hpa = await getJson('hpa', 'guard');
    assert.equal(hpa!.spec.behavior.scaleDown.tolerance, '572m');
    assert.equal(hpa!.spec.behavior.scaleDown.stabilizationWindowSeconds, 600);
    assert.equal(hpa!.spec.behavior.scaleUp.stabilizationWindowSeconds, 300);
    const pfw = await getJson('promptfirewall', 'guard');
    assert.equal(pfw!.status.scaleDownTolerance, '572m');
  });

  it('with kube-controller-manager the Deployment gets a ReplicaSet and the HPA scales it to min (pods stay Pending)', async () => {
    await waitFor(async () => JSON.parse(await kubectl(['get', 'replicasets', '-n', NS, '-l', 'app.kubernetes.io/instance=guard', '-o', 'json'])).items.length > 0, 30_000, 'a ReplicaSet');
    await waitFor(async () => (await getJson('deployment', 'guard'))?.spec.replicas === 2, 60_000, 'the HPA to scale the Deployment to 2');
    const pfw = await waitStatus('guard', (p) => p.status.desiredReplicas === 2, 'desired replicas 2');
    assert.equal(pfw.status.replicasSummary, '0/2');
    const hpa = await getJson('hpa', 'guard');
    assert.ok(hpa!.status.conditions?.length, 'the HPA controller processed it');
  });

  it('kubectl get pfw shows Ready, Replicas, Endpoint and Age', async () => {
    const out = await kubectl(['get', 'pfw', 'guard', '-n', NS]);
    const [header, row] = out.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'READY', 'REPLICAS', 'ENDPOINT', 'AGE']);
    assert.match(row, new RegExp(`^guard\\s+False\\s+0/2\\s+http://guard\\.${NS}\\.svc:8080\\s+\\d+s`));
  });

  it('a policy change is hot-reloaded (same config hash); a restart-only change rolls the pods', async () => {
    const hashOf = async () => (await getJson('deployment', 'guard'))!.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    const before = await hashOf();
    await applyPfw('guard', { policy: { mode: 'monitor' } });
    let pfw = await waitStatus('guard', (p) => p.metadata.generation === 2, 'generation 2');
    assert.equal(pfw.status.policyVersion, policyVersion(PromptFirewallSpecSchema.parse({ policy: { mode: 'monitor' } }).policy));
    assert.match((await getJson('configmap', 'guard-config'))!.data['config.yaml'], /mode: monitor/);
    assert.equal(await hashOf(), before);
    await applyPfw('guard', { policy: { mode: 'monitor' }, cache: { disk: { maxEntries: 5000 } } });
    pfw = await waitStatus('guard', (p) => p.metadata.generation === 3, 'generation 3');
    assert.notEqual(await hashOf(), before);
    assert.equal(pfw.status.configHash, await hashOf());
    for (const c of pfw.status.conditions) assert.equal(c.observedGeneration, 3);
  });

  it('optional children follow the spec: PDB off is deleted, NetworkPolicy and ServiceMonitor on are created', async () => {
    await applyPfw('guard', { podDisruptionBudget: { enabled: false }, networkPolicy: { enabled: true }, observability: { serviceMonitor: { enabled: true } } });
    await waitFor(async () => !(await getJson('pdb', 'guard')), 20_000, 'the PDB to be deleted');
    await waitFor(async () => !!(await getJson('networkpolicy', 'guard')), 20_000, 'a NetworkPolicy');
    const sm = await waitFor(async () => await getJson('servicemonitor', 'guard'), 20_000, 'a ServiceMonitor');
    assert.deepEqual(sm.spec.endpoints, [{ port: 'http', path: '/metrics', interval: '30s' }]);
    await applyPfw('guard', {});
    await waitFor(async () => !!(await getJson('pdb', 'guard')) && !(await getJson('networkpolicy', 'guard')) && !(await getJson('servicemonitor', 'guard')), 20_000, 'back to the defaults');
  });

  it('repairs drift: a deleted Service comes back, edited Deployment and HPA fields are restored', async () => {
    const svc = await getJson('service', 'guard');
    await kubectl(['delete', 'service', 'guard', '-n', NS]);
    await waitFor(async () => {
      const now = await getJson('service', 'guard');
      return now && now.metadata.uid !== svc!.metadata.uid;
    }, 10_000, 'the Service to be recreated');
    await kubectl(['patch', 'deployment', 'guard', '-n', NS, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'evil:latest' }])]);
    await kubectl(['patch', 'hpa', 'guard', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { maxReplicas: 99 } })]);
    await waitFor(async () => (await getJson('deployment', 'guard'))!.spec.template.spec.containers[0].image !== 'evil:latest', 10_000, 'the image to be restored');
    await waitFor(async () => (await getJson('hpa', 'guard'))!.spec.maxReplicas === 10, 10_000, 'maxReplicas to be restored');
  });

  it('the keys Secret keeps its values through every later reconcile', async () => {
    const now = await getJson('secret', 'guard-keys');
    assert.equal(now!.metadata.uid, guardKeys!.metadata.uid);
    assert.deepEqual(now!.data, guardKeys!.data);
  });

  it('a foreign Secret where the keys Secret belongs is Ready=False SecretConflict until it is gone', async () => {
    await kubectl(['create', 'secret', 'generic', 'taken-keys', '-n', NS, '--from-literal=audit-fingerprint-key=0123456789abcdef', '--from-literal=proxy-canary-key=0123456789abcdef']);
    await applyPfw('taken');
    const pfw = await waitStatus('taken', (p) => condition(p, 'Ready')?.reason === 'SecretConflict', 'SecretConflict');
    assert.match(condition(pfw, 'Ready').message, /Secret llm-apps\/taken-keys exists and is not owned by this PromptFirewall/);
    assert.equal(await getJson('deployment', 'taken'), undefined);
    await kubectl(['delete', 'secret', 'taken-keys', '-n', NS]);
    await waitStatus('taken', (p) => condition(p, 'Ready')?.reason === 'PodsNotReady', 'reconciled with its own keys', 90_000);
    assert.equal((await getJson('secret', 'taken-keys'))!.metadata.ownerReferences[0].name, 'taken');
    assert.notEqual(Buffer.from((await getJson('secret', 'taken-keys'))!.data['audit-fingerprint-key'], 'base64').toString(), '0123456789abcdef');
    await kubectl(['delete', 'promptfirewall', 'taken', '-n', NS]);
  });

  it('a missing Secret is Ready=False SecretNotFound, without a Deployment; it reconciles once the Secret exists', async () => {
    await applyPfw('needs-redis', { cache: { redis: { urlSecretRef: { name: 'guard-redis', key: 'url' } } } });
    const pfw = await waitStatus('needs-redis', (p) => condition(p, 'Ready')?.reason === 'SecretNotFound', 'SecretNotFound');
    assert.equal(condition(pfw, 'Ready').status, 'False');
    assert.match(condition(pfw, 'Ready').message, /Secret llm-apps\/guard-redis \(cache.redis.urlSecretRef\) not found/);
    assert.equal(await getJson('deployment', 'needs-redis'), undefined);
    await waitFor(async () => (await kubectl(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=needs-redis,type=Warning'])).includes('SecretNotFound'), 10_000, 'a Warning event');
    await kubectl(['create', 'secret', 'generic', 'guard-redis', '-n', NS, '--from-literal=uri=redis://x']);
    await waitStatus('needs-redis', (p) => condition(p, 'Ready')?.reason === 'SecretKeyNotFound', 'SecretKeyNotFound');
    await kubectl(['create', 'secret', 'generic', 'guard-redis', '-n', NS, '--from-literal=url=redis://127.0.0.1:1', '--dry-run=client', '-o', 'yaml']).then((y) => kubectl(['apply', '-f', '-'], y));
    await waitStatus('needs-redis', (p) => condition(p, 'Ready')?.reason === 'PodsNotReady', 'reconciled', 90_000);
    const env = (await getJson('deployment', 'needs-redis'))!.spec.template.spec.containers[0].env;
    assert.deepEqual(env.find((e: Json) => e.name === 'PF_CACHE_REDIS_URL').valueFrom, { secretKeyRef: { name: 'guard-redis', key: 'url' } });
    assert.ok(!(await getJson('configmap', 'needs-redis-config'))!.data['config.yaml'].includes('guard-redis'));
  });

  it('a missing model ConfigMap is Ready=False ModelSourceNotFound', async () => {
    await applyPfw('byo-model', { model: { custom: { configMap: { name: 'my-model' } } } });
    const pfw = await waitStatus('byo-model', (p) => condition(p, 'Ready')?.reason === 'ModelSourceNotFound', 'ModelSourceNotFound');
    assert.match(condition(pfw, 'Ready').message, /ConfigMap llm-apps\/my-model/);
  });

  it('serves /metrics: reconciles by result, durations, queue depth, leader', async () => {
    assert.ok((await operator!.metric('prompt_firewall_operator_reconcile_total', { result: 'success' })) > 0);
    assert.ok((await operator!.metric('prompt_firewall_operator_reconcile_total', { result: 'requeue' })) > 0);
    assert.ok((await operator!.metric('prompt_firewall_operator_reconcile_duration_seconds_count')) > 0);
    assert.equal(await operator!.metric('prompt_firewall_operator_leader'), 1);
    assert.equal(await operator!.metric('prompt_firewall_operator_queue_depth'), 0);
  });

  it('the contract: a scanner started with exactly the rendered ConfigMap and pod env serves the policy in status', async () => {
    await kubectl(['create', 'secret', 'generic', 'contract-redis', '-n', NS, '--from-literal=url=redis://127.0.0.1:1']);
    const spec = { policy: { categories: { pii: { threshold: 0.5, action: 'block' } } }, cache: { redis: { urlSecretRef: { name: 'contract-redis', key: 'url' } } } };
    await applyPfw('contract', spec);
    const pfw = await waitStatus('contract', (p) => !!p.status.policyVersion && condition(p, 'Ready')?.reason !== 'SecretNotFound', 'reconciled');
    const deployment = (await getJson('deployment', 'contract'))!;
    const configMap = (await getJson('configmap', 'contract-config'))!;
    const container = deployment.spec.template.spec.containers[0];
    // Mounted volumes become folders; paths in args and env are mapped onto them.
    const mounts = new Map<string, string>();
    for (const m of container.volumeMounts) {
      mounts.set(m.mountPath, path.join(dir, 'contract', m.name));
      await mkdir(mounts.get(m.mountPath)!, { recursive: true });
    }
    const configDir = mounts.get('/etc/prompt-firewall')!;
    for (const [file, text] of Object.entries(configMap.data as Record<string, string>)) await writeFile(path.join(configDir, file), text);
    const mapPath = (v: string) => {
      const from = [...mounts.keys()].filter((m) => v === m || v.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
      return from ? mounts.get(from)! + v.slice(from.length) : v;
    };
    const env: Record<string, string> = {};
    for (const e of container.env as Json[]) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) env[e.name] = Buffer.from((await getJson('secret', ref.name))!.data[ref.key], 'base64').toString();
      else if (e.valueFrom?.fieldRef) env[e.name] = 'contract-pod';
      else env[e.name] = mapPath(e.value);
    }
    assert.equal(container.args[0], 'serve');
    const scanner = await startScanner({ env, args: container.args.slice(1).map(mapPath) });
    try {
      const info = (await (await fetch(`${scanner.url}/v1/info`)).json()) as Json;
      assert.equal(info.policyVersion, pfw.status.policyVersion);
      const scan = (await (await fetch(`${scanner.url}/v1/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: "Mail me at jane.doe@example.com" }) })).json()) as Json;
      assert.equal(scan.policyVersion, pfw.status.policyVersion);
      assert.equal(scan.verdict, 'block', 'pii is blocked, as this spec says (the default would redact)');
      // The canary key comes from contract-keys: a token this scanner issues is signed with it.
      assert.ok(env.PF_PROXY_CANARY_KEY && env.PF_AUDIT_FINGERPRINT_KEY, 'both keys from the generated Secret');
    } finally {
      await scanner.stop();
    }
  });

  it('deleting the PromptFirewall deletes its children (garbage collector)', async () => {
    await kubectl(['delete', 'promptfirewall', 'guard', '-n', NS]);
    await waitFor(async () => {
      const children = await childNames();
      return CHILDREN.every((kind) => !children.get(kind)!.has(kind === 'configmap' ? 'guard-config' : 'guard')) && !(await getJson('secret', 'guard-keys'));
    }, 60_000, 'the children and the keys Secret to be garbage collected');
  });

  describe('leader election and restarts', () => {
    const leaseHolder = async () => (await getJson('lease', OPERATOR_NAME, DEFAULT_OPERATOR_NAMESPACE))?.spec.holderIdentity ?? '';
    const start = () => startOperator({ kubeconfig, args: [...LEASE_ARGS, '--lease-namespace', DEFAULT_OPERATOR_NAMESPACE] });

    it('of two operators only the leader reconciles; killing it hands over within the lease time', async () => {
      assert.equal(await operator!.stop('SIGTERM'), 0, 'a graceful shutdown exits 0');
      operator = undefined;
      assert.equal(await leaseHolder(), '', 'and releases the lease');
      const a = await start();
      await waitFor(async () => (await a.metric('prompt_firewall_operator_leader')) === 1, 10_000, 'a to lead');
      const b = await start();
      try {
        await applyPfw('ha-1');
        await waitStatus('ha-1', () => true, 'reconciled by the leader');
        const keys = (await getJson('secret', 'ha-1-keys'))!.data;
        assert.equal(await b.metric('prompt_firewall_operator_leader'), 0);
        assert.equal(await b.metric('prompt_firewall_operator_reconcile_total'), 0, 'the standby wrote nothing');
        const holder = await leaseHolder();
        await a.stop('SIGKILL');
        const killed = Date.now();
        await waitFor(async () => (await b.metric('prompt_firewall_operator_leader')) === 1, 10_000, 'b to take over');
        const takeover = Date.now() - killed;
        assert.ok(takeover < (LEASE_SECONDS + 2) * 1000, `took over in ${takeover} ms (lease ${LEASE_SECONDS} s, retry 0.5 s)`);
        assert.notEqual(await leaseHolder(), holder);
        await applyPfw('ha-2');
        await waitStatus('ha-2', () => true, 'reconciled by the new leader');
        await applyPfw('ha-1', { policy: { mode: 'monitor' } });
        await waitStatus('ha-1', (p) => p.metadata.generation === 2, 'ha-1 reconciled by the new leader');
        assert.deepEqual((await getJson('secret', 'ha-1-keys'))!.data, keys, 'the new leader reads the keys, never makes new ones');
      } finally {
        await a.stop('SIGKILL');
        operator = b;
      }
    });

    it('an operator killed mid-reconcile is replaced, and every PromptFirewall ends fully reconciled', async () => {
      const names = Array.from({ length: 12 }, (_, i) => `restart-${i}`);
      await kubectl(['apply', '-f', '-'], names.map((n) => JSON.stringify({ apiVersion: 'promptfirewall.io/v1alpha1', kind: 'PromptFirewall', metadata: { name: n, namespace: NS }, spec: {} })).join('\n'));
      // Kill as soon as the first child of the batch appears.
      await waitFor(async () => !!(await getJson('serviceaccount', names[0])), 20_000, 'reconciling to start');
      await operator!.stop('SIGKILL');
      operator = await start();
      await waitFor(
        async () => {
          const list = (await objects.list('promptfirewall.io/v1alpha1', 'PromptFirewall', NS)).items as Json[];
          const done = new Set(list.filter((p) => p.status?.endpoint && p.status.observedGeneration === p.metadata.generation).map((p) => p.metadata.name));
          return names.every((n) => done.has(n));
        },
        60_000,
        'every PromptFirewall reconciled after the restart',
      );
      const children = await childNames();
      for (const n of names) for (const kind of CHILDREN) assert.ok(children.get(kind)!.has(kind === 'configmap' ? `${n}-config` : n), `${n}: ${kind}`);
    });
  });
});
