import { describe, expect, it } from 'vitest';
import type { RolloutGroupObject } from '../../controller/group/group-object.ts';
import type { RolloutObject } from '../../controller/rollout-object.ts';
import { groupDetail, groupRow, membershipsOf } from './group-view.ts';

const release: RolloutGroupObject = {
  metadata: { name: 'release', namespace: 'shop', creationTimestamp: new Date('2026-12-01T10:00:00Z') },
  spec: {
    members: { rollouts: ['frontend', 'backend', 'api'] },
    // declared out of order: the page shows them in release order
    stages: [
      { name: 'frontend', rollouts: ['frontend'], dependsOn: ['backend'] },
      { name: 'backend', rollouts: ['backend', 'api'] },
    ],
    maxInProgress: 2,
  },
  status: {
    phase: 'Progressing',
    message: 'stage backend: 2 in progress, 1 waiting, 0 healthy',
    currentStages: ['backend'],
    members: [
      { name: 'backend', stage: 'backend', state: 'Progressing', phase: 'Paused', step: 1, steps: 2 },
      { name: 'api', stage: 'backend', state: 'Admitted', phase: 'Progressing' },
      {
        name: 'frontend',
        stage: 'frontend',
        state: 'Waiting',
        phase: 'Progressing',
        message: 'waiting for stage backend',
      },
    ],
  },
};

const rollout = (name: string, status: object, labels: Record<string, string> = {}): RolloutObject =>
  ({
    metadata: { name, namespace: 'shop', labels },
    spec: {
      selector: {},
      template: { spec: { containers: [{ name: 'app', image: `registry.example/${name}:2` }] } },
      strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    },
    status,
  }) as unknown as RolloutObject;

const permissions = { promote: true, abort: true, retry: false };

describe('the group views of the dashboard', () => {
  it('a list row: phase, stages in release order, the one in progress, counts and policy', () => {
    expect(groupRow(release)).toMatchObject({
      key: 'shop/release',
      phase: 'Progressing',
      stages: ['backend', 'frontend'],
      currentStages: ['backend'],
      members: 3,
      counts: { Progressing: 1, Admitted: 1, Waiting: 1 },
      maxInProgress: 2,
      abortPolicy: 'Stop',
      lockstep: false,
    });
  });

  it('the page: stages in DAG order, each member with its live figures and why it waits', () => {
    const backend = rollout('backend', {
      phase: 'Paused',
      currentStepIndex: 1,
      pauseConditions: [{ reason: 'CanaryPauseStep' }],
      canary: { weights: { canary: 50, stable: 50 } },
      message: 'paused at step 2',
    });
    const frontend = rollout('frontend', {
      phase: 'Progressing',
      message: 'Waiting: RolloutGroup release: waiting for stage backend',
    });
    const detail = groupDetail(release, [backend, frontend], permissions);
    expect(detail.stages.map((s) => [s.name, s.state, s.dependsOn])).toEqual([
      ['backend', 'current', []],
      ['frontend', 'waiting', ['backend']],
    ]);
    const [first, second] = detail.stages;
    expect(first?.members.find((m) => m.name === 'backend')).toMatchObject({
      state: 'Progressing',
      phase: 'Paused',
      paused: true,
      weight: 50,
      step: { current: 2, total: 2, done: false },
      message: 'paused at step 2',
      waiting: false,
    });
    // not readable as a Rollout (no rights, or gone): what the group's status says
    expect(first?.members.find((m) => m.name === 'api')).toMatchObject({
      state: 'Admitted',
      phase: 'Progressing',
      weight: null,
    });
    expect(second?.members[0]).toMatchObject({
      name: 'frontend',
      waiting: true,
      message: 'waiting for stage backend',
    });
    // held back: its new version has no step and no traffic yet (its figures are the old version's)
    expect(second?.members[0]).toMatchObject({
      step: null,
      weight: 0,
      images: ['registry.example/frontend:2'],
    });
    expect(detail.permissions).toBe(permissions);
  });

  it('a group without stages shows one list of members', () => {
    const zones: RolloutGroupObject = {
      ...release,
      spec: { members: { selector: { matchLabels: { app: 'checkout' } } }, lockstep: true },
      status: { phase: 'Healthy', maxStepIndex: 2, members: [{ name: 'zone-a', state: 'Healthy' }] },
    };
    const detail = groupDetail(zones, [], permissions);
    expect(detail.stages).toHaveLength(1);
    expect(detail.stages[0]).toMatchObject({ name: '', state: 'healthy' });
    expect(detail.maxStepIndex).toBe(2);
  });

  it("a Rollout's groups: by the group's spec or its status, with its entry", () => {
    const byLabel: RolloutGroupObject = {
      metadata: { name: 'cap', namespace: 'shop' },
      spec: { members: { selector: { matchLabels: { team: 'web' } } }, maxInProgress: 1 },
    };
    const other: RolloutGroupObject = {
      metadata: { name: 'other', namespace: 'shop' },
      spec: { members: { rollouts: ['x'] } },
    };
    expect(membershipsOf(rollout('frontend', {}, { team: 'web' }), [release, byLabel, other])).toEqual([
      { group: 'cap', state: 'Waiting' },
      { group: 'release', state: 'Waiting', stage: 'frontend', message: 'waiting for stage backend' },
    ]);
  });
});
