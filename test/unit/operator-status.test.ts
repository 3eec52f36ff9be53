import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PromptFirewallSpecSchema } from '../../crds/schema.js';
import { desiredState } from '../../operator/desired/index.js';
import { computeStatus, sameStatus, transitionEvents, type StatusInput } from '../../operator/desired/status.js';

const desired = desiredState({ owner: { name: 'g', namespace: 'n', uid: 'u' }, spec: PromptFirewallSpecSchema.parse({}), defaultImage: 'i', serviceMonitorSupported: false });
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:05:00Z';
const cond = (s: ReturnType<typeof computeStatus>, type: string) => s.conditions!.find((c) => c.type === type)!;

const serving = {
  metadata: { generation: 2 },
  spec: { replicas: 2 },
  status: { observedGeneration: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
};
const hpa = {
  spec: { behavior: { scaleDown: { tolerance: '572m' } } },
  status: { desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 41 } } }] },
};
const base = (over: Partial<StatusInput> = {}): StatusInput => ({ generation: 3, now: T0, degraded: [], desired, ...over });

describe('PromptFirewall status', () => {
  it('a serving fleet: Ready, not Progressing, not Degraded; replicas, CPU, tolerance, endpoint, policy version', () => {
    const s = computeStatus(base({ deployment: serving, hpa }));
    assert.equal(s.observedGeneration, 3);
    assert.deepEqual([cond(s, 'Ready').status, cond(s, 'Ready').reason], ['True', 'Serving']);
    assert.deepEqual([cond(s, 'Progressing').status, cond(s, 'Progressing').reason], ['False', 'RolloutComplete']);
    assert.deepEqual([cond(s, 'Degraded').status, cond(s, 'Degraded').reason], ['False', 'AsExpected']);
    assert.equal(s.replicasSummary, '2/2');
    assert.equal(s.currentCPUUtilization, 41);
    assert.equal(s.scaleDownTolerance, '572m');
    assert.equal(s.endpoint, 'http://g.n.svc:8080');
    assert.equal(s.policyVersion, desired.policyVersion);
    for (const c of s.conditions!) assert.equal(c.observedGeneration, 3);
  });

  it('pods not ready yet (no nodes): Ready=False PodsNotReady, Progressing=True RollingOut', () => {
    const dep = { metadata: { generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, conditions: [{ type: 'Available', status: 'False' }] } };
    const s = computeStatus(base({ deployment: dep, hpa: { status: { desiredReplicas: 2 } } }));
    assert.deepEqual([cond(s, 'Ready').status, cond(s, 'Ready').reason, cond(s, 'Ready').message], ['False', 'PodsNotReady', '0/2 scanner pods ready']);
    assert.deepEqual([cond(s, 'Progressing').status, cond(s, 'Progressing').reason], ['True', 'RollingOut']);
    assert.equal(s.replicasSummary, '0/2');
  });

  it('a blocking problem: Ready=False with its reason, Degraded=True; the last rendered endpoint stays', () => {
    const previous = computeStatus(base({ deployment: serving }));
    const s = computeStatus(base({ desired: undefined, previous, blocked: { reason: 'SecretNotFound', message: 'Secret n/redis not found (cache.redis.urlSecretRef)' } }));
    assert.deepEqual([cond(s, 'Ready').status, cond(s, 'Ready').reason], ['False', 'SecretNotFound']);
    assert.match(cond(s, 'Ready').message, /Secret n\/redis not found/);
    assert.equal(cond(s, 'Degraded').status, 'True');
    assert.equal(s.endpoint, previous.endpoint);
  });

  it('what is asked but not in effect makes Degraded=True while the fleet still serves', () => {
    const s = computeStatus(base({ deployment: serving, degraded: [{ reason: 'HPAToleranceUnsupported', message: 'x' }, { reason: 'ServiceMonitorUnsupported', message: 'y' }] }));
    assert.equal(cond(s, 'Ready').status, 'True');
    assert.deepEqual([cond(s, 'Degraded').status, cond(s, 'Degraded').reason, cond(s, 'Degraded').message], ['True', 'HPAToleranceUnsupported', 'x; y']);
    assert.equal(s.scaleDownTolerance, undefined);
  });

  it('a stalled rollout is Progressing=False ProgressDeadlineExceeded and Degraded', () => {
    const dep = structuredClone(serving);
    dep.status.conditions.push({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "g-1" has timed out progressing.' } as never);
    const s = computeStatus(base({ deployment: dep }));
    assert.deepEqual([cond(s, 'Progressing').status, cond(s, 'Progressing').reason], ['False', 'ProgressDeadlineExceeded']);
    assert.deepEqual([cond(s, 'Degraded').status, cond(s, 'Degraded').reason], ['True', 'ProgressDeadlineExceeded']);
  });

  it('lastTransitionTime changes only when a condition changes status; equal statuses are not rewritten', () => {
    const first = computeStatus(base({ deployment: serving }));
    const again = computeStatus(base({ deployment: serving, previous: first, now: T1 }));
    assert.equal(cond(again, 'Ready').lastTransitionTime, T0);
    assert.ok(sameStatus(first, again));
    const notReady = computeStatus(base({ previous: first, now: T1, blocked: { reason: 'SecretNotFound', message: 'm' } }));
    assert.equal(cond(notReady, 'Ready').lastTransitionTime, T1);
    assert.equal(cond(notReady, 'Progressing').lastTransitionTime, T0, 'Progressing stayed False');
    assert.ok(!sameStatus(first, notReady));
  });

  it('Events: a warning when Ready turns False for a reason the user must fix, a normal one when it recovers; none for a first healthy status', () => {
    const serve = computeStatus(base({ deployment: serving }));
    assert.deepEqual(transitionEvents(undefined, serve), [{ type: 'Normal', reason: 'Serving', message: '2/2 scanner pods ready' }]);
    const pending = computeStatus(base({}));
    assert.deepEqual(transitionEvents(undefined, pending), []);
    const blocked = computeStatus(base({ previous: serve, blocked: { reason: 'SecretNotFound', message: 'm' } }));
    assert.deepEqual(transitionEvents(serve, blocked), [{ type: 'Warning', reason: 'SecretNotFound', message: 'm' }]);
    assert.deepEqual(transitionEvents(serve, computeStatus(base({ deployment: serving, previous: serve }))), []);
    const recovered = computeStatus(base({ deployment: serving, previous: blocked }));
    assert.deepEqual(transitionEvents(blocked, recovered).map((e) => [e.type, e.reason]), [['Normal', 'Serving'], ['Normal', 'AsExpected']]);
  });
});
