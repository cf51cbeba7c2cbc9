/**
 * Blue-green scenarios through the pure simulated cluster. Every reconcile is checked by the
 * driver for idempotency (feeding the decision back changes nothing, emits nothing).
 */
import { describe, expect, it } from 'vitest';
import { reconcileBlueGreen } from './reconcile.ts';
import { reasons, reconcileOnce, settle } from '../../test/support/strategies/reconcile-driver.ts';
import {
  advanceClock,
  analysisRun,
  deployVersion,
  finishRuns,
  makeAvailable,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { stableWorldFor, withSpec, withStatus } from '../../test/support/strategies/world-edits.ts';
import type { BlueGreenStrategySpec, RolloutSpecView } from '../types.ts';

const strategy = reconcileBlueGreen;
const ANALYSIS = { templates: [{ templateName: 'smoke' }] };

function specWith(blueGreen: Partial<BlueGreenStrategySpec> = {}, replicas = 3): RolloutSpecView {
  return {
    replicas,
    strategy: { blueGreen: { activeService: 'web-active', previewService: 'web-preview', ...blueGreen } },
  };
}

/** v1 settled and active, then v2 deployed and reconciled until nothing changes. */
function deployV2(blueGreen: Partial<BlueGreenStrategySpec> = {}, replicas = 3) {
  const stable = stableWorldFor(strategy, specWith(blueGreen, replicas));
  return settle(strategy, deployVersion(stable, 'v2'));
}

const promote = (world: SimulatedWorld) => withStatus(world, { pauseConditions: undefined });

describe('blue-green: first deployment', () => {
  it('goes straight to active once all pods of v1 are available', () => {
    const fresh: SimulatedWorld = {
      generation: 1,
      spec: specWith(),
      status: {},
      currentPodHash: 'v1',
      replicaSets: [
        { hash: 'v1', revision: 1, specReplicas: 0, replicas: 0, readyReplicas: 0, availableReplicas: 0 },
      ],
      now: Date.parse('2024-01-01T00:00:00Z'),
    };
    const first = reconcileOnce(strategy, fresh);
    expect(first.decision.replicaSets).toEqual({ v1: 3 });
    expect(first.decision.selectors).toEqual({});
    expect(first.decision.status).toMatchObject({ stableRS: 'v1', phase: 'Progressing' });
    const partly = reconcileOnce(strategy, makeAvailable(first.world, 'v1', 2));
    expect(partly.decision.selectors).toEqual({});
    const settled = settle(strategy, makeAvailable(partly.world));
    expect(settled.world.status).toMatchObject({
      phase: 'Healthy',
      blueGreen: { activeSelector: 'v1', previewSelector: 'v1' },
    });
    expect(settled.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });
    expect(reasons(settled.events)).toEqual(['ActiveServiceSwitched']);
  });
});

describe('blue-green: promotion', () => {
  it('previews v2 next to v1, then switches the active Service once v2 is fully available', () => {
    const stable = stableWorldFor(strategy, specWith());
    const started = reconcileOnce(strategy, deployVersion(stable, 'v2'));
    expect(started.decision.selectors).toEqual({ canary: 'v2', stable: 'v1' });
    expect(specCounts(started.world, 'v1', 'v2')).toEqual([3, 3]);
    // Two of three v2 pods available: still previewing, active unchanged.
    const lagging = reconcileOnce(strategy, makeAvailable(started.world, 'v2', 2));
    expect(lagging.decision.selectors.stable).toBe('v1');
    const done = settle(strategy, lagging.world);
    expect(done.world.status).toMatchObject({
      stableRS: 'v2',
      phase: 'Healthy',
      blueGreen: { activeSelector: 'v2', previewSelector: 'v2' },
    });
    expect(reasons(done.events)).toEqual(['ActiveServiceSwitched', 'RolloutCompleted']);
    // The old version stays for scaleDownDelaySeconds (30 s), then goes.
    expect(specCounts(done.world, 'v1', 'v2')).toEqual([3, 3]);
    expect(done.decision.requeueAfterMs).toBe(30_000);
    const later = settle(strategy, advanceClock(done.world, 30_000));
    expect(specCounts(later.world, 'v1', 'v2')).toEqual([0, 3]);
  });

  it('pauses before the switch when autoPromotionEnabled is false, until promoted', () => {
    const { world } = deployV2({ autoPromotionEnabled: false });
    expect(world.status).toMatchObject({
      phase: 'Paused',
      controllerPause: true,
      pauseConditions: [{ reason: 'BlueGreenPause' }],
      blueGreen: { activeSelector: 'v1', previewSelector: 'v2' },
    });
    const waited = settle(strategy, advanceClock(world, 3_600_000));
    expect(waited.world.status.blueGreen?.activeSelector).toBe('v1');
    const promoted = settle(strategy, promote(waited.world));
    expect(reasons(promoted.events)).toEqual([
      'RolloutPromoted',
      'ActiveServiceSwitched',
      'RolloutCompleted',
    ]);
    expect(promoted.world.status).toMatchObject({ stableRS: 'v2', blueGreen: { activeSelector: 'v2' } });
    expect(promoted.world.status.pauseConditions).toBeUndefined();
    expect(promoted.world.status.controllerPause).toBeUndefined();
  });

  it('scales the preview to previewReplicaCount, and to spec.replicas before the switch', () => {
    const { world } = deployV2({ previewReplicaCount: 1, autoPromotionEnabled: false });
    expect(specCounts(world, 'v1', 'v2')).toEqual([3, 1]);
    const promoted = reconcileOnce(strategy, promote(world));
    expect(specCounts(promoted.world, 'v1', 'v2')).toEqual([3, 3]);
    expect(promoted.world.status.blueGreen?.scaleUpPreviewCheckPoint).toBe(true);
    // 2 of 3 available: no switch yet.
    const partly = reconcileOnce(strategy, makeAvailable(promoted.world, 'v2', 1));
    expect(partly.decision.selectors.stable).toBe('v1');
    const switched = reconcileOnce(strategy, makeAvailable(partly.world));
    expect(switched.decision.selectors).toEqual({ canary: 'v2', stable: 'v2' });
  });

  it('promotes on its own autoPromotionSeconds after the preview is ready', () => {
    const { world, decision } = deployV2({ autoPromotionSeconds: 20 });
    expect(world.status.pauseConditions?.map((pause) => pause.reason)).toEqual(['BlueGreenPause']);
    expect(decision.requeueAfterMs).toBe(20_000);
    expect(settle(strategy, advanceClock(world, 19_999)).world.status.blueGreen?.activeSelector).toBe('v1');
    const promoted = settle(strategy, advanceClock(world, 20_000));
    expect(reasons(promoted.events)).toEqual(['RolloutResumed', 'ActiveServiceSwitched', 'RolloutCompleted']);
    expect(promoted.world.status.stableRS).toBe('v2');
  });

  it('promote --full skips the pause and both analyses', () => {
    const { world } = deployV2({
      autoPromotionEnabled: false,
      prePromotionAnalysis: ANALYSIS,
      postPromotionAnalysis: ANALYSIS,
    });
    const full = settle(strategy, withStatus(world, { promoteFull: true }));
    expect(full.world.status).toMatchObject({ stableRS: 'v2', blueGreen: { activeSelector: 'v2' } });
    expect(full.world.status.promoteFull).toBeUndefined();
    expect(full.world.analysisRuns?.map((run) => run.id)).toEqual(['v2-1-pre']);
  });

  it('holds everything under spec.paused and carries on when unpaused', () => {
    const stable = stableWorldFor(strategy, specWith());
    const held = settle(strategy, withSpec(deployVersion(stable, 'v2'), { paused: true }));
    expect(specCounts(held.world, 'v1', 'v2')).toEqual([3, 0]);
    expect(held.world.status.phase).toBe('Paused');
    const resumed = settle(strategy, withSpec(held.world, { paused: false }));
    expect(resumed.world.status).toMatchObject({ stableRS: 'v2', phase: 'Healthy' });
  });
});

describe('blue-green: analysis', () => {
  it('runs the pre-promotion analysis once the preview is ready; success lets the switch happen', () => {
    const { world } = deployV2({ prePromotionAnalysis: ANALYSIS });
    expect(world.analysisRuns).toEqual([expect.objectContaining({ id: 'v2-1-pre', kind: 'prePromotion' })]);
    expect(world.status.blueGreen).toMatchObject({
      activeSelector: 'v1',
      prePromotionAnalysisRunStatus: { name: 'web-v2-1-pre', status: 'Running' },
    });
    const passed = settle(strategy, finishRuns(world, 'prePromotion', 'Successful'));
    expect(passed.world.status).toMatchObject({ stableRS: 'v2', blueGreen: { activeSelector: 'v2' } });
  });

  it('a failing pre-promotion analysis aborts and leaves the active Service untouched', () => {
    const { world } = deployV2({ prePromotionAnalysis: ANALYSIS });
    const failed = settle(strategy, finishRuns(world, 'prePromotion', 'Failed', 'metric "ok" failed'));
    expect(failed.world.status).toMatchObject({
      phase: 'Degraded',
      abort: true,
      stableRS: 'v1',
      blueGreen: { activeSelector: 'v1', previewSelector: 'v1' },
    });
    expect(failed.world.status.message).toContain(
      'pre-promotion analysis run web-v2-1-pre Failed: metric "ok" failed',
    );
    expect(reasons(failed.events)).toEqual(['RolloutAborted']);
    expect(failed.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });
    // The aborted version keeps its pods for abortScaleDownDelaySeconds (30 s).
    expect(specCounts(failed.world, 'v1', 'v2')).toEqual([3, 3]);
    const later = settle(strategy, advanceClock(failed.world, 30_000));
    expect(specCounts(later.world, 'v1', 'v2')).toEqual([3, 0]);
    // Retry: a new attempt with a new run.
    const retried = settle(strategy, withStatus(later.world, { abort: false }));
    expect(reasons(retried.events)).toEqual(['RolloutRetried']);
    expect(analysisRun(retried.world, 'v2-2-pre')?.phase).toBe('Running');
    expect(retried.world.status.blueGreen?.activeSelector).toBe('v1');
  });

  it('post-promotion failure switches the active Service back to the previous stable version', () => {
    const { world } = deployV2({ postPromotionAnalysis: ANALYSIS });
    expect(world.status).toMatchObject({
      stableRS: 'v1',
      blueGreen: { activeSelector: 'v2', postPromotionAnalysisRunStatus: { status: 'Running' } },
    });
    // The previous version is still at full size: the scale-down delay has not started.
    expect(specCounts(world, 'v1', 'v2')).toEqual([3, 3]);
    const failed = settle(strategy, finishRuns(world, 'postPromotion', 'Failed'));
    expect(failed.events[1]).toMatchObject({
      reason: 'ActiveServiceSwitched',
      message: 'Active Service "web-active" switched from v2 to v1 (back to the stable version)',
    });
    expect(failed.world.status).toMatchObject({
      phase: 'Degraded',
      stableRS: 'v1',
      blueGreen: { activeSelector: 'v1' },
    });
    expect(specCounts(settle(strategy, advanceClock(failed.world, 30_000)).world, 'v1', 'v2')).toEqual([
      3, 0,
    ]);
  });

  it('post-promotion success makes the new version stable and starts the scale-down delay', () => {
    const { world } = deployV2({ postPromotionAnalysis: ANALYSIS, scaleDownDelaySeconds: 5 });
    const passed = settle(strategy, finishRuns(world, 'postPromotion', 'Successful'));
    expect(passed.world.status).toMatchObject({ stableRS: 'v2', phase: 'Healthy' });
    expect(passed.decision.requeueAfterMs).toBe(5_000);
  });

  it('an Inconclusive pre-promotion run pauses until promoted', () => {
    const { world } = deployV2({ prePromotionAnalysis: ANALYSIS });
    const paused = settle(strategy, finishRuns(world, 'prePromotion', 'Inconclusive'));
    expect(paused.world.status).toMatchObject({
      phase: 'Paused',
      pauseConditions: [{ reason: 'InconclusiveAnalysisRun' }],
      blueGreen: { activeSelector: 'v1' },
    });
    const promoted = settle(strategy, promote(paused.world));
    expect(promoted.world.status).toMatchObject({ stableRS: 'v2', blueGreen: { activeSelector: 'v2' } });
  });

  it('an Inconclusive post-promotion run pauses; abort switches back, promote accepts', () => {
    const { world } = deployV2({ postPromotionAnalysis: ANALYSIS });
    const paused = settle(strategy, finishRuns(world, 'postPromotion', 'Inconclusive'));
    expect(paused.world.status).toMatchObject({ phase: 'Paused', blueGreen: { activeSelector: 'v2' } });
    const aborted = settle(strategy, withStatus(paused.world, { abort: true }));
    expect(aborted.world.status.blueGreen?.activeSelector).toBe('v1');
    const accepted = settle(strategy, promote(paused.world));
    expect(accepted.world.status).toMatchObject({ stableRS: 'v2', phase: 'Healthy' });
  });
});

describe('blue-green: operations and new versions', () => {
  it('abort during the preview keeps active on v1; abortScaleDownDelaySeconds 0 keeps the preview pods', () => {
    const { world } = deployV2({ autoPromotionEnabled: false, abortScaleDownDelaySeconds: 0 });
    const aborted = settle(strategy, advanceClock(withStatus(world, { abort: true }), 0));
    expect(aborted.world.status).toMatchObject({ phase: 'Degraded', blueGreen: { activeSelector: 'v1' } });
    expect(aborted.world.status.pauseConditions).toBeUndefined();
    expect(specCounts(settle(strategy, advanceClock(aborted.world, 3_600_000)).world, 'v1', 'v2')).toEqual([
      3, 3,
    ]);
  });

  it('a new version during the post-promotion analysis sends the active Service back to the stable one', () => {
    const { world } = deployV2({ postPromotionAnalysis: ANALYSIS });
    const v3 = reconcileOnce(strategy, deployVersion(world, 'v3'));
    expect(v3.decision.selectors).toEqual({ canary: 'v3', stable: 'v1' });
    // v2, which the active Service selected until now, leaves after scaleDownDelaySeconds.
    expect(specCounts(v3.world, 'v1', 'v2', 'v3')).toEqual([3, 3, 3]);
    const later = settle(strategy, advanceClock(makeAvailable(v3.world), 30_000));
    expect(specCounts(later.world, 'v1', 'v2', 'v3')).toEqual([3, 0, 3]);
  });

  it('going back to the stable version during the preview ends it at once', () => {
    const { world } = deployV2({ autoPromotionEnabled: false });
    const back = settle(strategy, deployVersion(world, 'v1'));
    expect(back.world.status).toMatchObject({ phase: 'Healthy', stableRS: 'v1', currentPodHash: 'v1' });
    expect(back.world.status.pauseConditions).toBeUndefined();
  });

  it('reports an invalid previewReplicaCount naming the field', () => {
    expect(() => stableWorldFor(strategy, specWith({ previewReplicaCount: -1 }))).toThrow(
      'spec.strategy.blueGreen.previewReplicaCount: must be a non-negative integer, got -1',
    );
  });
});
