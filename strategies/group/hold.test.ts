import { describe, expect, it } from 'vitest';
import { reconcileCanary } from '../canary/reconcile.ts';
import { settle } from '../../test/support/strategies/reconcile-driver.ts';
import { advanceClock, deployVersion, specCounts } from '../../test/support/strategies/simulated-cluster.ts';
import { stableWorldFor } from '../../test/support/strategies/world-edits.ts';
import type { RolloutSpecView, StrategyInput } from '../types.ts';
import { memberHold, reconcileUnderHold, type MemberGroup, type MemberHold } from './hold.ts';

const spec: RolloutSpecView = {
  replicas: 4,
  strategy: { canary: { steps: [{ setWeight: 25 }, { pause: { duration: '1s' } }, { setWeight: 50 }] } },
};
const under = (hold: MemberHold | undefined) => (input: StrategyInput) =>
  reconcileUnderHold(input, hold, reconcileCanary);

describe('reconcileUnderHold with the canary', () => {
  it('keeps a new version from starting while a stage holds it, then starts it once admitted', () => {
    const waiting = { waiting: 'RolloutGroup release: waiting for stage backend' };
    const held = settle(under(waiting), deployVersion(stableWorldFor(reconcileCanary, spec), 'v2'));
    expect(specCounts(held.world, 'v1', 'v2')).toEqual([4, 0]);
    expect(held.world.status).toMatchObject({
      phase: 'Progressing',
      message: 'Waiting: RolloutGroup release: waiting for stage backend',
      currentPodHash: 'v1',
      stableRS: 'v1',
    });
    expect(held.events).toEqual([]);
    const released = settle(under({}), held.world);
    expect(released.world.status.currentPodHash).toBe('v2');
    expect(specCounts(released.world, 'v1', 'v2')).toEqual([3, 1]);
  });

  it('does not hold a return to the stable version, nor an abort', () => {
    const started = settle(reconcileCanary, deployVersion(stableWorldFor(reconcileCanary, spec), 'v2')).world;
    const back = settle(under({ waiting: 'held' }), deployVersion(started, 'v1'));
    expect(back.world.status).toMatchObject({ phase: 'Healthy', currentPodHash: 'v1', stableRS: 'v1' });
  });

  it('does not complete the step at maxStepIndex until the limit moves', () => {
    const atStart = settle(reconcileCanary, deployVersion(stableWorldFor(reconcileCanary, spec), 'v2')).world;
    // step 0 done (25%), the pause of step 1 over: with the limit at 1 the canary stays at step 1.
    const limit = {
      maxStepIndex: 1,
      lockstepMessage: 'RolloutGroup zones: lockstep: holds at step 1 until b reach it',
    };
    const held = settle(under(limit), advanceClock(settle(under(limit), atStart).world, 5000));
    expect(held.world.status.currentStepIndex).toBe(1);
    expect(specCounts(held.world, 'v1', 'v2')).toEqual([3, 1]);
    const moved = settle(under({ maxStepIndex: 3 }), advanceClock(held.world, 5000));
    expect(moved.world.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
  });

  it('says why a lockstep member waits at its limit', () => {
    const atStart = deployVersion(stableWorldFor(reconcileCanary, spec), 'v2');
    const limit = {
      maxStepIndex: 0,
      lockstepMessage: 'RolloutGroup zones: lockstep: holds at step 0 until b reach it',
    };
    const held = settle(under(limit), atStart);
    expect(held.world.status).toMatchObject({ currentStepIndex: 0, message: limit.lockstepMessage });
    expect(specCounts(held.world, 'v1', 'v2')).toEqual([3, 1]);
  });
});

describe('memberHold', () => {
  const group = (over: Partial<MemberGroup> = {}): MemberGroup => ({
    name: 'release',
    generation: 1,
    lockstep: false,
    status: { observedGeneration: 1, members: [{ name: 'web', state: 'Admitted' }] },
    ...over,
  });
  it('is undefined outside every group', () => {
    expect(memberHold('web', [])).toBeUndefined();
  });
  it('lets an admitted or progressing member go', () => {
    expect(memberHold('web', [group()])).toEqual({});
  });
  it('holds a member the group has not seen, or with a stale status', () => {
    expect(memberHold('web', [group({ status: { observedGeneration: 1, members: [] } })])?.waiting).toBe(
      'RolloutGroup release: the group has not seen it yet',
    );
    expect(memberHold('web', [group({ generation: 2 })])?.waiting).toContain('not seen it yet');
  });
  it('says the group has yet to decide while its entry still describes the previous version', () => {
    // a new template seen before the group's next decision: "Healthy" is no reason to wait
    for (const state of ['Healthy', 'Aborted', 'Missing'] as const)
      expect(
        memberHold('web', [group({ status: { observedGeneration: 1, members: [{ name: 'web', state }] } })])
          ?.waiting,
      ).toBe('RolloutGroup release: the group has not decided on its new version yet');
    const waiting = { name: 'web', state: 'Waiting' as const, message: 'waiting for stage backend' };
    expect(
      memberHold('web', [group({ status: { observedGeneration: 1, members: [waiting] } })])?.waiting,
    ).toBe('RolloutGroup release: waiting for stage backend');
  });
  it('holds while any one group says wait, and takes the lowest lockstep limit', () => {
    const hold = memberHold('web', [
      group({
        name: 'cap',
        status: {
          observedGeneration: 1,
          members: [{ name: 'web', state: 'Waiting', message: 'waiting for a slot' }],
        },
      }),
      group({
        name: 'zones',
        lockstep: true,
        status: { observedGeneration: 1, maxStepIndex: 2, members: [{ name: 'web', state: 'Progressing' }] },
      }),
      group({
        name: 'zones2',
        lockstep: true,
        status: { observedGeneration: 1, maxStepIndex: 1, members: [{ name: 'web', state: 'Progressing' }] },
      }),
    ]);
    expect(hold).toMatchObject({ waiting: 'RolloutGroup cap: waiting for a slot', maxStepIndex: 1 });
  });
});
