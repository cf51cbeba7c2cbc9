import { describe, expect, it } from 'vitest';
import { decideClusterCap, type ClusterCapInput, type NamespacedRolloutView } from './cluster-cap.ts';
import { memberHold } from './hold.ts';
import { capEntry } from './cluster-cap.ts';

type Stage = 'pending' | 'inFlight' | 'settled' | 'aborted';
const ro = (
  namespace: string,
  name: string,
  stage: Stage,
  labels: Record<string, string> = { team: 'pay' },
): NamespacedRolloutView => ({
  namespace,
  name,
  labels,
  desiredHash: 'v2',
  strategy: 'canary',
  steps: 2,
  status:
    stage === 'pending'
      ? { currentPodHash: 'v1', stableRS: 'v1', phase: 'Healthy' }
      : stage === 'inFlight'
        ? { currentPodHash: 'v2', stableRS: 'v1', phase: 'Progressing' }
        : stage === 'aborted'
          ? { currentPodHash: 'v2', stableRS: 'v1', phase: 'Degraded', abort: true }
          : { currentPodHash: 'v2', stableRS: 'v2', phase: 'Healthy' },
});
const t0 = Date.parse('2026-12-05T10:00:00Z');
const input = (over: Partial<ClusterCapInput>): ClusterCapInput => ({
  generation: 1,
  spec: { selector: { matchLabels: { team: 'pay' } }, maxInProgress: 2 },
  status: {},
  rollouts: [],
  now: t0,
  ...over,
});
const states = (status: ReturnType<typeof decideClusterCap>['status']) =>
  Object.fromEntries((status.members ?? []).map((m) => [`${m.namespace}/${m.name}`, m.state]));

describe('decideClusterCap', () => {
  const five = [
    ro('a', 's1', 'pending'),
    ro('b', 's2', 'pending'),
    ro('a', 's3', 'pending'),
    ro('b', 's4', 'pending'),
    ro('a', 's5', 'pending'),
  ];

  it('admits at most maxInProgress across namespaces; the others wait, saying why and since when', () => {
    const { status } = decideClusterCap(input({ rollouts: five }));
    expect(Object.values(states(status)).filter((s) => s === 'Admitted')).toHaveLength(2);
    expect(
      status.members
        ?.filter((m) => m.state === 'Waiting')
        .every((m) => m.since === new Date(t0).toISOString()),
    ).toBe(true);
    expect(status.members?.find((m) => m.state === 'Waiting')?.message).toBe(
      'waiting for a slot: 2 of maxInProgress 2 in progress',
    );
    expect(status).toMatchObject({
      phase: 'Progressing',
      message: '2 in progress, 3 waiting',
      partitions: [{ name: '', inProgress: 2, waiting: 3 }],
    });
  });

  it('decides the same again from its own status (restart-safe), and a grant stands until the member is done', () => {
    const first = decideClusterCap(input({ rollouts: five })).status;
    expect(decideClusterCap(input({ rollouts: five, status: first, now: t0 + 5000 })).status).toEqual(first);
    // a smaller cap later: the two grants already given are not taken back
    const lowered = decideClusterCap(
      input({ rollouts: five, status: first, spec: { selector: {}, maxInProgress: 1 } }),
    ).status;
    expect(Object.values(states(lowered)).filter((s) => s === 'Admitted')).toHaveLength(2);
  });

  it('counts started members and frees the slot of a finished or aborted one; first come, first served', () => {
    const waitedLonger = {
      namespace: 'b',
      name: 's9',
      partition: '',
      state: 'Waiting' as const,
      since: '2026-12-05T09:00:00Z',
    };
    const { status } = decideClusterCap(
      input({
        rollouts: [
          ro('a', 's1', 'inFlight'),
          ro('a', 's2', 'settled'),
          ro('a', 's3', 'aborted'),
          ro('a', 's0', 'pending'),
          ro('b', 's9', 'pending'),
        ],
        status: { members: [waitedLonger] },
      }),
    );
    expect(states(status)).toEqual({ 'a/s1': 'Progressing', 'b/s9': 'Admitted', 'a/s0': 'Waiting' });
  });

  it('per Namespace: the cap holds in each namespace', () => {
    const { status } = decideClusterCap(
      input({ rollouts: five, spec: { selector: {}, maxInProgress: 1, per: 'Namespace' } }),
    );
    expect(status.partitions).toEqual([
      { name: 'a', inProgress: 1, waiting: 2 },
      { name: 'b', inProgress: 1, waiting: 1 },
    ]);
    expect(status.members?.find((m) => m.state === 'Waiting' && m.namespace === 'b')?.message).toBe(
      'waiting for a slot: 1 of maxInProgress 1 in progress in namespace b',
    );
  });

  it('per Label: the cap holds for each value; Rollouts without the label are not members', () => {
    const rollouts = [
      ro('a', 'p1', 'pending', { team: 'pay' }),
      ro('b', 'p2', 'pending', { team: 'pay' }),
      ro('a', 'q1', 'pending', { team: 'search' }),
      ro('a', 'x', 'pending', {}),
    ];
    const { status } = decideClusterCap(
      input({ rollouts, spec: { selector: {}, maxInProgress: 1, per: 'Label', perLabel: 'team' } }),
    );
    expect(states(status)).toEqual({ 'a/p1': 'Admitted', 'b/p2': 'Waiting', 'a/q1': 'Admitted' });
    expect(status.members?.find((m) => m.name === 'p2')?.message).toContain('for team=pay');
  });

  it('nothing in progress: Healthy, and nothing listed', () => {
    expect(decideClusterCap(input({ rollouts: [ro('a', 's', 'settled')] })).status).toEqual({
      phase: 'Healthy',
      message: 'no member in progress',
      observedGeneration: 1,
    });
  });

  it('holds a member through the hold its namespaced groups use, named by kind', () => {
    const { status } = decideClusterCap(input({ rollouts: five, spec: { selector: {}, maxInProgress: 1 } }));
    const waiting = status.members?.find((m) => m.state === 'Waiting');
    const group = (namespace: string, name: string) => ({
      kind: 'ClusterRolloutGroup',
      name: 'canaries',
      generation: 1,
      lockstep: false,
      status: {
        observedGeneration: 1,
        members: [capEntry(status, namespace, name)].filter((e) => e !== undefined),
      },
    });
    expect(
      memberHold(waiting?.name ?? '', [group(waiting?.namespace ?? '', waiting?.name ?? '')])?.waiting,
    ).toBe(`ClusterRolloutGroup canaries: ${waiting?.message ?? ''}`);
    const admitted = status.members?.find((m) => m.state === 'Admitted');
    expect(
      memberHold(admitted?.name ?? '', [group(admitted?.namespace ?? '', admitted?.name ?? '')]),
    ).toEqual({});
  });
});
