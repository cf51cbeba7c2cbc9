import { describe, expect, it } from 'vitest';
import type { RolloutGroupObject } from '../controller/group/group-object.ts';
import type { RolloutObject } from '../controller/rollout-object.ts';
import {
  groupAbortPlan,
  groupOperationResources,
  groupPromotePlan,
  groupRetryPlan,
} from './group-operations.ts';
import { OperationRefused, promoteFullPatches, promotePatches, retryPatches } from './rollout-operations.ts';

const group = (
  members: NonNullable<RolloutGroupObject['status']>['members'],
  abort?: boolean,
): RolloutGroupObject => ({
  metadata: { name: 'release', namespace: 'shop' },
  spec: { members: { rollouts: (members ?? []).map((m) => m.name) } },
  status: { members, ...(abort === undefined ? {} : { abort }) },
});

const rollout = (name: string, status: object, paused = false): RolloutObject =>
  ({
    metadata: { name, namespace: 'shop', resourceVersion: '7' },
    spec: {
      paused,
      selector: {},
      template: {},
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    },
    status,
  }) as unknown as RolloutObject;

describe('group operations (the CLI and the dashboard send these)', () => {
  const paused = rollout('backend', {
    pauseConditions: [{ reason: 'CanaryPauseStep' }],
    currentStepIndex: 1,
  });
  const running = rollout('frontend', { currentStepIndex: 0 });
  const g = group([
    { name: 'backend', state: 'Progressing' },
    { name: 'frontend', state: 'Progressing' },
    { name: 'db', state: 'Waiting', message: 'waiting for stage backend' },
  ]);
  const lookup = (name: string) => [paused, running].find((r) => r.metadata.name === name);

  it('promote: `bellwether promote` on each member paused at a step, the others left as they are', () => {
    const plan = groupPromotePlan(g, lookup, false);
    expect(plan.rollouts).toEqual([{ name: 'backend', patches: promotePatches(paused), done: 'promoted' }]);
    expect(plan.skipped).toEqual([{ name: 'frontend', reason: 'is not paused at a step; left as it is' }]);
    expect(plan.groupStatus).toBeUndefined();
  });

  it('promote --full: `bellwether promote --full` on every member in progress; never a waiting one', () => {
    const plan = groupPromotePlan(g, lookup, true);
    expect(plan.rollouts.map((m) => [m.name, m.patches])).toEqual([
      ['backend', promoteFullPatches(paused)],
      ['frontend', promoteFullPatches(running)],
    ]);
  });

  it('promote with nothing paused is refused', () => {
    expect(() =>
      groupPromotePlan(group([{ name: 'frontend', state: 'Progressing' }]), lookup, false),
    ).toThrow(OperationRefused);
  });

  it('abort writes only the group status; retry clears it and retries each aborted member', () => {
    expect(groupAbortPlan()).toEqual({ groupStatus: { abort: true }, rollouts: [], skipped: [] });
    const aborted = group(
      [
        { name: 'backend', state: 'Aborted' },
        { name: 'frontend', state: 'Waiting' },
      ],
      true,
    );
    expect(groupRetryPlan(aborted)).toEqual({
      groupStatus: { abort: false },
      rollouts: [{ name: 'backend', patches: retryPatches(), done: 'retried' }],
      skipped: [],
    });
    expect(groupRetryPlan(group([{ name: 'backend', state: 'Healthy' }])).groupStatus).toBeUndefined();
  });

  it('names what RBAC must allow for each', () => {
    expect(groupOperationResources('abort')).toEqual(['rolloutgroups/status']);
    expect(groupOperationResources('retry')).toEqual(['rolloutgroups/status', 'rollouts/status']);
    expect(groupOperationResources('promote')).toEqual(['rollouts/status']);
  });
});
