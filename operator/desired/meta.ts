// Names, labels and ownership shared by every object a PromptFirewall owns.
import { API_GROUP, API_VERSION, KIND } from '../../crds/schema.js';

/** The server-side apply field manager of the operator: it owns exactly the fields it sets. */
export const FIELD_MANAGER = 'prompt-firewall-operator';
export const MANAGED_BY = 'prompt-firewall-operator';
export const PFW_API_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Label every child carries; the operator's watches select on it. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const CHILD_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/** The part of a PromptFirewall that names and owns its children. */
export interface Owner {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
}

/** A Kubernetes object as the operator renders it: plain JSON for server-side apply. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Selects the scanner pods of one PromptFirewall (immutable on the Deployment, so never extended). */
export function selectorLabels(owner: Owner): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'prompt-firewall',
    'app.kubernetes.io/instance': owner.name,
    'app.kubernetes.io/component': 'scanner',
  };
}

export function childLabels(owner: Owner): Record<string, string> {
  return { ...selectorLabels(owner), [MANAGED_BY_LABEL]: MANAGED_BY };
}

export const configMapName = (owner: Owner) => `${owner.name}-config`;

/** metadata of a child: same namespace, common labels, and the PromptFirewall as controlling owner
 *  so that deleting it deletes the child (garbage collector) and child events map back to it. */
export function childMeta(owner: Owner, extra: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): ObjectMeta {
  const meta: ObjectMeta = {
    name: extra.name ?? owner.name,
    namespace: owner.namespace,
    labels: { ...extra.labels, ...childLabels(owner) },
    ownerReferences: [{ apiVersion: PFW_API_VERSION, kind: KIND, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }],
  };
  if (extra.annotations && Object.keys(extra.annotations).length > 0) meta.annotations = extra.annotations;
  return meta;
}

/** The PromptFirewall that controls an object, from its owner references. */
export function controllerOf(meta: { ownerReferences?: ObjectMeta['ownerReferences'] } | undefined): { name: string; uid: string } | undefined {
  const ref = meta?.ownerReferences?.find((r) => r.controller && r.kind === KIND && r.apiVersion.startsWith(`${API_GROUP}/`));
  return ref ? { name: ref.name, uid: ref.uid } : undefined;
}
