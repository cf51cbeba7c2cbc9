/**
 * Argo Rollouts' scaling fields: minPodsPerReplicaSet (a canary or stable with pods, with a
 * router, has at least the floor) and scaleDownDelayRevisionLimit (at most N old ReplicaSets wait
 * out the scale-down delay; older ones go at once), for the canary and blue-green.
 */
import { describe, expect, it } from 'vitest';
import { reconcileBlueGreen } from './blue-green/reconcile.ts';
import { reconcileCanary } from './canary/reconcile.ts';
import { InvalidSpecError } from './kernel/invalid-spec.ts';
import { settle } from '../test/support/strategies/reconcile-driver.ts';
import { routedCanarySpec } from '../test/support/strategies/canary-world.ts';
import {
  deployVersion,
  specCounts,
  type SimulatedWorld,
} from '../test/support/strategies/simulated-cluster.ts';
import { freshWorld, stableWorldFor } from '../test/support/strategies/world-edits.ts';
import type { CanaryStrategySpec, RolloutSpecView, StrategyInput } from './types.ts';

type Strategy = typeof reconcileCanary;

const settled = (strategy: Strategy, w: SimulatedWorld) => settle(strategy, w).world;

function routedCanary(
  extra: Partial<CanaryStrategySpec>,
  steps: CanaryStrategySpec['steps'],
): RolloutSpecView {
  return routedCanarySpec({ steps, ...extra });
}

describe('minPodsPerReplicaSet', () => {
  it('gives a canary with a small weight at least the floor of pods (with a router)', () => {
    const steps = [{ setWeight: 5 }, { pause: {} }];
    const floor = settled(
      reconcileCanary,
      deployVersion(stableWorldFor(reconcileCanary, routedCanary({ minPodsPerReplicaSet: 3 }, steps)), 'v2'),
    );
    expect(specCounts(floor, 'v2', 'v1')).toEqual([3, 10]);
    const none = settled(
      reconcileCanary,
      deployVersion(stableWorldFor(reconcileCanary, routedCanary({}, steps)), 'v2'),
    );
    expect(specCounts(none, 'v2', 'v1')).toEqual([1, 10]);
  });

  it('keeps the floor for a stable that dynamicStableScale shrinks', () => {
    const steps = [{ setWeight: 90 }, { pause: {} }];
    const spec = routedCanary({ minPodsPerReplicaSet: 4, dynamicStableScale: true }, steps);
    const w = settled(reconcileCanary, deployVersion(stableWorldFor(reconcileCanary, spec), 'v2'));
    expect(specCounts(w, 'v2', 'v1')).toEqual([9, 4]);
  });

  it('is InvalidSpec without trafficRouting, naming the field', () => {
    const spec: RolloutSpecView = {
      replicas: 4,
      strategy: { canary: { steps: [{ setWeight: 50 }], minPodsPerReplicaSet: 2 } },
    };
    const input: StrategyInput = { ...freshWorld(spec), analysisRuns: [] };
    expect(() => reconcileCanary(input)).toThrow(InvalidSpecError);
    expect(() => reconcileCanary(input)).toThrow(
      /spec\.strategy\.canary\.minPodsPerReplicaSet: requires trafficRouting/,
    );
  });
});

describe('scaleDownDelayRevisionLimit', () => {
  const canaryRollout = (limit?: number) =>
    routedCanary(
      { scaleDownDelaySeconds: 600, ...(limit === undefined ? {} : { scaleDownDelayRevisionLimit: limit }) },
      [{ setWeight: 50 }],
    );
  /** v1 stable, then v2 and v3 promoted one after the other within the delay. */
  const twoUpdates = (strategy: Strategy, spec: RolloutSpecView) => {
    const v2 = settled(strategy, deployVersion(stableWorldFor(strategy, spec), 'v2'));
    return settled(strategy, deployVersion(v2, 'v3'));
  };

  it('canary: the previous stable waits out the delay unless the limit is 0', () => {
    // (An older stable leaves as soon as the next update starts: only one ever waits in a canary.)
    expect(specCounts(twoUpdates(reconcileCanary, canaryRollout()), 'v3', 'v2', 'v1')).toEqual([10, 10, 0]);
    expect(specCounts(twoUpdates(reconcileCanary, canaryRollout(1)), 'v3', 'v2', 'v1')).toEqual([10, 10, 0]);
    expect(specCounts(twoUpdates(reconcileCanary, canaryRollout(0)), 'v3', 'v2', 'v1')).toEqual([10, 0, 0]);
  });

  it('blue-green: the same limit on the previous active versions', () => {
    const blueGreen = (limit?: number): RolloutSpecView => ({
      replicas: 3,
      strategy: {
        blueGreen: {
          activeService: 'web-active',
          scaleDownDelaySeconds: 600,
          ...(limit === undefined ? {} : { scaleDownDelayRevisionLimit: limit }),
        },
      },
    });
    expect(specCounts(twoUpdates(reconcileBlueGreen, blueGreen()), 'v3', 'v2', 'v1')).toEqual([3, 3, 3]);
    expect(specCounts(twoUpdates(reconcileBlueGreen, blueGreen(1)), 'v3', 'v2', 'v1')).toEqual([3, 3, 0]);
  });
});
