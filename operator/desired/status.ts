// The status of a PromptFirewall, computed from what was observed. Pure: the clock is an input.
import type { Condition, ConditionType, PromptFirewallStatus } from '../../crds/schema.js';
import type { Desired } from './index.js';

/** Why something is not as asked: a CamelCase reason for machines and a message for people. */
export interface Problem {
  reason: string;
  message: string;
}

interface KubeCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The parts of the observed Deployment the status reads. */
export interface ObservedDeployment {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; conditions?: KubeCondition[] };
}

/** The parts of the observed HorizontalPodAutoscaler the status reads. */
export interface ObservedHpa {
  spec?: { behavior?: { scaleDown?: { tolerance?: unknown } } };
  status?: {
    desiredReplicas?: number;
    currentMetrics?: Array<{ type?: string; resource?: { name?: string; current?: { averageUtilization?: number } } }> | null;
  };
}

export interface StatusInput {
  generation: number;
  previous?: PromptFirewallStatus;
  /** RFC 3339 time used for conditions that change status now. */
  now: string;
  /** What stops the operator from running the fleet as asked (a missing Secret, a failed apply). */
  blocked?: Problem;
  /** Asked for, but not in effect; the fleet serves anyway. */
  degraded: Problem[];
  desired?: Desired;
  deployment?: ObservedDeployment;
  hpa?: ObservedHpa;
}

export function computeStatus(input: StatusInput): PromptFirewallStatus {
  const { deployment: dep, hpa, desired } = input;
  const previous = input.previous ?? {};
  const ready = dep?.status?.readyReplicas ?? 0;
  const want = hpa?.status?.desiredReplicas || dep?.spec?.replicas || 0;
  const status: PromptFirewallStatus = {
    observedGeneration: input.generation,
    replicas: dep?.status?.replicas ?? 0,
    readyReplicas: ready,
    desiredReplicas: want,
    replicasSummary: `${ready}/${want}`,
  };
  const cpu = hpa?.status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current?.averageUtilization;
  if (cpu !== undefined) status.currentCPUUtilization = cpu;
  const tolerance = hpa?.spec?.behavior?.scaleDown?.tolerance;
  if (tolerance !== undefined) status.scaleDownTolerance = String(tolerance);
  // What the last successful reconcile rendered stays visible while a later one is blocked.
  const endpoint = desired?.endpoint ?? previous.endpoint;
  const policyVersion = desired?.policyVersion ?? previous.policyVersion;
  const configHash = desired?.configHash ?? previous.configHash;
  if (endpoint) status.endpoint = endpoint;
  if (policyVersion) status.policyVersion = policyVersion;
  if (configHash) status.configHash = configHash;

  const set = (type: ConditionType, value: boolean, reason: string, message: string) => setCondition(status, previous.conditions, { type, status: value ? 'True' : 'False', reason, message }, input);

  if (input.blocked) {
    set('Ready', false, input.blocked.reason, input.blocked.message);
    set('Progressing', false, input.blocked.reason, 'waiting until the problem in the Ready condition is fixed');
    set('Degraded', true, input.blocked.reason, input.blocked.message);
    return status;
  }

  const rollout = rolloutState(dep);
  set('Ready', ready > 0 && rollout.available, ready > 0 && rollout.available ? 'Serving' : dep?.status ? 'PodsNotReady' : 'Reconciling', `${ready}/${want} scanner pods ready`);
  set('Progressing', rollout.progressing, rollout.reason, rollout.message);
  const problems = [...input.degraded, ...(rollout.reason === 'ProgressDeadlineExceeded' ? [{ reason: rollout.reason, message: rollout.message }] : [])];
  if (problems.length) set('Degraded', true, problems[0].reason, problems.map((p) => p.message).join('; '));
  else set('Degraded', false, 'AsExpected', 'everything asked for is in effect');
  return status;
}

function rolloutState(dep: ObservedDeployment | undefined): { progressing: boolean; available: boolean; reason: string; message: string } {
  const s = dep?.status;
  if (!s) return { progressing: true, available: false, reason: 'Creating', message: 'waiting for the Deployment controller' };
  const cond = (type: string) => s.conditions?.find((c) => c.type === type);
  const available = cond('Available')?.status === 'True';
  const progress = cond('Progressing');
  if (progress?.status === 'False' && progress.reason === 'ProgressDeadlineExceeded') {
    return { progressing: false, available, reason: 'ProgressDeadlineExceeded', message: `rollout stalled: ${progress.message ?? 'progress deadline exceeded'}` };
  }
  const wanted = dep?.spec?.replicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  const ready = s.availableReplicas ?? 0;
  if ((s.observedGeneration ?? 0) < (dep?.metadata?.generation ?? 0)) return { progressing: true, available, reason: 'RollingOut', message: 'the Deployment controller has not seen the latest change yet' };
  if (updated < wanted || total > updated || ready < updated) {
    return { progressing: true, available, reason: 'RollingOut', message: `${updated}/${wanted} pods updated, ${ready} available, ${total - updated} old` };
  }
  return { progressing: false, available, reason: 'RolloutComplete', message: `${ready}/${wanted} pods run the current configuration` };
}

/** Sets a condition; lastTransitionTime changes only when the status does (API conventions). */
function setCondition(status: PromptFirewallStatus, previous: Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>, input: StatusInput): void {
  const before = previous?.find((c) => c.type === next.type);
  const condition: Condition = {
    ...next,
    observedGeneration: input.generation,
    lastTransitionTime: before && before.status === next.status ? before.lastTransitionTime : input.now,
  };
  (status.conditions ??= []).push(condition);
}

/** Not ready yet in the normal course of things: reported as Normal events, not warnings. */
const TRANSIENT_REASONS = new Set(['PodsNotReady', 'Reconciling']);

export interface StatusEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Events for `kubectl describe`: one per change of Ready or Degraded (status or reason). */
export function transitionEvents(previous: PromptFirewallStatus | undefined, next: PromptFirewallStatus): StatusEvent[] {
  const events: StatusEvent[] = [];
  for (const type of ['Ready', 'Degraded'] as const) {
    const before = previous?.conditions?.find((c) => c.type === type);
    const after = next.conditions?.find((c) => c.type === type);
    if (!after || (before?.status === after.status && before.reason === after.reason)) continue;
    if (events.some((e) => e.reason === after.reason)) continue; // a blocking reason sets both conditions
    const bad = (type === 'Ready') === (after.status !== 'True') && !TRANSIENT_REASONS.has(after.reason);
    if (!bad && !before && after.status !== 'True') continue; // nothing worth telling on a first, healthy status
    events.push({ type: bad ? 'Warning' : 'Normal', reason: after.reason, message: after.message });
  }
  return events;
}

/** Equal apart from nothing: the operator writes status only when this is false. */
export function sameStatus(a: PromptFirewallStatus | undefined, b: PromptFirewallStatus): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
