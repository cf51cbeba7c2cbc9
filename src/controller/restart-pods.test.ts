import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { nextRestartStep, restartBudget } from './restart-pods.ts';
import type { RolloutObject } from './rollout-object.ts';

const RESTART_AT = '2026-01-01T00:10:00Z';
const before = new Date('2026-01-01T00:00:00Z');

function rollout(maxUnavailable?: number | string): RolloutObject {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'u' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      restartAt: RESTART_AT,
      strategy: {
        blueGreen: { activeService: 'web', ...(maxUnavailable === undefined ? {} : { maxUnavailable }) },
      },
    },
  };
}

const rs = (available: number): V1ReplicaSet => ({
  metadata: { name: 'web-h1', labels: { 'rollouts-pod-template-hash': 'h1' } },
  spec: { replicas: 4, selector: {}, template: {} },
  status: { replicas: 4, availableReplicas: available },
});
const pods: V1Pod[] = [3, 1, 2, 0].map((minute) => ({
  metadata: {
    name: `p${minute}`,
    labels: { 'rollouts-pod-template-hash': 'h1' },
    creationTimestamp: new Date(before.getTime() + minute * 60_000),
  },
}));

describe('restart with blue-green maxUnavailable', () => {
  it('defaults to 25% (at least one pod), the oldest pods first', () => {
    expect(restartBudget(rollout())).toBe(1);
    expect(restartBudget({ ...rollout(), spec: { ...rollout().spec, replicas: 8 } })).toBe(2);
    expect(nextRestartStep(rollout(), [rs(4)], pods)).toEqual({
      deletePods: ['p0'],
      done: false,
      waiting: false,
    });
  });

  it('restarts up to maxUnavailable pods at once, counting the ones already out', () => {
    expect(restartBudget(rollout(2))).toBe(2);
    expect(restartBudget(rollout('50%'))).toBe(2);
    expect(restartBudget(rollout('10%'))).toBe(1); // rounds down, at least one
    expect(nextRestartStep(rollout('50%'), [rs(4)], pods).deletePods).toEqual(['p0', 'p1']);
    expect(nextRestartStep(rollout(3), [rs(3)], pods).deletePods).toEqual(['p0', 'p1']);
    expect(nextRestartStep(rollout(2), [rs(2)], pods)).toEqual({
      deletePods: [],
      done: false,
      waiting: true,
    });
  });

  it('is done when no pod predates restartAt', () => {
    expect(nextRestartStep(rollout(2), [rs(4)], [])).toEqual({ deletePods: [], done: true, waiting: false });
  });
});
