// The contract between the operator and a scanner pod: the configuration file rendered into the
// ConfigMap, plus what cannot be in it. Secret values never enter the ConfigMap:
//  - a `<field>SecretRef` to one key of a Secret (`cache.redis.urlSecretRef`) becomes the
//    environment variable that overrides its sibling scalar `<field>` (`PF_CACHE_REDIS_URL`),
//    with valueFrom.secretKeyRef;
//  - a `<field>SecretRef` to a whole Secret (`auth.apiKeysSecretRef`) becomes a read-only volume,
//    one file per key, whose directory is written to the config as `<field>Path` (`auth.apiKeysPath`).
// Both are found by walking the schema, so a new Secret reference needs no operator change.
// A custom model from a ConfigMap, PersistentVolumeClaim or image becomes a read-only volume whose
// directory is written as `model.custom.path`.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ScannerConfigSchema, type PromptFirewallSpec, type ScannerConfig } from '../../crds/schema.js';
import { configEnvVars, toEnvName } from '../../scanner/config/load.js';
import { policyVersion } from '../../scanner/policy/decide.js';

export const CONFIG_DIR = '/etc/prompt-firewall';
export const CONFIG_FILE_NAME = 'config.yaml';
export const CONFIG_FILE = `${CONFIG_DIR}/${CONFIG_FILE_NAME}`;
/** Whole Secrets, one directory each (not under CONFIG_DIR: no mount points inside a ConfigMap volume). */
export const SECRETS_DIR = '/var/run/secrets/prompt-firewall';
export const MODEL_DIR = '/var/lib/prompt-firewall-model';
/** emptyDir for the L3 disk cache and the audit spool (PF_DATA_DIR). */
export const DATA_DIR = '/var/lib/prompt-firewall';
/** Port the scanner container listens on (PORT). */
export const SCANNER_PORT = 8080;

/** A Secret reference field of the scanner configuration, found in the schema. */
export interface SecretSlot {
  /** Path of the reference, e.g. ['cache', 'redis', 'urlSecretRef']. */
  refPath: string[];
  /** key: one Secret key into an environment variable; secret: a whole Secret as a directory. */
  form: 'key' | 'secret';
  /** Path of the sibling the value lands in: ['cache', 'redis', 'url'] or ['auth', 'apiKeysPath']. */
  targetPath: string[];
  /** For `key`: the environment variable that overrides the target (PF_CACHE_REDIS_URL). */
  env?: string;
  /** The scanner's schema has the target field; without it the scanner ignores the value. */
  targetKnown: boolean;
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
}

let slots: SecretSlot[] | undefined;

/** Every `*SecretRef` field of the scanner configuration and where its value goes. */
export function secretSlots(): SecretSlot[] {
  if (slots) return slots;
  const leaves = new Set(configEnvVars().map((l) => l.path.join('.')));
  const found: SecretSlot[] = [];
  const walk = (s: JsonSchema, path: string[]) => {
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      const m = /^(.+)SecretRef$/.exec(k);
      if (m && v.properties?.name) {
        const base = path;
        if (v.properties.key) {
          const targetPath = [...base, m[1]];
          found.push({ refPath: [...base, k], form: 'key', targetPath, env: toEnvName(targetPath), targetKnown: leaves.has(targetPath.join('.')) });
        } else {
          const targetPath = [...base, `${m[1]}Path`];
          found.push({ refPath: [...base, k], form: 'secret', targetPath, targetKnown: leaves.has(targetPath.join('.')) });
        }
      } else if (v.type === 'object') {
        walk(v, [...path, k]);
      }
    }
  };
  walk(z.toJSONSchema(ScannerConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, []);
  return (slots = found);
}

export interface SecretUse {
  slot: SecretSlot;
  name: string;
  key?: string;
}

export const getPath = (doc: unknown, path: readonly string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);

/** The Secrets a spec refers to. */
export function secretUses(spec: PromptFirewallSpec): SecretUse[] {
  const out: SecretUse[] = [];
  for (const slot of secretSlots()) {
    const ref = getPath(spec, slot.refPath) as { name: string; key?: string } | undefined;
    if (ref) out.push({ slot, name: ref.name, key: ref.key });
  }
  return out;
}

export const secretVolumeName = (slot: SecretSlot) => `secret-${slot.refPath.join('-').replace(/SecretRef$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`.slice(0, 63);
export const secretMountPath = (slot: SecretSlot) => `${SECRETS_DIR}/${secretVolumeName(slot).slice('secret-'.length)}`;

/** Where the custom model's files are inside the pod, when the operator mounts them. */
export function modelPath(spec: PromptFirewallSpec): string | undefined {
  const custom = spec.model.custom;
  if (!custom || custom.path) return custom?.path;
  return custom.subPath ? `${MODEL_DIR}/${custom.subPath}` : MODEL_DIR;
}

/** The configuration file the scanner pods read: the scanner part of the spec, with Secret
 *  references replaced by where their values are found and mounted directories filled in. */
export function renderScannerConfig(spec: PromptFirewallSpec): Record<string, unknown> {
  const config: Record<string, unknown> = structuredClone(Object.fromEntries(Object.keys(ScannerConfigSchema.shape).map((k) => [k, spec[k as keyof ScannerConfig]])));
  for (const use of secretUses(spec)) {
    const parent = getPath(config, use.slot.refPath.slice(0, -1)) as Record<string, unknown>;
    delete parent[use.slot.refPath.at(-1)!];
    if (use.slot.form === 'secret') parent[use.slot.targetPath.at(-1)!] = secretMountPath(use.slot);
  }
  const path = modelPath(spec);
  if (path) {
    // The scanner reads the directory; the source it is mounted from is the operator's business.
    const { configMap: _c, persistentVolumeClaim: _p, image: _i, subPath: _s, ...reading } = spec.model.custom!;
    (config.model as Record<string, unknown>).custom = { ...reading, path };
  }
  // No Postgres: the pods keep no audit log unless the spec asks for the per-pod embedded store.
  const { postgres, embedded } = spec.audit;
  if (!postgres.url && !postgres.urlSecretRef && embedded.enabled === undefined) (config.audit as ScannerConfig['audit']).embedded.enabled = false;
  return config;
}

export function configYaml(config: Record<string, unknown>): string {
  return `# Rendered by the prompt-firewall operator from the PromptFirewall spec. Secret values are passed\n# as environment variables or mounted files, never here.\n${stringify(config, { lineWidth: 0 })}`;
}

/** The policy version a scanner computes for this spec (GET /v1/info reports the same). */
export const specPolicyVersion = (spec: PromptFirewallSpec) => policyVersion(spec.policy);

/** Hash of what a pod reads only at start: the configuration without the hot-reloaded policy,
 *  and the versions of the Secrets it gets values from. A change rolls the pods. */
export function configHash(config: Record<string, unknown>, secretVersions: Record<string, string> = {}): string {
  const { policy: _hotReloaded, ...restartOnly } = config;
  const sortedVersions = Object.keys(secretVersions)
    .sort()
    .map((k) => [k, secretVersions[k]]);
  return createHash('sha256').update(JSON.stringify([restartOnly, sortedVersions])).digest('hex').slice(0, 16);
}
