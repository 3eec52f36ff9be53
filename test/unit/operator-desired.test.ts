import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { PromptFirewallSpecSchema, type PromptFirewallSpecInput } from '../../crds/schema.js';
import { parseConfig } from '../../scanner/config/load.js';
import { policyVersion } from '../../scanner/policy/decide.js';
import { desiredState, type Desired } from '../../operator/desired/index.js';
import { CHILD_SELECTOR, type KubeObject } from '../../operator/desired/meta.js';
import { scaleDownTolerance } from '../../operator/desired/scaling.js';
import { CONFIG_FILE, secretSlots } from '../../operator/desired/scanner-config.js';
import { CONFIG_HASH_ANNOTATION, detectionThreads, nodeHeapOptions } from '../../operator/desired/workload.js';
import { GENERATED_KEYS, keysSecret, missingKeys, withGeneratedKeys } from '../../operator/desired/keys.js';

const owner = { name: 'chat-guard', namespace: 'llm-apps', uid: 'uid-1', generation: 1 };

function build(spec: PromptFirewallSpecInput = {}, extra: { secretVersions?: Record<string, string>; serviceMonitorSupported?: boolean } = {}): Desired {
  return desiredState({ owner, spec: PromptFirewallSpecSchema.parse(spec), defaultImage: 'prompt-firewall:test', serviceMonitorSupported: false, ...extra });
}
const find = (d: Desired, kind: string) => d.objects.find((o) => o.kind === kind) as KubeObject & Record<string, any>;
const podSpec = (d: Desired) => find(d, 'Deployment').spec.template.spec;
const container = (d: Desired) => podSpec(d).containers[0];
const renderedConfig = (d: Desired) => find(d, 'ConfigMap').data['config.yaml'] as string;

describe('desired state of a PromptFirewall', () => {
  it('an empty spec gives ServiceAccount, ConfigMap, Service, Deployment, HPA and PDB, each owned and labelled', () => {
    const d = build();
    assert.deepEqual(
      d.objects.map((o) => o.kind),
      ['ServiceAccount', 'ConfigMap', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
    );
    const [labelKey, labelValue] = CHILD_SELECTOR.split('=');
    for (const o of d.objects) {
      assert.equal(o.metadata.namespace, 'llm-apps');
      assert.equal(o.metadata.labels?.[labelKey], labelValue);
      assert.deepEqual(o.metadata.ownerReferences, [{ apiVersion: 'promptfirewall.io/v1alpha1', kind: 'PromptFirewall', name: 'chat-guard', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    }
    assert.deepEqual(d.absent.map((k) => k.kind), ['NetworkPolicy']);
    assert.equal(d.endpoint, 'http://chat-guard.llm-apps.svc:8080');
  });

  it('Deployment: requests for CPU autoscaling, probes from the spec, hardened pods spread across nodes, no replicas', () => {
    const d = build({ healthCheck: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 5 }, resources: { limits: { cpu: '2' } } });
    const dep = find(d, 'Deployment');
    assert.equal(dep.spec.replicas, undefined, 'the HPA owns replicas');
    const c = container(d);
    assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '128Mi' }, limits: { memory: '384Mi', cpu: '2' } });
    assert.deepEqual(c.readinessProbe, { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 5 });
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.deepEqual(c.args, ['serve', '--config', CONFIG_FILE]);
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } });
    const pod = podSpec(d);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(
      pod.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable]),
      [
        ['kubernetes.io/hostname', 'ScheduleAnyway'],
        ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
      ],
    );
    const data = pod.volumes.find((v: any) => v.name === 'data');
    assert.deepEqual(data.emptyDir, { sizeLimit: '1Gi' });
    assert.ok(c.volumeMounts.some((m: any) => m.name === 'config' && m.mountPath === '/etc/prompt-firewall' && !m.subPath));
    assert.equal(pod.terminationGracePeriodSeconds, 35);
    assert.deepEqual(
      c.env.filter((e: any) => e.name.startsWith('PF_SHUTDOWN')),
      [
        { name: 'PF_SHUTDOWN_DELAY_MS', value: '5000' },
        { name: 'PF_SHUTDOWN_TIMEOUT_MS', value: '25000' },
      ],
    );
    assert.equal(c.image, 'prompt-firewall:test');
    assert.equal(container(build({ image: { reference: 'registry.example/pf:1' } })).image, 'registry.example/pf:1');
    assert.equal(podSpec(build({ placement: { spreadAcrossNodes: 'none' } })).topologySpreadConstraints, undefined);
  });

  it('the config hash rolls pods for restart-only changes and Secret rotation, not for policy changes', () => {
    const hash = (d: Desired) => find(d, 'Deployment').spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    const base = build();
    assert.equal(hash(base), base.configHash);
    assert.equal(hash(build({ policy: { mode: 'monitor' } })), hash(base));
    assert.notEqual(build({ policy: { mode: 'monitor' } }).policyVersion, base.policyVersion);
    assert.notEqual(hash(build({ cache: { disk: { maxEntries: 5 } } })), hash(base));
    assert.notEqual(hash(build({}, { secretVersions: { redis: '7' } })), hash(build({}, { secretVersions: { redis: '8' } })));
  });

  it('Secret key references become env valueFrom.secretKeyRef and never enter the ConfigMap', () => {
    const d = build({
      cache: { redis: { urlSecretRef: { name: 'guard-redis', key: 'url' } } },
      audit: { postgres: { urlSecretRef: { name: 'guard-pg', key: 'dsn' } } },
      proxy: { upstream: 'http://vllm:8000/v1', apiKeySecretRef: { name: 'upstream', key: 'key' } },
    });
    const env = container(d).env;
    assert.deepEqual(env.find((e: any) => e.name === 'PF_CACHE_REDIS_URL'), { name: 'PF_CACHE_REDIS_URL', valueFrom: { secretKeyRef: { name: 'guard-redis', key: 'url' } } });
    assert.deepEqual(env.find((e: any) => e.name === 'PF_AUDIT_POSTGRES_URL').valueFrom.secretKeyRef, { name: 'guard-pg', key: 'dsn' });
    assert.deepEqual(env.find((e: any) => e.name === 'PF_PROXY_API_KEY').valueFrom.secretKeyRef, { name: 'upstream', key: 'key' });
    const text = renderedConfig(d);
    assert.ok(!/SecretRef|guard-redis|guard-pg/.test(text), text);
    assert.equal(parse(text).proxy.upstream, 'http://vllm:8000/v1');
  });

  it('an OTLP endpoint becomes the standard OpenTelemetry variables the scanner reads', () => {
    assert.ok(!container(build()).env.some((e: any) => e.name.startsWith('OTEL_')), 'tracing off by default');
    const env = container(build({ observability: { otlp: { endpoint: 'http://otel.observability.svc:4318' } } })).env;
    const value = (name: string) => env.find((e: any) => e.name === name)?.value;
    assert.equal(value('OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://otel.observability.svc:4318');
    assert.equal(value('OTEL_SERVICE_NAME'), 'prompt-firewall');
    assert.match(value('OTEL_RESOURCE_ATTRIBUTES')!, /k8s.namespace.name=llm-apps,k8s.deployment.name=chat-guard,k8s.pod.name=\$\(POD_NAME\)/);
    assert.ok(env.findIndex((e: any) => e.name === 'POD_NAME') < env.findIndex((e: any) => e.name === 'OTEL_RESOURCE_ATTRIBUTES'), 'defined before use');
  });

  it('a whole-Secret reference (API keys) becomes a read-only volume whose directory is in the config', () => {
    const d = build({ auth: { apiKeysSecretRef: { name: 'guard-keys' } } });
    const vol = podSpec(d).volumes.find((v: any) => v.secret?.secretName === 'guard-keys');
    assert.ok(vol);
    const mount = container(d).volumeMounts.find((m: any) => m.name === vol.name);
    assert.equal(mount.readOnly, true);
    assert.equal(parse(renderedConfig(d)).auth.apiKeysPath, mount.mountPath);
  });

  it('every *SecretRef field of the scanner configuration has somewhere for its value to go', () => {
    const slots = secretSlots();
    assert.ok(slots.length >= 4, JSON.stringify(slots));
    for (const s of slots) {
      if (s.form === 'key') assert.match(s.env!, /^PF_[A-Z0-9_]+$/);
      else assert.match(s.targetPath.at(-1)!, /Path$/);
      assert.ok(s.targetKnown, `the scanner reads nothing at ${s.targetPath.join('.')}`);
    }
  });

  it('without Postgres the pods keep no per-pod embedded audit store unless the spec asks for one', () => {
    const embedded = (spec: PromptFirewallSpecInput) => parse(renderedConfig(build(spec))).audit.embedded;
    assert.equal(embedded({}).enabled, false);
    assert.equal(embedded({ audit: { embedded: { enabled: true } } }).enabled, true);
    assert.equal(embedded({ audit: { postgres: { urlSecretRef: { name: 'guard-pg', key: 'dsn' } } } }).enabled, undefined);
  });

  it('the rendered configuration is valid scanner configuration with the policy version the operator reports', () => {
    const spec = { policy: { mode: 'monitor' as const, categories: { pii: { threshold: 0.6, action: 'block' as const } } }, cache: { redis: { urlSecretRef: { name: 'r', key: 'u' } } } };
    const d = build(spec);
    const config = parseConfig(renderedConfig(d), 'config.yaml', { PF_CACHE_REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(policyVersion(config.policy), d.policyVersion);
    assert.equal(config.cache.redis.url, 'redis://127.0.0.1:6379');
    assert.equal(config.policy.categories.pii.action, 'block');
  });

  it('a custom model from a ConfigMap, PVC or image is mounted read-only and its directory rendered as model.custom.path', () => {
    const model = (custom: object) => {
      const d = build({ model: { custom } as PromptFirewallSpecInput['model'] });
      return { volume: podSpec(d).volumes.find((v: any) => v.name === 'model'), mount: container(d).volumeMounts.find((m: any) => m.name === 'model'), config: parse(renderedConfig(d)).model };
    };
    const cm = model({ configMap: { name: 'my-model' }, subPath: 'int8' });
    assert.deepEqual(cm.volume, { name: 'model', configMap: { name: 'my-model' } });
    assert.equal(cm.mount.readOnly, true);
    assert.deepEqual(cm.config.custom, { path: `${cm.mount.mountPath}/int8` });
    assert.deepEqual(model({ persistentVolumeClaim: { claimName: 'models' } }).volume.persistentVolumeClaim, { claimName: 'models', readOnly: true });
    assert.deepEqual(model({ image: { reference: 'registry.example/pg2:1' } }).volume.image, { reference: 'registry.example/pg2:1', pullPolicy: 'IfNotPresent' });
    const baked = model({ path: '/opt/model' });
    assert.equal(baked.volume, undefined);
    assert.deepEqual(baked.config.custom, { path: '/opt/model' });
    // How the scanner reads the model travels with the directory.
    const tuned = model({ persistentVolumeClaim: { claimName: 'models' }, maxLength: 256, stride: 32, threads: 2, labels: { INJECTION: 'prompt_injection', SAFE: 'ignore' } });
    assert.deepEqual(tuned.config.custom, { path: tuned.mount.mountPath, maxLength: 256, stride: 32, threads: 2, labels: { INJECTION: 'prompt_injection', SAFE: 'ignore' } });
  });

  it('HPA: bounds, CPU target, cooldowns as stabilisation windows, scale-down threshold as tolerance', () => {
    const hpa = find(build(), 'HorizontalPodAutoscaler');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat-guard' });
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 10);
    assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
    assert.deepEqual(hpa.spec.behavior, { scaleUp: { stabilizationWindowSeconds: 300 }, scaleDown: { stabilizationWindowSeconds: 600, tolerance: '572m' } });
  });

  it('scale-down tolerance: HPA scales down when utilisation/target < 1 − tolerance, so just below the threshold', () => {
    for (const [target, below] of [
      [70, 30],
      [80, 50],
      [50, 10],
      [90, 89],
    ]) {
      const tolerance = Number.parseInt(scaleDownTolerance(target, below)) / 1000;
      const threshold = (1 - tolerance) * target;
      assert.ok(threshold <= below && threshold > below - 0.1, `${target}/${below}: ${threshold}`);
    }
    assert.equal(scaleDownTolerance(70, 0), '1000m');
  });

  it('Service: ClusterIP on the spec port to the named container port, selecting only this fleet', () => {
    const svc = find(build({ service: { port: 9000 } }), 'Service');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports, [{ name: 'http', port: 9000, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    assert.deepEqual(svc.spec.selector, find(build(), 'Deployment').spec.selector.matchLabels);
  });

  it('PDB, NetworkPolicy and ServiceMonitor follow the spec; unwanted optional kinds are listed for pruning', () => {
    const off = build({ podDisruptionBudget: { enabled: false }, networkPolicy: { enabled: true } });
    assert.equal(find(off, 'PodDisruptionBudget'), undefined);
    assert.deepEqual(off.absent.map((k) => k.kind), ['PodDisruptionBudget']);
    assert.deepEqual(find(off, 'NetworkPolicy').spec.ingress[0].from, [{ podSelector: {} }]);
    assert.equal(find(build({ podDisruptionBudget: { maxUnavailable: '25%' } }), 'PodDisruptionBudget').spec.maxUnavailable, '25%');

    const wanted = { observability: { serviceMonitor: { enabled: true } } };
    const unsupported = build(wanted);
    assert.equal(find(unsupported, 'ServiceMonitor'), undefined);
    assert.equal(unsupported.serviceMonitorUnavailable, true);
    const supported = build(wanted, { serviceMonitorSupported: true });
    assert.deepEqual(find(supported, 'ServiceMonitor').spec.endpoints, [{ port: 'http', path: '/metrics', interval: '30s' }]);
    assert.ok(build({}, { serviceMonitorSupported: true }).absent.some((k) => k.kind === 'ServiceMonitor'));
  });

  it('keys: references the spec leaves out point at the generated <name>-keys Secret; named ones are kept', () => {
    const spec = PromptFirewallSpecSchema.parse({});
    assert.deepEqual(missingKeys(spec), GENERATED_KEYS);
    const filled = withGeneratedKeys(owner, spec);
    assert.deepEqual(filled.audit.fingerprintKeySecretRef, { name: 'chat-guard-keys', key: 'audit-fingerprint-key' });
    assert.deepEqual(filled.proxy.canary.keySecretRef, { name: 'chat-guard-keys', key: 'proxy-canary-key' });
    assert.equal(spec.audit.fingerprintKeySecretRef, undefined, 'the input is not changed');
    const env = container(desiredState({ owner, spec: filled, defaultImage: 'x', serviceMonitorSupported: false })).env;
    assert.deepEqual(env.find((e: any) => e.name === 'PF_AUDIT_FINGERPRINT_KEY').valueFrom, { secretKeyRef: { name: 'chat-guard-keys', key: 'audit-fingerprint-key' } });
    assert.deepEqual(env.find((e: any) => e.name === 'PF_PROXY_CANARY_KEY').valueFrom, { secretKeyRef: { name: 'chat-guard-keys', key: 'proxy-canary-key' } });

    const own = PromptFirewallSpecSchema.parse({ audit: { fingerprintKeySecretRef: { name: 'mine', key: 'fp' } } });
    assert.deepEqual(missingKeys(own).map((g) => g.key), ['proxy-canary-key']);
    assert.deepEqual(withGeneratedKeys(owner, own).audit.fingerprintKeySecretRef, { name: 'mine', key: 'fp' });
    const both = PromptFirewallSpecSchema.parse({ audit: { fingerprintKeySecretRef: { name: 'a', key: 'b' } }, proxy: { canary: { keySecretRef: { name: 'c', key: 'd' } } } });
    assert.deepEqual(missingKeys(both), []);
  });

  it('keys Secret: owned, immutable, 256 random bits per key, different every time it is made', () => {
    const a = keysSecret(owner) as KubeObject & Record<string, any>;
    const b = keysSecret(owner) as KubeObject & Record<string, any>;
    assert.equal(a.metadata.name, 'chat-guard-keys');
    assert.equal(a.metadata.ownerReferences?.[0].uid, 'uid-1');
    assert.equal(a.immutable, true);
    assert.deepEqual(Object.keys(a.stringData).sort(), GENERATED_KEYS.map((g) => g.key).sort());
    for (const key of Object.keys(a.stringData)) {
      assert.equal(Buffer.from(a.stringData[key], 'base64url').length, 32);
      assert.notEqual(a.stringData[key], b.stringData[key]);
    }
    assert.notEqual(a.stringData['audit-fingerprint-key'], a.stringData['proxy-canary-key']);
  });

  it('NODE_OPTIONS caps the V8 heap at three eighths of the memory limit (144 MiB at the default 384Mi)', () => {
    assert.equal(container(build()).env.find((e: any) => e.name === 'NODE_OPTIONS').value, '--max-old-space-size=144 --max-semi-space-size=6');
    assert.equal(nodeHeapOptions('256Mi'), '--max-old-space-size=96 --max-semi-space-size=4');
    assert.equal(nodeHeapOptions('1Gi'), '--max-old-space-size=384 --max-semi-space-size=16');
    assert.equal(nodeHeapOptions('4Gi'), '--max-old-space-size=1536 --max-semi-space-size=16');
    assert.equal(nodeHeapOptions('128Mi'), '--max-old-space-size=48 --max-semi-space-size=2');
    assert.equal(nodeHeapOptions('500M'), '--max-old-space-size=178 --max-semi-space-size=7');
    const env = container(build({ resources: { limits: { memory: '512Mi' } } })).env;
    assert.equal(env.find((e: any) => e.name === 'NODE_OPTIONS').value, '--max-old-space-size=192 --max-semi-space-size=8');
  });

  it('PF_DETECTION_THREADS follows the CPU limit (one without a limit), capped by the memory limit', () => {
    const threads = (resources: unknown) => container(build({ resources } as never)).env.find((e: any) => e.name === 'PF_DETECTION_THREADS').value;
    assert.equal(threads(undefined), '1', 'defaults: no CPU limit, 384Mi');
    assert.equal(threads({ limits: { cpu: '1' } }), '0', 'one CPU: the event loop runs the detectors');
    assert.equal(threads({ limits: { cpu: '2' } }), '1');
    assert.equal(threads({ limits: { cpu: '2500m' } }), '1', 'whole CPUs only');
    assert.equal(threads({ limits: { cpu: '4' } }), '1', 'four CPUs but memory for one thread at 384Mi');
    assert.equal(threads({ limits: { cpu: '4', memory: '1Gi' } }), '3');
    assert.equal(threads({ limits: { memory: '192Mi' } }), '0', 'too little memory for a thread');
    assert.equal(threads({ limits: { memory: '256Mi' } }), '0', 'a 256Mi pod has no room for a thread under long inputs');
    assert.equal(detectionThreads({ requests: { cpu: '500m', memory: '128Mi' }, limits: { memory: '544Mi' } }), 1);
    assert.equal(detectionThreads({ requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '8', memory: '544Mi' } }), 2);
  });
});
