// The scanner pods: ServiceAccount, ConfigMap with the rendered configuration, and the Deployment.
import type { PromptFirewallSpec } from '../../crds/schema.js';
import { quantityBytes } from '../../scanner/config/quantity.js';
import { childMeta, configMapName, selectorLabels, type KubeObject, type Owner } from './meta.js';
import {
  CONFIG_DIR,
  CONFIG_FILE,
  CONFIG_FILE_NAME,
  configYaml,
  DATA_DIR,
  MODEL_DIR,
  SCANNER_PORT,
  secretMountPath,
  secretUses,
  secretVolumeName,
} from './scanner-config.js';

export const CONTAINER_NAME = 'scanner';
export const CONFIG_HASH_ANNOTATION = 'promptfirewall.io/config-hash';
/** Non-root user of the scanner image (the distroless "nonroot" user). */
export const SCANNER_UID = 65532;

export interface WorkloadInput {
  owner: Owner;
  spec: PromptFirewallSpec;
  /** The rendered scanner configuration (renderScannerConfig). */
  config: Record<string, unknown>;
  configHash: string;
  /** Image used when spec.image.reference is unset. */
  defaultImage: string;
}

export function serviceAccount(owner: Owner): KubeObject {
  // The scanner never calls the Kubernetes API: no token is mounted.
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: childMeta(owner), automountServiceAccountToken: false };
}

export function configMap(owner: Owner, config: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: childMeta(owner, { name: configMapName(owner) }), data: { [CONFIG_FILE_NAME]: configYaml(config) } };
}

/** Arguments of the scanner container (the image's entrypoint is `node dist/scanner/cli.js`). */
export const SCANNER_ARGS = ['serve', '--config', CONFIG_FILE];

export function deployment(input: WorkloadInput): KubeObject {
  const { owner, spec } = input;
  const selector = selectorLabels(owner);
  const mounted = volumes(owner, spec);
  const probe = (path: string) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: spec.healthCheck.periodSeconds,
    timeoutSeconds: spec.healthCheck.timeoutSeconds,
    failureThreshold: spec.healthCheck.failureThreshold,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(owner),
    spec: {
      // No `replicas`: the HorizontalPodAutoscaler owns it, and an applied value would fight it.
      selector: { matchLabels: selector },
      revisionHistoryLimit: 3,
      // Keep serving capacity during a rollout: start a new pod before stopping an old one.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: {
          labels: selector,
          annotations: { [CONFIG_HASH_ANNOTATION]: input.configHash, 'kubectl.kubernetes.io/default-container': CONTAINER_NAME },
        },
        spec: {
          serviceAccountName: owner.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: spec.shutdown.drainDelaySeconds + spec.shutdown.timeoutSeconds + 5,
          securityContext: { runAsNonRoot: true, runAsUser: SCANNER_UID, runAsGroup: SCANNER_UID, fsGroup: SCANNER_UID, seccompProfile: { type: 'RuntimeDefault' } },
          ...placement(spec, selector),
          ...(spec.image.pullSecrets.length ? { imagePullSecrets: spec.image.pullSecrets } : {}),
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image.reference ?? input.defaultImage,
              imagePullPolicy: spec.image.pullPolicy,
              args: SCANNER_ARGS,
              ports: [{ name: 'http', containerPort: SCANNER_PORT, protocol: 'TCP' }],
              env: scannerEnv(owner, spec),
              resources: {
                requests: { cpu: spec.resources.requests.cpu, memory: spec.resources.requests.memory },
                limits: { memory: spec.resources.limits.memory, ...(spec.resources.limits.cpu ? { cpu: spec.resources.limits.cpu } : {}) },
              },
              readinessProbe: probe('/readyz'),
              livenessProbe: probe('/healthz'),
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: mounted.map((v) => v.mount),
            },
          ],
          volumes: mounted.map((v) => v.volume),
        },
      },
    },
  };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } } | { fieldRef: { fieldPath: string } };
}

/** The scanner's environment: process settings, OpenTelemetry's standard variables (the scanner's
 *  tracing reads only those), and one variable per Secret key reference. */
export function scannerEnv(owner: Owner, spec: PromptFirewallSpec): EnvVar[] {
  const otlp = spec.observability.otlp.endpoint;
  const env: EnvVar[] = [
    { name: 'PORT', value: String(SCANNER_PORT) },
    { name: 'LOG_LEVEL', value: spec.observability.logLevel },
    { name: 'PF_DATA_DIR', value: DATA_DIR },
    { name: 'PF_SHUTDOWN_DELAY_MS', value: String(spec.shutdown.drainDelaySeconds * 1000) },
    { name: 'PF_SHUTDOWN_TIMEOUT_MS', value: String(spec.shutdown.timeoutSeconds * 1000) },
    { name: 'NODE_OPTIONS', value: nodeHeapOptions(spec.resources.limits.memory) },
    { name: 'PF_DETECTION_THREADS', value: String(detectionThreads(spec.resources)) },
    ...(otlp
      ? [
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otlp },
          { name: 'OTEL_SERVICE_NAME', value: 'prompt-firewall' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `k8s.namespace.name=${owner.namespace},k8s.deployment.name=${owner.name},k8s.pod.name=$(POD_NAME)` },
        ]
      : []),
  ];
  for (const use of secretUses(spec)) {
    if (use.slot.form === 'key') env.push({ name: use.slot.env!, valueFrom: { secretKeyRef: { name: use.name, key: use.key! } } });
  }
  return env;
}

/**
 * V8 heap limits for a container memory limit. Left alone, V8 grows the heap between major
 * collections far past what the scanner keeps live (35–40 MB after a full GC) and peak RSS passed
 * 320 MB under load. Three eighths of the limit for the old generation and a 64th per semi-space
 * (--max-old-space-size=96 --max-semi-space-size=4 at the default 256Mi) keep peak RSS near 205 MB;
 * a quarter (64 MB) saved ~16 MB of RSS but cost ~25% of cache-miss throughput in collections
 * (8 s closed-loop runs against dist/, 16 connections: ~540 vs ~690 scans/s). The rest of the limit
 * is for what lives outside the V8 heap: onnxruntime and the model, LMDB's map, buffers, code. At
 * least 48 MiB of old generation, so a small limit cannot starve it.
 */
/**
 * Detection threads of a scanner pod (worker threads running the detectors beside the event loop).
 * With a CPU limit, one per whole CPU beyond the event loop's; with none (the default: a pod may
 * burst) one, which uses a second core when the node has one to spare. Each thread holds its own
 * rule packs and model (~70 MB), so the memory limit caps them: none below 384Mi, one more per
 * 96Mi above it. Sixteen concurrent 150 KB prompts peaked at 252 MB RSS with the detectors on the
 * event loop and 300 MB with one thread (dist/, 256Mi heap limits): a 256Mi pod (268 MB) has no
 * room for a thread, a 384Mi one (the default) has. Set here because a pod without a CPU limit
 * sees every core of the node.
 */
export function detectionThreads(resources: PromptFirewallSpec['resources']): number {
  const mib = quantityBytes(resources.limits.memory) / 2 ** 20;
  if (mib < 384) return 0;
  const byCpu = resources.limits.cpu === undefined ? 1 : Math.max(0, quantityBytes(resources.limits.cpu) - 1);
  return Math.min(byCpu, 1 + Math.floor((mib - 384) / 96));
}

export function nodeHeapOptions(memoryLimit: string): string {
  const mib = quantityBytes(memoryLimit) / 2 ** 20;
  const oldSpace = Math.max(48, Math.floor((mib * 3) / 8));
  const semiSpace = Math.min(16, Math.max(1, Math.floor(mib / 64)));
  return `--max-old-space-size=${oldSpace} --max-semi-space-size=${semiSpace}`;
}

interface VolumeAndMount {
  volume: Record<string, unknown> & { name: string };
  mount: { name: string; mountPath: string; readOnly?: boolean; subPath?: string };
}

function volumes(owner: Owner, spec: PromptFirewallSpec): VolumeAndMount[] {
  const out: VolumeAndMount[] = [
    // The whole directory, not a subPath: subPath mounts never see ConfigMap updates (hot reload).
    { volume: { name: 'config', configMap: { name: configMapName(owner) } }, mount: { name: 'config', mountPath: CONFIG_DIR, readOnly: true } },
    { volume: { name: 'data', emptyDir: { sizeLimit: spec.cache.disk.sizeLimit } }, mount: { name: 'data', mountPath: DATA_DIR } },
    { volume: { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, mount: { name: 'tmp', mountPath: '/tmp' } },
  ];
  for (const use of secretUses(spec)) {
    if (use.slot.form !== 'secret') continue;
    const name = secretVolumeName(use.slot);
    out.push({ volume: { name, secret: { secretName: use.name, defaultMode: 0o440 } }, mount: { name, mountPath: secretMountPath(use.slot), readOnly: true } });
  }
  const custom = spec.model.custom;
  if (custom && !custom.path) {
    const source = custom.configMap
      ? { configMap: { name: custom.configMap.name } }
      : custom.persistentVolumeClaim
        ? { persistentVolumeClaim: { claimName: custom.persistentVolumeClaim.claimName, readOnly: true } }
        : { image: { reference: custom.image!.reference, pullPolicy: custom.image!.pullPolicy } };
    out.push({ volume: { name: 'model', ...source }, mount: { name: 'model', mountPath: MODEL_DIR, readOnly: true } });
  }
  return out;
}

function placement(spec: PromptFirewallSpec, selector: Record<string, string>): Record<string, unknown> {
  const p = spec.placement;
  const out: Record<string, unknown> = {};
  if (Object.keys(p.nodeSelector).length) out.nodeSelector = p.nodeSelector;
  if (p.tolerations.length) out.tolerations = p.tolerations;
  if (p.affinity) out.affinity = p.affinity;
  if (p.priorityClassName) out.priorityClassName = p.priorityClassName;
  if (p.spreadAcrossNodes !== 'none') {
    // matchLabelKeys: during a rollout only pods of the same ReplicaSet count towards the skew.
    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({ maxSkew: 1, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: selector }, matchLabelKeys: ['pod-template-hash'] });
    out.topologySpreadConstraints = [
      spread('kubernetes.io/hostname', p.spreadAcrossNodes === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway'),
      spread('topology.kubernetes.io/zone', 'ScheduleAnyway'),
    ];
  }
  return out;
}
