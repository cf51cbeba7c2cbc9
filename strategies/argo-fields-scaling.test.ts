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
import {
  deployVersion,
  readyReplicaSet,
  specCounts,
  type SimulatedWorld,
} from '../test/support/strategies/simulated-cluster.ts';
import type { CanaryStrategySpec, RolloutSpecView, StrategyInput } from './types.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');
type Strategy = typeof reconcileCanary;

function world(spec: RolloutSpecView): SimulatedWorld {
  return {
    generation: 1,
    spec,
    status: {},
    currentPodHash: 'v1',
    replicaSets: [readyReplicaSet('v1', 1, spec.replicas ?? 1)],
    now: T0,
  };
}

const settled = (strategy: Strategy, w: SimulatedWorld) => settle(strategy, w).world;

function routedCanary(
  extra: Partial<CanaryStrategySpec>,
  steps: CanaryStrategySpec['steps'],
): RolloutSpecView {
  return {
    replicas: 10,
    strategy: {
      canary: {
        canaryService: 'web-canary',
        stableService: 'web-stable',
        trafficRouting: { nginx: { stableIngress: 'web' } },
        steps,
        ...extra,
      },
    },
  };
}

describe('minPodsPerReplicaSet', () => {
  it('gives a canary with a small weight at least the floor of pods (with a router)', () => {
    const steps = [{ setWeight: 5 }, { pause: {} }];
    const floor = settled(
      reconcileCanary,
      deployVersion(settled(reconcileCanary, world(routedCanary({ minPodsPerReplicaSet: 3 }, steps))), 'v2'),
    );
    expect(specCounts(floor, 'v2', 'v1')).toEqual([3, 10]);
    const none = settled(
      reconcileCanary,
      deployVersion(settled(reconcileCanary, world(routedCanary({}, steps))), 'v2'),
    );
    expect(specCounts(none, 'v2', 'v1')).toEqual([1, 10]);
  });

  it('keeps the floor for a stable that dynamicStableScale shrinks', () => {
    const steps = [{ setWeight: 90 }, { pause: {} }];
    const spec = routedCanary({ minPodsPerReplicaSet: 4, dynamicStableScale: true }, steps);
    const w = settled(reconcileCanary, deployVersion(settled(reconcileCanary, world(spec)), 'v2'));
    expect(specCounts(w, 'v2', 'v1')).toEqual([9, 4]);
  });

  it('is InvalidSpec without trafficRouting, naming the field', () => {
    const spec: RolloutSpecView = {
      replicas: 4,
      strategy: { canary: { steps: [{ setWeight: 50 }], minPodsPerReplicaSet: 2 } },
    };
    const input: StrategyInput = { ...world(spec), analysisRuns: [] };
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
    const v2 = settled(strategy, deployVersion(settled(strategy, world(spec)), 'v2'));
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
