import { describe, expect, it } from 'vitest';
import { reconcileCanary } from './reconcile.ts';
import { InvalidSpecError } from '../kernel/invalid-spec.ts';
import { reasons } from '../../test/support/strategies/reconcile-driver.ts';
import {
  STEPS,
  canarySpec,
  reconcile,
  settleCanary,
  stableWorld,
} from '../../test/support/strategies/canary-world.ts';
import {
  finishRuns,
  advanceClock,
  deployVersion,
  makeAvailable,
  replicaSet,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { T0, withSpec, withStatus } from '../../test/support/strategies/world-edits.ts';
import type { CanaryStep, CanaryStrategySpec } from '../types.ts';

describe('first deploy', () => {
  it('makes the first version stable at once and scales it to spec.replicas', () => {
    const fresh: SimulatedWorld = {
      generation: 1,
      spec: canarySpec(),
      status: {},
      currentPodHash: 'v1',
      replicaSets: [
        { hash: 'v1', revision: 1, specReplicas: 0, replicas: 0, readyReplicas: 0, availableReplicas: 0 },
      ],
      now: T0,
    };
    const first = reconcile(fresh);
    expect(first.decision.replicaSets).toEqual({ v1: 5 });
    expect(first.decision.status).toMatchObject({
      stableRS: 'v1',
      currentPodHash: 'v1',
      phase: 'Progressing',
    });
    expect(first.decision.status.message).toBe('Scaling v1 to 5 replicas: 0/5 available');
    const healthy = reconcile(makeAvailable(first.world)).decision;
    expect(healthy.status.phase).toBe('Healthy');
    expect(healthy.status.conditions?.find((c) => c.type === 'Completed')?.status).toBe('True');
  });

  it('defaults spec.replicas to 1', () => {
    const world = stableWorld({ strategy: { canary: { steps: STEPS } } });
    expect(specCounts(world, 'v1')).toEqual([1]);
  });
});

describe('the canary steps (5 replicas: setWeight 20, pause 5s, setWeight 60, pause {})', () => {
  it('walks 1/4, then 3/2 after 5s, pauses at step 4, and completes when promoted', () => {
    let world = deployVersion(stableWorld(), 'v2');

    const started = reconcile(world);
    expect(reasons(started.decision.events)).toEqual(['RolloutUpdated', 'RolloutStepStarted']);
    expect(started.decision.events[1]?.message).toBe('Step 1/4 setWeight 20 started');
    expect(started.decision.status).toMatchObject({
      phase: 'Progressing',
      currentStepIndex: 0,
      currentPodHash: 'v2',
    });
    expect(started.decision.status.canary?.weights).toEqual({ canary: 20, stable: 80 });
    expect(started.decision.selectors).toEqual({ canary: 'v2', stable: 'v1' });

    let settled = settleCanary(started.world);
    world = settled.world;
    expect(specCounts(world, 'v2', 'v1')).toEqual([1, 4]);
    expect(settled.decision.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 1,
      controllerPause: true,
    });
    expect(settled.decision.status.pauseConditions).toEqual([
      { reason: 'CanaryPauseStep', startTime: '2024-01-01T00:00:00.000Z' },
    ]);
    expect(settled.decision.status.message).toBe(
      'Paused at Step 2/4 pause 5s until 2024-01-01T00:00:05.000Z',
    );
    expect(settled.decision.requeueAfterMs).toBe(5000);
    expect(settled.events.map((e) => e.message)).toContain('Step 1/4 setWeight 20 completed');
    expect(reasons(settled.events)).toContain('RolloutPaused');

    // Not yet: 4.999 s later the pause holds, and says how long is left.
    const early = reconcile(advanceClock(world, 4999));
    expect(early.decision.status.phase).toBe('Paused');
    expect(early.decision.requeueAfterMs).toBe(1);

    settled = settleCanary(advanceClock(world, 5000));
    world = settled.world;
    expect(reasons(settled.events)).toEqual(
      expect.arrayContaining([
        'RolloutResumed',
        'RolloutStepCompleted',
        'RolloutStepStarted',
        'RolloutPaused',
      ]),
    );
    expect(specCounts(world, 'v2', 'v1')).toEqual([3, 2]);
    expect(settled.decision.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 3,
      controllerPause: true,
    });
    expect(settled.decision.status.canary?.weights).toEqual({ canary: 60, stable: 40 });
    expect(settled.decision.requeueAfterMs).toBeUndefined(); // until promoted: no timer

    // Waiting longer changes nothing: an indefinite pause holds and the deadline does not run.
    const later = reconcile(advanceClock(world, 3_600_000));
    expect(later.decision.status.phase).toBe('Paused');
    expect(later.decision.events).toEqual([]);

    // promote: the CLI clears pauseConditions; controllerPause tells the machine to advance.
    settled = settleCanary(withStatus(advanceClock(world, 1000), { pauseConditions: undefined }));
    world = settled.world;
    expect(reasons(settled.events)).toEqual(['RolloutPromoted', 'RolloutStepCompleted', 'RolloutCompleted']);
    expect(settled.events[1]?.message).toBe('Step 4/4 pause (until promoted) completed');
    expect(settled.decision.status).toMatchObject({
      phase: 'Healthy',
      stableRS: 'v2',
      currentStepIndex: 4,
      updatedReplicas: 5,
    });
    expect(settled.decision.status.controllerPause).toBeUndefined();
    expect(settled.decision.status.canary?.weights).toEqual({ canary: 0, stable: 100 });
    expect(replicaSet(world, 'v2').specReplicas).toBe(5);
    // The old stable waits for scaleDownDelaySeconds (30 s default) before it goes to zero.
    const oldStable = replicaSet(world, 'v1');
    expect(oldStable.specReplicas).toBeGreaterThan(0);
    expect(oldStable.scaleDownDeadline).toBeGreaterThan(world.now);
    expect(settled.decision.requeueAfterMs).toBeGreaterThan(0);

    settled = settleCanary(advanceClock(world, 30_000));
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([5, 0]);
    expect(replicaSet(settled.world, 'v1').scaleDownDeadline).toBeUndefined();
    expect(settled.decision.status.phase).toBe('Healthy');
    expect(settled.decision.requeueAfterMs).toBeUndefined();
  });

  it('never has more than replicas + maxSurge pods, nor fewer than replicas - maxUnavailable available', () => {
    let world = deployVersion(
      stableWorld(canarySpec({ steps: STEPS, maxSurge: 1, maxUnavailable: 0 })),
      'v2',
    );
    const check = (w: SimulatedWorld) => {
      const total = w.replicaSets.reduce((sum, rs) => sum + rs.specReplicas, 0);
      const available = w.replicaSets.reduce((sum, rs) => sum + rs.availableReplicas, 0);
      expect(total).toBeLessThanOrEqual(6);
      expect(available).toBeGreaterThanOrEqual(5);
    };
    for (let round = 0; round < 40; round++) {
      const step = reconcile(world);
      check(step.world);
      // Promote whatever pause is reached, so the run covers the whole rollout.
      world = withStatus(advanceClock(makeAvailable(step.world, undefined, 1), 1000), {
        pauseConditions: undefined,
      });
    }
    expect(world.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
  });

  it('honours setCanaryScale and goes back to the weight with matchTrafficWeight', () => {
    const steps: CanaryStep[] = [
      { setCanaryScale: { replicas: 2 } },
      { setWeight: 20 },
      { pause: {} },
      { setCanaryScale: { matchTrafficWeight: true } },
      { pause: {} },
    ];
    let settled = settleCanary(deployVersion(stableWorld(canarySpec({ steps })), 'v2'));
    // The override sets the canary count; the stable keeps the weight's share (20% -> 4).
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([2, 4]);
    expect(settled.decision.status.currentStepIndex).toBe(2);
    settled = settleCanary(withStatus(settled.world, { pauseConditions: undefined }));
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([1, 4]);
    expect(settled.decision.status.currentStepIndex).toBe(4);
  });

  it('keeps enough stable pods when setCanaryScale sets fewer canary pods than the weight (no deadlock)', () => {
    const steps: CanaryStep[] = [{ setCanaryScale: { replicas: 2 } }, { setWeight: 50 }, { pause: {} }];
    const spec = canarySpec({ steps, maxUnavailable: 1 }, { replicas: 7 });
    const settled = settleCanary(deployVersion(stableWorld(spec), 'v2'));
    // 2 canary + 5 stable: 7 pods, never below 7 - maxUnavailable; the pause step is reached
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([2, 5]);
    expect(settled.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 2 });
  });

  it('completes route steps at once (the routes in effect derive from the executed steps)', () => {
    const steps: CanaryStep[] = [{ setWeight: 40 }, { setHeaderRoute: { name: 'h' } }, { pause: {} }];
    const settled = settleCanary(deployVersion(stableWorld(canarySpec({ steps })), 'v2'));
    expect(settled.decision.status.currentStepIndex).toBe(2);
    expect(settled.events.map((e) => e.message)).toContain('Step 2/3 setHeaderRoute completed');
    expect(settled.decision.analysisRuns).toEqual([]);
  });

  describe('an experiment step', () => {
    const steps: CanaryStep[] = [
      { setWeight: 40 },
      { experiment: { templates: [{ name: 'c', specRef: 'canary' }] } },
      { pause: {} },
    ];
    const atExperiment = () => settleCanary(deployVersion(stableWorld(canarySpec({ steps })), 'v2'));

    it('waits at the step for its Experiment, asking for it by the step run id', () => {
      const settled = atExperiment();
      expect(settled.decision.status.currentStepIndex).toBe(1);
      expect(settled.decision.experiments).toEqual([{ id: 'v2-1-s1', stepIndex: 1 }]);
      expect(settled.decision.analysisRuns).toEqual([]);
      expect(settled.decision.status.message).toMatch(/waiting for experiment web-v2-1-s1 \(Running\)/);
      expect(settled.decision.status.canary?.currentExperiment).toBe('web-v2-1-s1');
    });

    it('passes only when the Experiment succeeds', () => {
      const passed = settleCanary(finishRuns(atExperiment().world, 'step', 'Successful'));
      expect(passed.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 2 });
      expect(passed.decision.experiments).toEqual([]);
    });

    it('aborts the Rollout when the Experiment fails', () => {
      const failed = settleCanary(finishRuns(atExperiment().world, 'step', 'Failed', 'judge failed'));
      expect(failed.decision.status.abort).toBe(true);
      expect(failed.decision.status.message).toMatch(/^RolloutAborted: .*web-v2-1-s1/);
      expect(specCounts(failed.world, 'v2', 'v1')).toEqual([0, 5]);
    });
  });

  it('restarts at step 0 when the steps change mid-rollout', () => {
    const paused = settleCanary(deployVersion(stableWorld(), 'v2')).world;
    const changed = withSpec(paused, { strategy: { canary: { steps: [{ setWeight: 40 }, { pause: {} }] } } });
    const step = reconcile(changed);
    expect(step.decision.status.currentStepIndex).toBe(0);
    expect(step.decision.status.controllerPause).toBeUndefined();
    expect(step.decision.status.pauseConditions).toBeUndefined();
    expect(step.decision.events.map((e) => e.message)).toEqual([
      'Canary steps changed: restarting at step 1',
      'Step 1/2 setWeight 40 started',
    ]);
    const settled = settleCanary(step.world);
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([2, 3]);
    expect(settled.decision.status.currentStepIndex).toBe(1);
  });

  it('starts over for a newer version in the middle of a canary, scaling the abandoned one down', () => {
    const mid = settleCanary(deployVersion(stableWorld(), 'v2')).world;
    const step = reconcile(deployVersion(mid, 'v3'));
    expect(step.decision.status).toMatchObject({ currentPodHash: 'v3', stableRS: 'v1', currentStepIndex: 0 });
    expect(reasons(step.decision.events)).toEqual(['RolloutUpdated', 'RolloutStepStarted']);
    const settled = settleCanary(step.world);
    expect(specCounts(settled.world, 'v3', 'v2', 'v1')).toEqual([1, 0, 4]);
  });

  it('goes straight back when the spec returns to the stable version', () => {
    const mid = settleCanary(deployVersion(stableWorld(), 'v2')).world;
    const back = reconcile(deployVersion(mid, 'v1'));
    expect(back.decision.status).toMatchObject({ currentPodHash: 'v1', stableRS: 'v1' });
    expect(back.decision.events[0]?.message).toBe('Back to stable version v1: no steps needed');
    expect(back.decision.replicaSets).toEqual({ v1: 5, v2: 1 }); // v2 waits for scaleDownDelaySeconds
    const settled = settleCanary(advanceClock(settleCanary(back.world).world, 30_000));
    expect(specCounts(settled.world, 'v1', 'v2')).toEqual([5, 0]);
    expect(settled.decision.status.phase).toBe('Healthy');
  });
});

describe('rollbackWindow', () => {
  /** v1 (rev 1), then v2 (rev 2) promoted to stable, then the spec goes back to v1. */
  function rolledBack(rollbackWindow?: { revisions: number }) {
    const spec = canarySpec({ steps: STEPS }, rollbackWindow ? { rollbackWindow } : {});
    let world = settleCanary(deployVersion(stableWorld(spec), 'v2')).world;
    world = settleCanary(withStatus(advanceClock(world, 5000), {})).world;
    world = settleCanary(withStatus(world, { pauseConditions: undefined })).world;
    world = settleCanary(advanceClock(world, 30_000)).world;
    expect(world.status).toMatchObject({ stableRS: 'v2', phase: 'Healthy' });
    return reconcile(deployVersion(world, 'v1'));
  }

  it('skips the steps for a recent stable version', () => {
    const step = rolledBack({ revisions: 1 });
    expect(step.decision.events[0]?.message).toBe(
      'Version v1 is within the rollback window (1 revisions): skipping the steps',
    );
    expect(step.decision.status).toMatchObject({ currentStepIndex: 4, phase: 'Progressing' });
    expect(step.decision.status.canary?.weights).toEqual({ canary: 100, stable: 0 });
    const settled = settleCanary(step.world);
    expect(settled.decision.status).toMatchObject({ stableRS: 'v1', phase: 'Healthy' });
    expect(reasons(settled.events)).not.toContain('RolloutStepStarted');
  });

  it('runs the steps without a rollback window', () => {
    const step = rolledBack();
    expect(step.decision.status).toMatchObject({ currentStepIndex: 0, stableRS: 'v2' });
    expect(reasons(step.decision.events)).toEqual(['RolloutUpdated', 'RolloutStepStarted']);
  });
});

describe('progress deadline', () => {
  const spec = (abort: boolean) =>
    canarySpec({ steps: STEPS }, { progressDeadlineSeconds: 60, progressDeadlineAbort: abort });

  it('reports ProgressDeadlineExceeded (Degraded) when the canary pods never come up', () => {
    const started = settleCanary(reconcile(deployVersion(stableWorld(spec(false)), 'v2')).world, false);
    expect(started.decision.requeueAfterMs).toBe(60_000);
    const almost = reconcile(advanceClock(started.world, 59_999));
    expect(almost.decision.status.phase).toBe('Progressing');
    const late = reconcile(advanceClock(started.world, 60_000));
    expect(late.decision.status.phase).toBe('Degraded');
    expect(late.decision.status.message).toMatch(/^ProgressDeadlineExceeded: no progress for 60s/);
    expect(late.decision.status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      lastUpdateTime: '2024-01-01T00:00:00.000Z',
    });
    // Progress clears it.
    const recovered = settleCanary(makeAvailable(late.world));
    expect(recovered.decision.status.phase).toBe('Paused');
  });

  it('aborts with progressDeadlineAbort', () => {
    const started = settleCanary(reconcile(deployVersion(stableWorld(spec(true)), 'v2')).world, false);
    const late = reconcile(advanceClock(started.world, 60_000));
    expect(late.decision.status).toMatchObject({ phase: 'Degraded', abort: true, currentStepIndex: 0 });
    expect(late.decision.events[0]).toMatchObject({ type: 'Warning', reason: 'RolloutAborted' });
    expect(late.decision.events[0]?.message).toMatch(/no progress for 60s \(progressDeadlineAbort\)/);
  });

  it('does not count time spent paused', () => {
    const paused = settleCanary(deployVersion(stableWorld(spec(true)), 'v2')).world;
    const afterLongPause = settleCanary(withSpec(advanceClock(paused, 600_000), {}), false);
    expect(afterLongPause.decision.status.abort).toBeUndefined();
    // The pause ended just now: the deadline counts from here.
    expect(afterLongPause.decision.status.phase).toBe('Progressing');
    expect(afterLongPause.decision.requeueAfterMs).toBe(60_000);
  });
});

describe('idempotency and purity', () => {
  it('gives an identical status and no events for the same observation', () => {
    const world = deployVersion(stableWorld(), 'v2');
    const first = reconcileCanary({ ...world, status: world.status });
    const second = reconcileCanary({ ...world, status: first.status });
    expect(second.status).toStrictEqual(first.status);
    expect(second.events).toEqual([]);
    expect(second.replicaSets).toEqual(first.replicaSets);
    // And the input is not touched.
    const frozen = JSON.stringify(world);
    reconcileCanary({ ...world, status: world.status });
    expect(JSON.stringify(world)).toBe(frozen);
  });

  it('keeps times written in another RFC 3339 spelling', () => {
    const paused = settleCanary(deployVersion(stableWorld(), 'v2')).world;
    const rewritten = withStatus(paused, {
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2024-01-01T00:00:00Z' }],
    });
    const step = reconcile(rewritten);
    expect(step.decision.status.pauseConditions).toEqual([
      { reason: 'CanaryPauseStep', startTime: '2024-01-01T00:00:00Z' },
    ]);
  });

  it('keeps pause conditions it does not own', () => {
    const world = withStatus(stableWorld(), {
      pauseConditions: [{ reason: 'InconclusiveAnalysis', startTime: '2024-01-01T00:00:00.000Z' }],
    });
    expect(reconcile(world).decision.status.pauseConditions).toEqual([
      { reason: 'InconclusiveAnalysis', startTime: '2024-01-01T00:00:00.000Z' },
    ]);
  });
});

describe('spec problems', () => {
  it('throws InvalidSpecError naming the field', () => {
    const world = stableWorld();
    const bad = (canary: CanaryStrategySpec) => () => reconcileCanary({ ...world, spec: canarySpec(canary) });
    expect(bad({ steps: [{ pause: { duration: 'soon' } }] })).toThrow(/steps\[0\]\.pause\.duration/);
    expect(bad({ steps: [{ setWeight: 120 }] })).toThrow(/steps\[0\]\.setWeight/);
    expect(bad({ steps: [{ setWeight: 20, pause: {} }] })).toThrow(
      /only one of setWeight, pause, experiment, analysis/,
    );
    expect(bad({ steps: [{}] })).toThrow(InvalidSpecError);
    expect(bad({ steps: STEPS, maxSurge: 'lots' })).toThrow(/spec\.strategy\.canary\.maxSurge/);
  });
});

describe('a canary without steps', () => {
  it('is a rolling update with the canary maxSurge / maxUnavailable', () => {
    const spec = canarySpec({ maxSurge: 1, maxUnavailable: 0 });
    const world = deployVersion(stableWorld(spec), 'v2');
    const step = reconcile(world);
    expect(step.decision.replicaSets).toEqual({ v1: 5, v2: 1 });
    const settled = settleCanary(step.world);
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([5, 0]);
    expect(settled.decision.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
  });
});
