/** The operator's operations on a canary: abort, retry, promote --full, spec.paused. */
import { describe, expect, it } from 'vitest';
import { reasons } from '../../test/support/strategies/reconcile-driver.ts';
import {
  STEPS,
  canarySpec,
  reconcile,
  settleCanary,
  stableWorld,
} from '../../test/support/strategies/canary-world.ts';
import {
  advanceClock,
  deployVersion,
  replicaSet,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { withSpec, withStatus } from '../../test/support/strategies/world-edits.ts';
import type { RolloutSpecView } from '../types.ts';

describe('operations', () => {
  /** Paused at step 4 with v2 at 3 pods and v1 at 2. */
  function pausedAtLastStep(spec: RolloutSpecView = canarySpec()): SimulatedWorld {
    const first = settleCanary(deployVersion(stableWorld(spec), 'v2')).world;
    return settleCanary(advanceClock(first, 5000)).world;
  }

  it('abort with a router: the canary keeps its pods for abortScaleDownDelaySeconds; 0 keeps them', () => {
    const routed = (delay?: number): RolloutSpecView => {
      const spec = canarySpec();
      const canary = { ...spec.strategy.canary, trafficRouting: { nginx: { stableIngress: 'web' } } };
      return {
        ...spec,
        strategy: { canary: delay === undefined ? canary : { ...canary, abortScaleDownDelaySeconds: delay } },
      };
    };
    const world = pausedAtLastStep(routed());
    const aborted = reconcile(withStatus(world, { abort: true }));
    expect(aborted.decision.scaleDownDeadlines).toEqual({ v2: world.now + 30_000 });
    let settled = settleCanary(aborted.world);
    expect(specCounts(settled.world, 'v1', 'v2')).toEqual([5, 3]);
    settled = settleCanary(advanceClock(settled.world, 30_000));
    expect(specCounts(settled.world, 'v1', 'v2')).toEqual([5, 0]);

    const never = pausedAtLastStep(routed(0));
    const kept = settleCanary(
      advanceClock(settleCanary(reconcile(withStatus(never, { abort: true })).world).world, 3_600_000),
    );
    expect(specCounts(kept.world, 'v1', 'v2')).toEqual([5, 3]);
  });

  it('abort without a router: back to stable and the canary scaled down at once; retry: from step 1', () => {
    const world = pausedAtLastStep();
    const aborted = reconcile(withStatus(world, { abort: true }));
    const status = aborted.decision.status;
    expect(status).toMatchObject({
      phase: 'Degraded',
      abort: true,
      abortedAt: '2024-01-01T00:00:05.000Z',
      currentStepIndex: 0,
    });
    expect(status.message).toMatch(/^RolloutAborted: update to v2 aborted/);
    expect(status.canary?.weights).toEqual({ canary: 0, stable: 100 });
    expect(status.pauseConditions).toBeUndefined();
    expect(status.controllerPause).toBeUndefined();
    expect(aborted.decision.events).toEqual([
      {
        type: 'Warning',
        reason: 'RolloutAborted',
        message:
          'Rollout aborted at Step 4/4 pause (until promoted): status.abort set; going back to the stable version',
      },
    ]);
    expect(aborted.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });
    // the canary's pods are its traffic share: they go now, within the availability budget
    expect(aborted.decision.replicaSets).toEqual({ v1: 5, v2: 2 });
    expect(aborted.decision.scaleDownDeadlines).toEqual({});
    expect(aborted.decision.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'RolloutAborted',
    });

    let settled = settleCanary(aborted.world);
    expect(specCounts(settled.world, 'v1', 'v2')).toEqual([5, 0]);
    expect(settled.decision.status.phase).toBe('Degraded');

    const retried = reconcile(withStatus(settled.world, { abort: false }));
    expect(retried.decision.events.map((e) => e.reason)).toEqual(['RolloutRetried', 'RolloutStepStarted']);
    expect(retried.decision.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 0 });
    expect(retried.decision.status.abort).toBeUndefined();
    expect(retried.decision.status.abortedAt).toBeUndefined();
    settled = settleCanary(retried.world);
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([1, 4]);
    expect(settled.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 });
  });

  it('abort with abortScaleDownDelaySeconds 0 scales the canary down at once', () => {
    const world = pausedAtLastStep(canarySpec({ steps: STEPS, abortScaleDownDelaySeconds: 0 }));
    const settled = settleCanary(withStatus(world, { abort: true }));
    expect(specCounts(settled.world, 'v1', 'v2')).toEqual([5, 0]);
  });

  it('promote --full skips the remaining steps, then clears promoteFull', () => {
    const atTimedPause = settleCanary(deployVersion(stableWorld(), 'v2')).world;
    const promoted = reconcile(withStatus(atTimedPause, { promoteFull: true, pauseConditions: undefined }));
    expect(promoted.decision.events.map((e) => e.message)).toEqual([
      'Rollout fully promoted at Step 2/4 pause 5s: skipping the remaining steps',
    ]);
    expect(promoted.decision.status).toMatchObject({
      phase: 'Progressing',
      promoteFull: true,
      currentStepIndex: 4,
    });
    expect(promoted.decision.status.canary?.weights).toEqual({ canary: 100, stable: 0 });
    const settled = settleCanary(promoted.world);
    expect(settled.decision.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
    expect(settled.decision.status.promoteFull).toBeUndefined();
    expect(replicaSet(settled.world, 'v2').specReplicas).toBe(5);
  });

  it('spec.paused holds every ReplicaSet where it is until unset', () => {
    const started = reconcile(deployVersion(stableWorld(), 'v2')).world; // v2 1 (starting), v1 4
    const paused = reconcile(withSpec(started, { paused: true }));
    expect(paused.decision.status.phase).toBe('Paused');
    expect(paused.decision.status.message).toMatch(
      /^Paused by user \(spec\.paused\): Step 1\/4 setWeight 20/,
    );
    expect(paused.decision.events).toEqual([
      { type: 'Normal', reason: 'RolloutPaused', message: 'Rollout paused by user (spec.paused)' },
    ]);
    expect(paused.decision.replicaSets).toEqual({ v1: 4, v2: 1 });
    expect(paused.decision.status.conditions?.find((c) => c.type === 'Paused')).toMatchObject({
      status: 'True',
      reason: 'PausedByUser',
    });
    // Pods come up, time passes: the step does not advance, nothing scales.
    const held = settleCanary(advanceClock(paused.world, 3_600_000));
    expect(held.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 0 });
    expect(held.decision.requeueAfterMs).toBeUndefined();

    const resumed = reconcile(withSpec(held.world, { paused: false }));
    expect(reasons(resumed.decision.events)).toEqual([
      'RolloutResumed',
      'RolloutStepCompleted',
      'RolloutStepStarted',
      'RolloutPaused',
    ]);
    expect(resumed.decision.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 1,
      controllerPause: true,
    });
  });

  it('spec.paused during a timed pause keeps it from ending until unset', () => {
    const atTimedPause = settleCanary(deployVersion(stableWorld(), 'v2')).world;
    const held = settleCanary(advanceClock(withSpec(atTimedPause, { paused: true }), 60_000));
    expect(held.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 });
    const resumed = settleCanary(withSpec(held.world, { paused: false }));
    expect(resumed.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 3 });
  });
});
