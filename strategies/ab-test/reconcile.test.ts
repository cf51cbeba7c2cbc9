/**
 * A/B test scenarios through the pure simulated cluster. Every reconcile is checked by the driver
 * for idempotency (feeding the decision back changes nothing, emits nothing) and completeness.
 */
import { describe, expect, it } from 'vitest';
import { reconcileAbTest } from './reconcile.ts';
import { reasons, reconcileOnce, settle } from '../../test/support/strategies/reconcile-driver.ts';
import {
  advanceClock,
  analysisRun,
  deployVersion,
  finishRuns,
  specCounts,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import { stableWorldFor, withSpec, withStatus } from '../../test/support/strategies/world-edits.ts';
import type { AbTestStrategySpec, RolloutSpecView } from '../types.ts';

const strategy = reconcileAbTest;
const COMPARE = { templates: [{ templateName: 'compare' }] };

function specWith(abTest: Partial<AbTestStrategySpec> = {}, replicas = 4): RolloutSpecView {
  return {
    replicas,
    strategy: {
      abTest: {
        variants: {
          a: { service: 'shop-a', name: 'control' },
          b: { service: 'shop-b', name: 'new-checkout' },
        },
        split: { a: 50, b: 50 },
        stickiness: { cookie: { name: 'variant' } },
        trafficRouting: { gatewayAPI: { httpRoute: 'shop' } },
        analysis: COMPARE,
        ...abTest,
      },
    },
  };
}

function deployV2(abTest: Partial<AbTestStrategySpec> = {}, replicas = 4) {
  return settle(strategy, deployVersion(stableWorldFor(strategy, specWith(abTest, replicas)), 'v2'));
}

const promote = (world: SimulatedWorld) => withStatus(world, { pauseConditions: undefined });

describe('A/B test: the test runs', () => {
  it('serves A and B side by side at the split, pods in proportion, waiting for the comparison', () => {
    const { world, decision, events } = deployV2();
    expect(specCounts(world, 'v1', 'v2')).toEqual([2, 2]);
    expect(decision.traffic).toEqual({
      canaryWeight: 50,
      headerRoutes: [],
      mirrorRoutes: [],
      stickiness: { cookie: { name: 'variant' } },
    });
    expect(decision.selectors).toEqual({ canary: 'v2', stable: 'v1' });
    expect(decision.analysisRuns).toEqual([
      { id: 'v2-1-bg', kind: 'background', templates: COMPARE.templates },
    ]);
    expect(world.status).toMatchObject({
      phase: 'Progressing',
      stableRS: 'v1',
      currentPodHash: 'v2',
      abTest: {
        split: { a: 50, b: 50 },
        variantAHash: 'v1',
        variantBHash: 'v2',
        attempt: 1,
        currentBackgroundAnalysisRunStatus: { name: 'web-v2-1-bg', status: 'Running' },
      },
    });
    expect(world.status.message).toContain('waiting for comparison analysis run web-v2-1-bg (Running)');
    expect(reasons(events)).toEqual(['AbTestStarted']);
  });

  it('moves traffic to a new split only once B has the pods for it', () => {
    const stable = stableWorldFor(strategy, specWith({ steps: [{ setSplit: { a: 80, b: 20 } }] }, 10));
    const first = reconcileOnce(strategy, deployVersion(stable, 'v2'));
    // B gets 2 pods for 20%; none is available yet, so the router keeps all traffic on A.
    expect(first.decision.replicaSets).toEqual({ v1: 10, v2: 2 });
    expect(first.decision.traffic?.canaryWeight).toBe(0);
    const settled = settle(strategy, first.world);
    expect(specCounts(settled.world, 'v1', 'v2')).toEqual([5, 5]);
    expect(settled.decision.traffic?.canaryWeight).toBe(50);
    expect(reasons(settled.events)).toEqual(['RolloutStepCompleted']);
  });

  it('raises the split step by step, pausing where the steps say', () => {
    const { world, events } = deployV2({
      steps: [{ setSplit: { a: 90, b: 10 } }, { pause: { duration: '1m' } }, { setSplit: { a: 50, b: 50 } }],
    });
    expect(world.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 1,
      abTest: { split: { a: 90, b: 10 } },
    });
    expect(specCounts(world, 'v1', 'v2')).toEqual([4, 1]);
    expect(reasons(events)).toEqual(['AbTestStarted', 'RolloutStepCompleted', 'RolloutPaused']);
    const later = settle(strategy, advanceClock(world, 60_000));
    expect(later.world.status).toMatchObject({
      phase: 'Progressing',
      currentStepIndex: 3,
      abTest: { split: { b: 50 } },
    });
  });
});

describe('A/B test: the comparison decides', () => {
  it('B significantly better: PromoteB, B becomes stable, A leaves after scaleDownDelaySeconds', () => {
    const { world } = deployV2({ scaleDownDelaySeconds: 10 });
    const decided = settle(
      strategy,
      finishRuns(world, 'background', 'Successful', 'metric "conversion" ... B better than A'),
    );
    expect(decided.world.status).toMatchObject({ stableRS: 'v2', phase: 'Progressing' });
    expect(decided.world.status.abTest?.decision).toBeUndefined();
    expect(reasons(decided.events)).toEqual(['AbTestDecision', 'RolloutCompleted']);
    expect(decided.events[0]?.message).toContain(
      'Decision PromoteB: background analysis run web-v2-1-bg Successful',
    );
    expect(decided.decision.selectors).toEqual({ canary: 'v2', stable: 'v2' });
    expect(decided.decision.traffic?.canaryWeight).toBe(0);
    expect(specCounts(decided.world, 'v1', 'v2')).toEqual([2, 4]);
    const done = settle(strategy, advanceClock(decided.world, 10_000));
    expect(specCounts(done.world, 'v1', 'v2')).toEqual([0, 4]);
    expect(done.world.status.phase).toBe('Healthy');
  });

  it('B significantly worse: KeepA, all traffic to A, B removed, the message says why', () => {
    const { world } = deployV2({ scaleDownDelaySeconds: 0 });
    const why =
      'metric "conversion" failed: value B worse than A: 5.0% vs 10.0% (z -2.71, p-value 0.0068 < alpha 0.05)';
    const decided = settle(strategy, finishRuns(world, 'background', 'Failed', why));
    expect(decided.world.status).toMatchObject({
      phase: 'Degraded',
      abort: true,
      stableRS: 'v1',
      abTest: { decision: 'KeepA', split: { a: 100, b: 0 } },
    });
    expect(decided.world.status.message).toBe(
      `KeepA: background analysis run web-v2-1-bg Failed: ${why}. B v2 removed, all traffic to A v1; set status.abort=false to test again`,
    );
    expect(specCounts(decided.world, 'v1', 'v2')).toEqual([4, 0]);
    expect(decided.decision.selectors).toEqual({ canary: 'v1', stable: 'v1' });
    expect(decided.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'AbTestDecision']]);

    // Retry: the test starts over with a new attempt (new AnalysisRuns).
    const retried = settle(strategy, withStatus(decided.world, { abort: false }));
    expect(retried.world.status).toMatchObject({
      phase: 'Progressing',
      abTest: { attempt: 2, split: { b: 50 } },
    });
    expect(retried.decision.analysisRuns?.map((run) => run.id)).toEqual(['v2-2-bg']);
    expect(reasons(retried.events)).toEqual(['RolloutRetried']);
  });

  it('no significant difference: Wait by default; promote chooses B, abort keeps A', () => {
    const { world } = deployV2();
    const waiting = settle(
      strategy,
      finishRuns(world, 'background', 'Inconclusive', 'no significant difference'),
    );
    expect(waiting.world.status).toMatchObject({
      phase: 'Paused',
      controllerPause: true,
      pauseConditions: [{ reason: 'AbTestDecision' }],
      abTest: { decision: 'Wait', split: { b: 50 } },
    });
    expect(waiting.world.status.message).toContain(
      'waiting for a decision: background analysis run web-v2-1-bg Inconclusive',
    );
    expect(specCounts(waiting.world, 'v1', 'v2')).toEqual([2, 2]);

    const promoted = settle(strategy, promote(waiting.world));
    expect(promoted.world.status.stableRS).toBe('v2');
    expect(promoted.events[0]?.message).toBe('Decision PromoteB: by an operator');

    const kept = settle(strategy, withStatus(waiting.world, { abort: true }));
    expect(kept.world.status).toMatchObject({ phase: 'Degraded', abTest: { decision: 'KeepA' } });
    expect(kept.world.status.message).toContain(
      'KeepA: aborted by an operator after background analysis run web-v2-1-bg Inconclusive',
    );
  });

  it('promote --full chooses B at once, during the steps too', () => {
    const { world } = deployV2({ steps: [{ setSplit: { a: 90, b: 10 } }, { pause: {} }] });
    expect(world.status.phase).toBe('Paused');
    const promoted = settle(strategy, withStatus(world, { promoteFull: true }));
    expect(promoted.world.status).toMatchObject({ stableRS: 'v2', currentPodHash: 'v2' });
    expect(promoted.world.status.promoteFull).toBeUndefined();
    expect(promoted.events[0]?.message).toBe('Decision PromoteB: by an operator');
  });

  it('follows decision.onInconclusive and decision.onSuccess when declared', () => {
    const { world } = deployV2({ decision: { onInconclusive: 'KeepA' } });
    const kept = settle(strategy, finishRuns(world, 'background', 'Inconclusive'));
    expect(kept.world.status.abTest?.decision).toBe('KeepA');
    const waiting = deployV2({ decision: { onSuccess: 'Wait' } });
    const wait = settle(strategy, finishRuns(waiting.world, 'background', 'Successful'));
    expect(wait.world.status).toMatchObject({ phase: 'Paused', abTest: { decision: 'Wait' } });
  });

  it('a failed step analysis decides through onFailure; a successful one only completes its step', () => {
    const steps = [{ setSplit: { a: 80, b: 20 } }, { analysis: COMPARE }, { setSplit: { a: 50, b: 50 } }];
    const { world } = deployV2({ steps, analysis: undefined });
    expect(analysisRun(world, 'v2-1-s1')?.phase).toBe('Running');
    const passed = settle(strategy, finishRuns(world, 'step', 'Successful'));
    // Steps done, no comparison analysis: a human decides.
    expect(passed.world.status).toMatchObject({
      phase: 'Paused',
      abTest: { decision: 'Wait', split: { b: 50 } },
    });
    const failed = settle(strategy, finishRuns(world, 'step', 'Failed', 'metric "errors" failed'));
    expect(failed.world.status).toMatchObject({ phase: 'Degraded', abTest: { decision: 'KeepA' } });
  });

  it('a new version of B during the test starts a new test against A', () => {
    const { world } = deployV2();
    const next = settle(strategy, deployVersion(world, 'v3'));
    expect(next.world.status).toMatchObject({ stableRS: 'v1', currentPodHash: 'v3', abTest: { attempt: 2 } });
    expect(next.decision.analysisRuns?.map((run) => run.id)).toEqual(['v3-2-bg']);
    expect(next.world.replicaSets.find((view) => view.hash === 'v2')?.scaleDownDeadline).toBeDefined();
  });

  it('spec.paused holds the split where it is; a verdict still decides', () => {
    const stable = stableWorldFor(strategy, specWith({ steps: [{ setSplit: { a: 80, b: 20 } }] }));
    const held = settle(strategy, withSpec(deployVersion(stable, 'v2'), { paused: true }));
    expect(held.world.status).toMatchObject({ phase: 'Paused', currentStepIndex: 0 });
    const decided = settle(strategy, finishRuns(held.world, 'background', 'Failed'));
    expect(decided.world.status.abTest?.decision).toBe('KeepA');
  });
});

describe('A/B test: invalid specs name the field', () => {
  it('rejects a setSplit above split.b and a malformed pause', () => {
    const world = stableWorldFor(strategy, specWith());
    expect(() =>
      strategy({ ...world, spec: specWith({ steps: [{ setSplit: { a: 40, b: 60 } }] }), analysisRuns: [] }),
    ).toThrow('spec.strategy.abTest.steps[0].setSplit.b: must not exceed split.b (50)');
    expect(() =>
      strategy({ ...world, spec: specWith({ steps: [{ pause: { duration: 'soon' } }] }), analysisRuns: [] }),
    ).toThrow('spec.strategy.abTest.steps[0].pause.duration');
  });
});
