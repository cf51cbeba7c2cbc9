import { describe, expect, it } from 'vitest';
import { decideGroup } from './decide.ts';
import { stageGraphProblems } from './stage-graph.ts';
import type { GroupInput, GroupSpecView, GroupStatusView, RolloutView } from './types.ts';

const NOW = Date.parse('2024-01-01T00:00:00Z');

/** A canary member: settled on v1, pending v2, in flight on v2 at a step, or aborted on v2. */
function ro(
  name: string,
  state: 'settled' | 'pending' | 'inFlight' | 'aborted',
  step = 0,
  extra: Partial<RolloutView> = {},
): RolloutView {
  const status: RolloutView['status'] =
    state === 'settled'
      ? { phase: 'Healthy', currentPodHash: 'v2', stableRS: 'v2', currentStepIndex: 3 }
      : state === 'pending'
        ? { phase: 'Healthy', currentPodHash: 'v1', stableRS: 'v1', currentStepIndex: 3 }
        : state === 'inFlight'
          ? { phase: 'Progressing', currentPodHash: 'v2', stableRS: 'v1', currentStepIndex: step }
          : {
              phase: 'Degraded',
              currentPodHash: 'v2',
              stableRS: 'v1',
              currentStepIndex: 0,
              abort: true,
              abortedAt: '2024-01-01T00:00:00Z',
              message: 'RolloutAborted',
            };
  return { name, labels: {}, desiredHash: 'v2', strategy: 'canary', steps: 3, status, ...extra };
}
const input = (spec: GroupSpecView, rollouts: RolloutView[], status: GroupStatusView = {}): GroupInput => ({
  generation: 1,
  spec,
  status,
  rollouts,
  now: NOW,
});
const stages: GroupSpecView = {
  members: { rollouts: ['backend', 'frontend'] },
  stages: [
    { name: 'backend', rollouts: ['backend'] },
    { name: 'frontend', rollouts: ['frontend'], dependsOn: ['backend'] },
  ],
};
const stateOf = (status: GroupStatusView, name: string) => status.members?.find((m) => m.name === name);

describe('decideGroup: stages', () => {
  it('admits the first stage and holds the next one', () => {
    const { status } = decideGroup(input(stages, [ro('backend', 'pending'), ro('frontend', 'pending')]));
    expect(stateOf(status, 'backend')?.state).toBe('Admitted');
    expect(stateOf(status, 'frontend')).toMatchObject({
      state: 'Waiting',
      stage: 'frontend',
      message: 'waiting for stage backend',
    });
    expect(status).toMatchObject({ phase: 'Progressing', currentStages: ['backend'], observedGeneration: 1 });
  });
  it('admits the next stage once the first is Healthy on its new version', () => {
    const { status } = decideGroup(input(stages, [ro('backend', 'settled'), ro('frontend', 'pending')]));
    expect(stateOf(status, 'frontend')?.state).toBe('Admitted');
    expect(status.currentStages).toEqual(['frontend']);
  });
  it('holds the stages after an aborted one (Stop), and aborts nobody', () => {
    const decision = decideGroup(input(stages, [ro('backend', 'aborted'), ro('frontend', 'pending')]));
    expect(stateOf(decision.status, 'frontend')).toMatchObject({
      state: 'Waiting',
      message: 'stage backend aborted (backend): the stages after it wait',
    });
    expect(decision.status.phase).toBe('Degraded');
    expect(decision.abortMembers).toEqual([]);
  });
  it('orders members by stage whatever the declaration order', () => {
    const spec: GroupSpecView = {
      members: { rollouts: ['c', 'b', 'a'] },
      stages: [
        { name: 'last', rollouts: ['c'], dependsOn: ['middle'] },
        { name: 'middle', rollouts: ['b'], dependsOn: ['first'] },
        { name: 'first', rollouts: ['a'] },
      ],
    };
    const { status } = decideGroup(input(spec, [ro('a', 'pending'), ro('b', 'pending'), ro('c', 'pending')]));
    expect(status.members?.map((m) => `${m.name}:${m.state}`)).toEqual([
      'a:Admitted',
      'b:Waiting',
      'c:Waiting',
    ]);
    expect(stateOf(status, 'c')?.message).toBe('waiting for stage middle');
  });
  it('waits for the earlier stage to carry the same commit when both come from one Git path', () => {
    const source = (revision: string) => ({ source: { repository: 'git@x:shop', path: 'apps', revision } });
    const early = decideGroup(
      input(stages, [
        ro('backend', 'settled', 0, source('aaaaaaa1')),
        ro('frontend', 'pending', 0, source('bbbbbbb2')),
      ]),
    );
    expect(stateOf(early.status, 'frontend')).toMatchObject({
      state: 'Waiting',
      message: 'waiting for stage backend to be applied at commit bbbbbbb (backend)',
    });
    const applied = decideGroup(
      input(stages, [
        ro('backend', 'settled', 0, source('bbbbbbb2')),
        ro('frontend', 'pending', 0, source('bbbbbbb2')),
      ]),
    );
    expect(stateOf(applied.status, 'frontend')?.state).toBe('Admitted');
  });
  it('reports a member that does not exist', () => {
    const { status } = decideGroup(input(stages, [ro('backend', 'settled')]));
    expect(stateOf(status, 'frontend')).toMatchObject({
      state: 'Missing',
      message: 'no Rollout "frontend" in the namespace',
    });
  });
});

describe('decideGroup: InvalidSpec names the field', () => {
  it.each([
    [
      { members: { rollouts: ['a'] }, stages: [{ name: 's', rollouts: ['a'], dependsOn: ['nope'] }] },
      'InvalidSpec: spec.stages[0].dependsOn[0]: no stage named "nope"',
    ],
    [
      { members: { rollouts: ['a', 'b'] }, stages: [{ name: 's', rollouts: ['a'] }] },
      'InvalidSpec: spec.stages: member "b" is in no stage',
    ],
    [
      { members: { rollouts: ['a'] }, stages: [{ name: 's', rollouts: ['a', 'x'] }] },
      'InvalidSpec: spec.stages[0].rollouts[1]: "x" is not a member (spec.members)',
    ],
    [
      {
        members: { rollouts: ['a'] },
        stages: [
          { name: 's', rollouts: ['a'] },
          { name: 't', rollouts: ['a'] },
        ],
      },
      'InvalidSpec: spec.stages[1]: Rollout "a" is already in stage "s"',
    ],
  ] satisfies [GroupSpecView, string][])('%j', (spec, message) => {
    const decision = decideGroup(input(spec, [ro('a', 'pending'), ro('b', 'pending')]));
    expect(decision.status).toMatchObject({ phase: 'Degraded', message });
    expect(decision.status.members?.every((m) => m.state !== 'Admitted')).toBe(true);
  });
  it('lockstep over a blue-green member', () => {
    const decision = decideGroup(
      input({ members: { rollouts: ['a', 'b'] }, lockstep: true }, [
        ro('a', 'pending'),
        ro('b', 'pending', 0, { strategy: 'blueGreen', steps: 0 }),
      ]),
    );
    expect(decision.status.message).toBe(
      'InvalidSpec: spec.lockstep: Rollout "b" uses strategy blueGreen; lockstep needs canary steps',
    );
  });
  it('lockstep over members with different step counts', () => {
    const decision = decideGroup(
      input({ members: { rollouts: ['a', 'b'] }, lockstep: true }, [
        ro('a', 'pending'),
        ro('b', 'pending', 0, { steps: 4 }),
      ]),
    );
    expect(decision.status.message).toBe(
      'InvalidSpec: spec.lockstep: members have different numbers of canary steps (a 3, b 4)',
    );
  });
  it('a cycle, named through its stages', () => {
    expect(
      stageGraphProblems([
        { name: 'a', dependsOn: ['c'] },
        { name: 'b', dependsOn: ['a'] },
        { name: 'c', dependsOn: ['b'] },
      ]),
    ).toEqual([{ path: 'spec.stages[0].dependsOn', message: 'cycle a -> c -> b -> a' }]);
  });
});

describe('decideGroup: maxInProgress', () => {
  const capped: GroupSpecView = {
    members: { selector: { matchLabels: { team: 'shop' } } },
    maxInProgress: 2,
  };
  const shop = (name: string, state: Parameters<typeof ro>[1]) =>
    ro(name, state, 1, { labels: { team: 'shop' } });
  it('admits up to the cap, counting members in flight, and says why the others wait', () => {
    const { status } = decideGroup(
      input(capped, [
        shop('a', 'inFlight'),
        shop('b', 'pending'),
        shop('c', 'pending'),
        ro('other', 'pending'),
      ]),
    );
    expect(status.members?.map((m) => `${m.name}:${m.state}`)).toEqual([
      'a:Progressing',
      'b:Admitted',
      'c:Waiting',
    ]);
    expect(stateOf(status, 'c')?.message).toBe('waiting for a slot: 2 of maxInProgress 2 in progress');
  });
  it('keeps a grant already given, even over a lowered cap', () => {
    const previous: GroupStatusView = {
      members: [
        { name: 'b', state: 'Admitted' },
        { name: 'c', state: 'Admitted' },
      ],
    };
    const { status } = decideGroup(
      input(
        { ...capped, maxInProgress: 1 },
        [shop('a', 'pending'), shop('b', 'pending'), shop('c', 'pending')],
        previous,
      ),
    );
    expect(status.members?.map((m) => `${m.name}:${m.state}`)).toEqual([
      'a:Waiting',
      'b:Admitted',
      'c:Admitted',
    ]);
  });
});

describe('decideGroup: lockstep', () => {
  const zones: GroupSpecView = { members: { rollouts: ['a', 'b', 'c'] }, lockstep: true };
  it('limits every member to one step past the slowest', () => {
    const { status } = decideGroup(
      input(zones, [ro('a', 'inFlight', 2), ro('b', 'inFlight', 1), ro('c', 'inFlight', 1)]),
    );
    expect(status.maxStepIndex).toBe(2);
    expect(stateOf(status, 'a')?.message).toBe('lockstep: holds at step 2 until b, c reach it');
  });
  it('counts an admitted member that has not started as at step 0', () => {
    const { status } = decideGroup(
      input(zones, [ro('a', 'inFlight', 1), ro('b', 'pending'), ro('c', 'inFlight', 1)]),
    );
    expect(status.maxStepIndex).toBe(1);
  });
  it('has no limit when nothing is in progress', () => {
    expect(
      decideGroup(input(zones, [ro('a', 'settled'), ro('b', 'settled'), ro('c', 'settled')])).status,
    ).toMatchObject({ phase: 'Healthy', message: '3 members Healthy' });
  });
});

describe('decideGroup: aborts', () => {
  const all: GroupSpecView = { members: { rollouts: ['a', 'b', 'c'] }, abortPolicy: 'AbortAll' };
  it('AbortAll: aborts the members in flight once per member abort', () => {
    const first = decideGroup(input(all, [ro('a', 'aborted'), ro('b', 'inFlight', 1), ro('c', 'pending')]));
    expect(first.abortMembers).toEqual(['b']);
    expect(first.status.abortsHandledUntil).toBe('2024-01-01T00:00:00.000Z');
    expect(stateOf(first.status, 'c')).toMatchObject({
      state: 'Waiting',
      message: 'member a aborted (abortPolicy AbortAll)',
    });
    // b retried afterwards: the same abort of a is not carried to it again
    const again = decideGroup(
      input(all, [ro('a', 'aborted'), ro('b', 'inFlight', 0), ro('c', 'pending')], first.status),
    );
    expect(again.abortMembers).toEqual([]);
  });
  it('a group abort aborts every member in flight and admits nothing', () => {
    const decision = decideGroup(
      input({ members: { rollouts: ['a', 'b'] } }, [ro('a', 'inFlight', 1), ro('b', 'pending')], {
        abort: true,
        members: [{ name: 'b', state: 'Admitted' }],
      }),
    );
    expect(decision.abortMembers).toEqual(['a']);
    expect(stateOf(decision.status, 'b')).toMatchObject({
      state: 'Waiting',
      message: 'the RolloutGroup is aborted',
    });
    expect(decision.status).toMatchObject({ phase: 'Degraded', abort: true });
  });
});
