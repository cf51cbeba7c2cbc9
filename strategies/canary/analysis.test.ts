/**
 * Metric analysis in the canary: step analyses gate their step, background analysis watches the
 * steps from startingStep, and a run's verdict is only ever taken from the run requested for this
 * version and attempt. Every reconcile goes through the driver, which checks idempotency.
 */
import { describe, expect, it } from 'vitest';
import { reconcileCanary } from './reconcile.ts';
import { reasons, reconcileOnce } from '../../test/support/strategies/reconcile-driver.ts';
import { applyOperation, type OperatorOperation } from '../../test/support/strategies/operations.ts';
import {
  METRIC_FAILED,
  STEPS,
  SUCCESS_RATE,
  finish,
  promote,
  reconcile,
  rolloutOfV2,
  settleCanary,
  spec,
} from '../../test/support/strategies/canary-analysis-world.ts';
import {
  advanceClock,
  analysisRun,
  deployVersion,
  finishRuns,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { stableWorldFor } from '../../test/support/strategies/world-edits.ts';
import type { AnalysisPhase, RolloutSpecView } from '../types.ts';

describe('an analysis step', () => {
  it('requests its run under a deterministic id and waits while it runs, with no deadline', () => {
    const { world, decision, events } = rolloutOfV2(spec({ steps: STEPS }, { progressDeadlineSeconds: 60 }));
    expect(events.map((e) => e.message)).toContain('Step 2/4 analysis success-rate started');
    // v2 is attempt 1 of this Rollout: attempts count across versions (see kernel/analysis-runs.ts).
    expect(decision.analysisRuns).toEqual([
      {
        id: 'v2-1-s1',
        kind: 'step',
        stepIndex: 1,
        templates: SUCCESS_RATE.templates,
        args: SUCCESS_RATE.args,
      },
    ]);
    expect(decision.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 1 });
    expect(decision.status.canary).toMatchObject({
      attempt: 1,
      currentStepAnalysisRunStatus: { name: 'web-v2-1-s1', status: 'Running' },
    });
    expect(decision.status.message).toBe(
      'Step 2/4 analysis success-rate: waiting for analysis run web-v2-1-s1 (Running)',
    );
    expect(decision.requeueAfterMs).toBeUndefined(); // the shell requeues when the run changes
    // An hour of analysis is not a stalled rollout.
    const later = reconcile(advanceClock(world, 3_600_000)).decision;
    expect(later.status.phase).toBe('Progressing');
    expect(later.events).toEqual([]);
  });

  it('completes when its run is Successful, and the next step starts', () => {
    const waiting = rolloutOfV2().world;
    const passed = reconcile(finish(waiting, 'Successful'));
    expect(passed.decision.events.map((e) => e.message)).toEqual([
      'Step 2/4 analysis success-rate completed',
      'Step 3/4 setWeight 60 started',
    ]);
    expect(passed.decision.analysisRuns).toEqual([]);
    expect(passed.decision.status.canary?.currentStepAnalysisRunStatus).toBeUndefined();
    const settled = settleCanary(passed.world);
    expect(settled.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 3 });
    expect(specCounts(settled.world, 'v2', 'v1')).toEqual([3, 2]);
  });

  it.each<[AnalysisPhase, string | undefined]>([
    ['Failed', METRIC_FAILED],
    ['Error', 'metric "success-rate": Post "http://prometheus:9090": connection refused'],
    ['Failed', undefined],
  ])('aborts like status.abort when its run ends %s, naming the run and its message', (phase, message) => {
    const waiting = rolloutOfV2().world;
    const aborted = reconcile(finish(waiting, phase, message));
    const why = `analysis run web-v2-1-s1 ${phase}${message === undefined ? '' : `: ${message}`}`;
    expect(aborted.decision.events).toEqual([
      {
        type: 'Warning',
        reason: 'RolloutAborted',
        message: `Rollout aborted at Step 2/4 analysis success-rate: ${why}; going back to the stable version`,
      },
    ]);
    const { status } = aborted.decision;
    expect(status).toMatchObject({
      phase: 'Degraded',
      abort: true,
      abortedAt: '2024-01-01T00:00:00.000Z',
      currentStepIndex: 0,
    });
    expect(status.message).toBe(
      `RolloutAborted: ${why}. Update to v2 aborted; stable v1 has 4/5 available. Set status.abort=false to retry`,
    );
    expect(status.canary?.weights).toEqual({ canary: 0, stable: 100 });
    expect(status.canary?.currentStepAnalysisRunStatus).toBeUndefined();
    expect(aborted.decision.analysisRuns).toEqual([]);
    expect(aborted.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });
    const settled = settleCanary(aborted.world);
    expect(specCounts(settled.world, 'v1', 'v2')).toEqual([5, 0]);
    expect(settled.decision.status.message).toMatch(
      new RegExp(`^RolloutAborted: analysis run web-v2-1-s1 ${phase}`),
    );
  });

  it('after a retry requests new runs and never reuses the failed one', () => {
    const aborted = settleCanary(finish(rolloutOfV2().world, 'Failed', METRIC_FAILED)).world;
    const retried = reconcile({ ...aborted, status: { ...aborted.status, abort: false } });
    expect(reasons(retried.decision.events)).toEqual(['RolloutRetried', 'RolloutStepStarted']);
    expect(retried.decision.status.canary?.attempt).toBe(2);
    const again = settleCanary(retried.world);
    expect(again.decision.analysisRuns?.map((request) => request.id)).toEqual(['v2-2-s1']);
    expect(again.decision.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 1 });
    expect(again.decision.status.canary?.currentStepAnalysisRunStatus).toEqual({
      name: 'web-v2-2-s1',
      status: 'Running',
    });
    expect(analysisRun(again.world, 'v2-1-s1')?.phase).toBe('Failed'); // still there, not looked at
    const passed = settleCanary(finish(again.world, 'Successful'));
    expect(passed.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 3 });
  });

  it('pauses on Inconclusive until promoted; the promote passes the step', () => {
    const waiting = rolloutOfV2().world;
    const paused = reconcile(finish(waiting, 'Inconclusive', 'metric "success-rate": 2 of 5 inconclusive'));
    expect(paused.decision.events).toEqual([
      {
        type: 'Warning',
        reason: 'RolloutPaused',
        message:
          'Rollout paused at Step 2/4 analysis success-rate: analysis run web-v2-1-s1 Inconclusive: ' +
          'metric "success-rate": 2 of 5 inconclusive; promote to continue or abort',
      },
    ]);
    expect(paused.decision.status).toMatchObject({
      phase: 'Paused',
      controllerPause: true,
      currentStepIndex: 1,
      pauseConditions: [{ reason: 'InconclusiveAnalysisRun', startTime: '2024-01-01T00:00:00.000Z' }],
    });
    expect(paused.decision.status.canary?.currentStepAnalysisRunStatus).toMatchObject({
      status: 'Inconclusive',
    });
    expect(paused.decision.status.conditions?.find((c) => c.type === 'Paused')).toMatchObject({
      status: 'True',
      reason: 'InconclusiveAnalysisRun',
    });
    expect(paused.decision.analysisRuns?.map((request) => request.id)).toEqual(['v2-1-s1']);

    const stillPaused = settleCanary(advanceClock(paused.world, 3_600_000));
    expect(stillPaused.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 });
    expect(stillPaused.events).toEqual([]);

    const promoted = reconcile(promote(stillPaused.world));
    expect(promoted.decision.events.map((e) => e.message)).toEqual([
      'Rollout promoted at Step 2/4 analysis success-rate past Inconclusive analysis run web-v2-1-s1',
      'Step 2/4 analysis success-rate completed',
      'Step 3/4 setWeight 60 started',
    ]);
    expect(promoted.decision.status.controllerPause).toBeUndefined();
    expect(promoted.decision.status.pauseConditions).toBeUndefined();
    expect(promoted.decision.status.canary?.currentStepAnalysisRunStatus).toBeUndefined();
    expect(settleCanary(promoted.world).decision.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 3,
    });
  });

  it('can be aborted while paused on Inconclusive', () => {
    const paused = settleCanary(finish(rolloutOfV2().world, 'Inconclusive')).world;
    const aborted = reconcile({ ...paused, status: { ...paused.status, abort: true } }).decision;
    expect(aborted.status).toMatchObject({ phase: 'Degraded', abort: true });
    expect(aborted.status.pauseConditions).toBeUndefined();
    expect(aborted.status.controllerPause).toBeUndefined();
  });

  it('never advances on a missing run, an unknown phase, or a run of another attempt or version', () => {
    const { world } = rolloutOfV2();
    const withRuns = (runs: SimulatedWorld['analysisRuns']): SimulatedWorld => ({
      ...advanceClock(world, 600_000),
      analysisRuns: runs,
    });
    const successful = (id: string) => ({
      id,
      name: `web-${id}`,
      phase: 'Successful' as const,
      kind: 'step' as const,
    });
    const cases: SimulatedWorld['analysisRuns'][] = [
      [], // not created yet
      [{ ...successful('v2-1-s1'), phase: 'Unknown' as AnalysisPhase }],
      [{ ...successful('v2-1-s1'), phase: 'Pending' }],
      [successful('v2-0-s1'), successful('v1-1-s1'), successful('v2-1-s2'), successful('v2-1-bg')],
      // Two runs under one id: the unfavourable one counts.
      [successful('v2-1-s1'), { ...successful('v2-1-s1'), name: 'web-v2-1-s1-dup', phase: 'Running' }],
    ];
    for (const runs of cases) {
      const input = { ...withRuns(runs), analysisRuns: runs };
      const decision = reconcileCanary({
        generation: input.generation,
        spec: input.spec,
        status: input.status,
        currentPodHash: input.currentPodHash,
        replicaSets: input.replicaSets,
        analysisRuns: runs?.map(({ kind: _kind, ...view }) => view),
        now: input.now,
      });
      expect(decision.status.currentStepIndex, JSON.stringify(runs)).toBe(1);
      expect(decision.events).toEqual([]);
      expect(decision.status.phase).toBe('Progressing');
    }
  });
});

describe('background analysis', () => {
  const ERROR_RATE = { templates: [{ templateName: 'error-rate' }] };
  /** setWeight 20, pause, setWeight 60, pause; background analysis from step 2 (index 1). */
  const background = (startingStep?: number) =>
    spec({
      steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }],
      analysis: startingStep === undefined ? ERROR_RATE : { ...ERROR_RATE, startingStep },
    });

  it('starts at startingStep and its failure at a later step aborts', () => {
    const started = reconcile(deployVersion(stableWorldFor(reconcileCanary, background(1)), 'v2'));
    expect(started.decision.analysisRuns).toEqual([]); // step 1 < startingStep
    let settled = settleCanary(started.world);
    expect(settled.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 });
    expect(settled.decision.analysisRuns).toEqual([
      { id: 'v2-1-bg', kind: 'background', templates: ERROR_RATE.templates },
    ]);
    expect(settled.decision.status.canary?.currentBackgroundAnalysisRunStatus).toEqual({
      name: 'web-v2-1-bg',
      status: 'Running',
    });

    settled = settleCanary(promote(settled.world));
    expect(settled.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 3 });
    expect(settled.decision.analysisRuns?.map((request) => request.id)).toEqual(['v2-1-bg']);

    const message = 'metric "error-rate" assessed Failed due to failed (2) > failureLimit (1): value 0.09';
    const aborted = reconcile(finish(settled.world, 'Failed', message, 'background'));
    expect(aborted.decision.events).toEqual([
      {
        type: 'Warning',
        reason: 'RolloutAborted',
        message: `Rollout aborted at Step 4/4 pause (until promoted): background analysis run web-v2-1-bg Failed: ${message}; going back to the stable version`,
      },
    ]);
    expect(aborted.decision.status).toMatchObject({ phase: 'Degraded', abort: true });
    expect(aborted.decision.status.message).toMatch(
      /^RolloutAborted: background analysis run web-v2-1-bg Failed: metric "error-rate"/,
    );
    expect(aborted.decision.analysisRuns).toEqual([]);
    expect(aborted.decision.status.canary?.currentBackgroundAnalysisRunStatus).toBeUndefined();
  });

  it('stays Successful without effect, and is no longer requested once the steps are done', () => {
    const paused = rolloutOfV2(background()).world;
    const passed = reconcile(finishRuns(paused, 'background', 'Successful'));
    expect(passed.decision.events).toEqual([]);
    expect(passed.decision.status.canary?.currentBackgroundAnalysisRunStatus).toEqual({
      name: 'web-v2-1-bg',
      status: 'Successful',
    });
    let settled = settleCanary(promote(passed.world));
    settled = settleCanary(promote(settled.world));
    expect(settled.decision.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
    expect(settled.decision.analysisRuns).toEqual([]);
    expect(settled.decision.status.canary?.currentBackgroundAnalysisRunStatus).toBeUndefined();
  });

  it('pauses on Inconclusive; a promote accepts it, passes the pause step and starts a new run', () => {
    const paused = rolloutOfV2(background()).world; // at the pause step (index 1)
    const inconclusive = reconcile(
      finishRuns(paused, 'background', 'Inconclusive', 'metric "error-rate": inconclusive'),
    );
    expect(inconclusive.decision.status.pauseConditions).toEqual([
      { reason: 'InconclusiveAnalysisRun', startTime: '2024-01-01T00:00:00.000Z' },
    ]);
    expect(inconclusive.decision.status.message).toBe(
      'Paused at Step 2/4 pause (until promoted): background analysis run web-v2-1-bg Inconclusive: ' +
        'metric "error-rate": inconclusive. Promote to continue or abort',
    );
    const promoted = reconcile(promote(settleCanary(inconclusive.world).world));
    expect(promoted.decision.events.map((e) => e.message)).toEqual([
      'Rollout promoted at Step 2/4 pause (until promoted) past Inconclusive analysis run web-v2-1-bg',
      'Step 2/4 pause (until promoted) completed',
      'Step 3/4 setWeight 60 started',
    ]);
    expect(promoted.decision.status.canary?.attempt).toBe(2);
    expect(promoted.decision.analysisRuns?.map((request) => request.id)).toEqual(['v2-2-bg']);
    const settled = settleCanary(promoted.world);
    expect(settled.decision.status).toMatchObject({ phase: 'Paused', currentStepIndex: 3 });
    expect(settled.decision.status.canary?.currentBackgroundAnalysisRunStatus).toEqual({
      name: 'web-v2-2-bg',
      status: 'Running',
    });
  });

  it('is skipped, like the step analyses, by promote --full', () => {
    const paused = rolloutOfV2(background()).world;
    const full = reconcile({
      ...paused,
      status: { ...paused.status, promoteFull: true, pauseConditions: undefined },
    });
    expect(full.decision.analysisRuns).toEqual([]);
    expect(settleCanary(full.world).decision.status).toMatchObject({ phase: 'Healthy', stableRS: 'v2' });
  });
});

describe('analysis and the rest of the lifecycle', () => {
  it('a Failed analysis aborts even under spec.paused', () => {
    const waiting = rolloutOfV2().world;
    const held = settleCanary({ ...waiting, spec: { ...waiting.spec, paused: true } }).world;
    const aborted = reconcile(finish(held, 'Failed', METRIC_FAILED)).decision;
    expect(aborted.status).toMatchObject({ phase: 'Degraded', abort: true });
    expect(reasons(aborted.events)).toEqual(['RolloutAborted']);
  });

  it('a new version or edited steps get new ids; the old runs are no longer requested', () => {
    const waiting = rolloutOfV2().world;
    const v3 = settleCanary(deployVersion(waiting, 'v3'));
    expect(v3.decision.analysisRuns?.map((request) => request.id)).toEqual(['v3-2-s1']);
    expect(analysisRun(v3.world, 'v2-1-s1')).toMatchObject({
      phase: 'Successful',
      message: 'Run Terminated',
    });
    // Back to v2 (not stable, no rollback window): still never the old v2 runs.
    const v2 = settleCanary(deployVersion(v3.world, 'v2'));
    expect(v2.decision.analysisRuns?.map((request) => request.id)).toEqual(['v2-3-s1']);

    const edited = settleCanary({
      ...v2.world,
      spec: spec({ steps: [{ analysis: SUCCESS_RATE }, { pause: {} }] }),
      generation: v2.world.generation + 1,
    });
    expect(edited.decision.analysisRuns?.map((request) => request.id)).toEqual(['v2-4-s0']);
  });

  it('is idempotent: the same observation gives the same status, requests and no events', () => {
    const waiting = rolloutOfV2().world;
    for (const phase of ['Running', 'Successful', 'Failed', 'Error', 'Inconclusive'] as AnalysisPhase[]) {
      const world = finish(waiting, phase, `metric "success-rate": ${phase}`);
      const first = reconcile(world).decision;
      const input = {
        generation: world.generation,
        spec: world.spec,
        currentPodHash: world.currentPodHash,
        replicaSets: world.replicaSets,
        analysisRuns: (world.analysisRuns ?? []).map(({ kind: _kind, stepIndex: _i, ...view }) => view),
        now: world.now,
      };
      const second = reconcileCanary({ ...input, status: first.status });
      expect(second.status).toStrictEqual(first.status);
      expect(second.events).toEqual([]);
      expect(second.analysisRuns).toEqual(first.analysisRuns);
    }
  });
});

describe('held on an Inconclusive run the operator moved past', () => {
  it('keeps saying which run it is paused on, reconcile after reconcile', () => {
    const steps = [{ setWeight: 20 }, { analysis: SUCCESS_RATE }, { pause: { duration: '5s' } }];
    const held: RolloutSpecView = {
      replicas: 1,
      strategy: { canary: { steps, maxSurge: 1, maxUnavailable: 1 } },
    };
    let world = stableWorldFor(reconcileCanary, held);
    const versions = { next: 2 };
    const ops: OperatorOperation[] = [{ kind: 'newVersion' }, { kind: 'pause' }, { kind: 'promote' }];
    for (const op of ops) world = reconcileOnce(reconcileCanary, applyOperation(world, op, versions)).world;
    world = reconcileOnce(
      reconcileCanary,
      finishRuns(world, 'step', 'Inconclusive', 'metric "x": Inconclusive'),
    ).world;
    // promote past the Inconclusive run, then past the next step (spec.paused holds it meanwhile)
    for (let i = 0; i < 2; i++)
      world = reconcileOnce(reconcileCanary, applyOperation(world, { kind: 'promote' }, versions)).world;
    expect(world.status.currentStepIndex).toBe(2);
    // the driver fed the status back once and found it unchanged; the message names the run
    expect(world.status.message).toContain('analysis run web-v2-1-s1 Inconclusive: metric "x": Inconclusive');
  });
});
