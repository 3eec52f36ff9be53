// The per-installation keys Secret. Every pod of a fleet must sign with the same keys: the audit
// fingerprint key (so a repeated prompt has one fingerprint whichever pod saw it) and the canary
// key (so any pod recognises a canary another pod issued). Where the spec names no Secret for a
// key, the operator makes one Secret per PromptFirewall, `<name>-keys`, with random values. It is
// created once and never written again: the values are read back on every reconcile, so they
// survive operator restarts and leader changes. Deleting the Secret makes new keys (and rolls the
// pods, whose config hash covers the Secret's version).
import { randomBytes } from 'node:crypto';
import type { PromptFirewallSpec } from '../../crds/schema.js';
import { childMeta, type KubeObject, type Owner } from './meta.js';
import { getPath } from './scanner-config.js';

/** A Secret key reference the operator fills in when the spec leaves it out, and the key of the
 *  generated Secret that holds its value. */
export interface GeneratedKey {
  refPath: readonly string[];
  key: string;
}

export const GENERATED_KEYS: readonly GeneratedKey[] = [
  { refPath: ['audit', 'fingerprintKeySecretRef'], key: 'audit-fingerprint-key' },
  { refPath: ['proxy', 'canary', 'keySecretRef'], key: 'proxy-canary-key' },
];

export const keysSecretName = (owner: Pick<Owner, 'name'>) => `${owner.name}-keys`;

/** The keys the spec names no Secret for (empty: no generated Secret is needed). */
export function missingKeys(spec: PromptFirewallSpec): GeneratedKey[] {
  return GENERATED_KEYS.filter((g) => getPath(spec, g.refPath) === undefined);
}

/** The spec with every missing key reference pointing at the generated Secret: from here on the
 *  keys travel like any user-named Secret key (an environment variable from secretKeyRef). */
export function withGeneratedKeys(owner: Owner, spec: PromptFirewallSpec): PromptFirewallSpec {
  const out = structuredClone(spec);
  for (const g of missingKeys(spec)) {
    // The parents exist: every object of the spec has a default.
    const parent = getPath(out, g.refPath.slice(0, -1)) as Record<string, unknown>;
    parent[g.refPath.at(-1)!] = { name: keysSecretName(owner), key: g.key };
  }
  return out;
}

/** A new keys Secret with fresh random values (256 bits each). Created, never applied: an apply
 *  would replace the values that pods already use. */
export function keysSecret(owner: Owner, random: (bytes: number) => string = (n) => randomBytes(n).toString('base64url')): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMeta(owner, { name: keysSecretName(owner) }),
    type: 'Opaque',
    immutable: true,
    stringData: Object.fromEntries(GENERATED_KEYS.map((g) => [g.key, random(32)])),
  };
}
