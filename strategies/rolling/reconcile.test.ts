import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minAvailable, resolveRollingLimits } from '../kernel/replicas.ts';
import { reconcileRolling } from './reconcile.ts';
import { reasons, reconcileOnce, settle } from '../../test/support/strategies/reconcile-driver.ts';
import {
  advanceClock,
  applyDecision,
  deployVersion,
  inputOf,
  makeAvailable,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { stableWorldFor, withSpec, withStatus } from '../../test/support/strategies/world-edits.ts';
import type { IntOrPercent, RolloutSpecView } from '../types.ts';

function rollingSpec(
  rolling: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } = {},
  extra: Partial<RolloutSpecView> = {},
): RolloutSpecView {
  return { replicas: 5, ...extra, strategy: { rolling } };
}

const stableWorld = (spec: RolloutSpecView = rollingSpec()) => stableWorldFor(reconcileRolling, spec);

const reconcile = (world: SimulatedWorld) => reconcileOnce(reconcileRolling, world);
const settleRolling = (world: SimulatedWorld, podsStartUp = true) =>
  settle(reconcileRolling, world, podsStartUp);

describe('rolling update', () => {
  it('deploys the first version as stable', () => {
    const world = stableWorld();
    expect(world.status).toMatchObject({
      phase: 'Healthy',
      stableRS: 'v1',
      currentPodHash: 'v1',
      availableReplicas: 5,
    });
    expect(world.status.message).toBe('Healthy: 5/5 replicas of v1 available');
  });

  it('surges the new version and scales the old one down like a Deployment', () => {
    const step = reconcile(deployVersion(stableWorld(), 'v2'));
    // maxSurge 25% of 5 -> 2, maxUnavailable 25% -> 1
    expect(step.decision.replicaSets).toEqual({ v1: 4, v2: 3 });
    expect(step.decision.status).toMatchObject({
      phase: 'Progressing',
      stableRS: 'v1',
      currentPodHash: 'v2',
    });
    expect(step.decision.status.message).toBe(
      'Rolling update to v2: 0/5 updated, 5 available, 5 old pods left',
    );
    expect(reasons(step.decision.events)).toEqual(['RolloutUpdated']);

    const settled = settleRolling(step.world);
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([5, 0]);
    expect(settled.decision.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
    expect(reasons(settled.events)).toEqual(['RolloutCompleted']);
    expect(settled.decision.status.conditions?.find((c) => c.type === 'Completed')?.status).toBe('True');
    expect(settled.decision.status.currentStepIndex).toBeUndefined();
  });

  it('waits for readiness: nothing more moves while new pods are not available', () => {
    const first = reconcile(
      deployVersion(stableWorld(rollingSpec({ maxSurge: 1, maxUnavailable: 0 })), 'v2'),
    );
    expect(first.decision.replicaSets).toEqual({ v1: 5, v2: 1 });
    const stuck = settleRolling(first.world, false);
    expect(specCounts(stuck.world, 'v2', 'v1')).toEqual([1, 5]);
    const next = reconcile(makeAvailable(stuck.world));
    expect(next.decision.replicaSets).toEqual({ v1: 4, v2: 2 });
  });

  it('applies a scale change directly', () => {
    const bigger = settleRolling(withSpec(stableWorld(), { replicas: 8 }));
    expect(specCounts(bigger.world, 'v1')).toEqual([8]);
    const smaller = settleRolling(withSpec(bigger.world, { replicas: 2 }));
    expect(specCounts(smaller.world, 'v1')).toEqual([2]);
    expect(smaller.decision.status.phase).toBe('Healthy');
  });

  it('holds everything while spec.paused, and resumes', () => {
    const moving = reconcile(deployVersion(stableWorld(), 'v2')).world;
    const paused = reconcile(withSpec(moving, { paused: true }));
    expect(paused.decision.replicaSets).toEqual({ v1: 4, v2: 3 });
    expect(paused.decision.status.phase).toBe('Paused');
    expect(paused.decision.status.message).toMatch(/^Paused by user \(spec\.paused\): Rolling update to v2/);
    expect(reasons(paused.decision.events)).toEqual(['RolloutPaused']);
    const held = settleRolling(advanceClock(paused.world, 3_600_000));
    expect(specCounts(held.world, 'v2', 'v1')).toEqual([3, 4]);
    const resumed = settleRolling(withSpec(held.world, { paused: false }));
    expect(reasons(resumed.events)).toEqual(['RolloutResumed', 'RolloutCompleted']);
    expect(resumed.decision.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
  });

  it('abort rolls back to stable under the same limits; retry rolls forward again', () => {
    const moving = reconcile(deployVersion(stableWorld(), 'v2')).world;
    const aborted = reconcile(makeAvailable(withStatus(moving, { abort: true })));
    expect(aborted.decision.status).toMatchObject({
      phase: 'Degraded',
      abort: true,
      abortedAt: '2024-01-01T00:00:00.000Z',
    });
    expect(aborted.decision.status.message).toMatch(
      /^RolloutAborted: update to v2 aborted; rolling back to v1/,
    );
    expect(aborted.decision.events).toEqual([
      {
        type: 'Warning',
        reason: 'RolloutAborted',
        message: 'Rollout aborted: status.abort set; rolling back to v1',
      },
    ]);
    const back = settleRolling(aborted.world);
    expect(specCounts(back.world, 'v1', 'v2')).toEqual([5, 0]);
    expect(back.decision.status.phase).toBe('Degraded');

    const retried = settleRolling(withStatus(back.world, { abort: false }));
    expect(reasons(retried.events)).toEqual(['RolloutRetried', 'RolloutCompleted']);
    expect(retried.decision.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
    expect(retried.decision.status.abort).toBeUndefined();
  });

  it('reports a stalled update after progressDeadlineSeconds, and aborts with progressDeadlineAbort', () => {
    for (const abort of [false, true]) {
      const spec = rollingSpec({}, { progressDeadlineSeconds: 30, progressDeadlineAbort: abort });
      const started = settleRolling(reconcile(deployVersion(stableWorld(spec), 'v2')).world, false);
      expect(started.decision.requeueAfterMs).toBe(30_000);
      const late = reconcile(advanceClock(started.world, 30_000));
      expect(late.decision.status.phase).toBe('Degraded');
      expect(late.decision.status.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe(
        abort ? 'RolloutAborted' : 'ProgressDeadlineExceeded',
      );
      expect(late.decision.status.abort).toBe(abort ? true : undefined);
    }
  });

  it('treats a missing strategy block as a rolling update', () => {
    const world = stableWorld({ replicas: 3, strategy: {} });
    expect(world.status).toMatchObject({ phase: 'Healthy', stableRS: 'v1' });
  });

  it('rejects bad limits with the field named', () => {
    const world = stableWorld();
    expect(() =>
      reconcileRolling({ ...inputOf(world), spec: rollingSpec({ maxUnavailable: '1/2' }) }),
    ).toThrow(/spec\.strategy\.rolling\.maxUnavailable/);
  });
});

describe('rolling update: properties', () => {
  const intOrPercent = fc.oneof(
    fc.integer({ min: 0, max: 4 }),
    fc.integer({ min: 0, max: 60 }).map((percent) => `${percent}%`),
  );

  it('honours maxSurge and maxUnavailable at every simulated moment, and completes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        intOrPercent,
        intOrPercent,
        // Per reconcile: how many pods of each RS turn available before the next one.
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }),
        (replicas, maxSurge, maxUnavailable, paces) => {
          const spec = rollingSpec({ maxSurge, maxUnavailable }, { replicas });
          const limits = resolveRollingLimits(replicas, { maxSurge, maxUnavailable }, 'spec');
          const floor = minAvailable(replicas, limits);
          let world = deployVersion(stableWorld(spec), 'v2');
          for (let round = 0; round < 200 && world.status.stableRS !== 'v2'; round++) {
            const decision = reconcileRolling(inputOf(world));
            world = applyDecision(world, decision);
            const total = world.replicaSets.reduce((sum, rs) => sum + rs.specReplicas, 0);
            const available = world.replicaSets.reduce((sum, rs) => sum + rs.availableReplicas, 0);
            expect(total).toBeLessThanOrEqual(replicas + limits.maxSurge);
            expect(available).toBeGreaterThanOrEqual(floor);
            world = advanceClock(makeAvailable(world, undefined, paces[round % paces.length] || 1), 1000);
          }
          expect(world.status.stableRS).toBe('v2');
          expect(specCounts(settleRolling(world).world, 'v2', 'v1')).toEqual([replicas, 0]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
