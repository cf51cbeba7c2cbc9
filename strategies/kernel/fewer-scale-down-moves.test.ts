import { describe, expect, it } from 'vitest';
import { planScalingInFewerMoves } from './fewer-scale-down-moves.ts';
import { planReplicaSetScaling, resolveRollingLimits, type ScalingPlanInput } from './replicas.ts';
import { rs, scalingProperties } from '../../test/support/strategies/scaling-properties.ts';
import { scaleReplicaSet } from '../../test/support/strategies/simulated-cluster.ts';

// 5 replicas with the default limits: maxSurge 25% -> 2, maxUnavailable 25% -> 1
const limits = resolveRollingLimits(5, {}, 'spec');

/** Plans until the targets are reached, pods turning available at once; the sizes each RS took. */
function movesUntilReached(
  plan: (input: ScalingPlanInput) => Record<string, number>,
  input: ScalingPlanInput,
): Record<string, number[]> {
  let views = input.views;
  const moves: Record<string, number[]> = Object.fromEntries(views.map((view) => [view.hash, []]));
  for (let round = 0; round < 10; round++) {
    const desired = plan({ ...input, views });
    views = views.map((view) => {
      const next = desired[view.hash] ?? view.specReplicas;
      if (next !== view.specReplicas) moves[view.hash]?.push(next);
      const scaled = scaleReplicaSet(view, next);
      return { ...scaled, availableReplicas: scaled.replicas, readyReplicas: scaled.replicas };
    });
  }
  return moves;
}

describe('planScalingInFewerMoves', () => {
  // the bench canary's setWeight 60 after setWeight 20: canary 1 -> 3, stable 4 -> 2
  const step2: ScalingPlanInput = {
    replicas: 5,
    limits,
    views: [rs('stable', 1, 4), rs('canary', 2, 1)],
    targets: { canary: 3, stable: 2 },
    scaleUpFirst: ['canary'],
  };

  it('surges the canary first and takes the stable down in one move once it is available', () => {
    expect(planScalingInFewerMoves(step2)).toEqual({ stable: 4, canary: 3 });
    expect(movesUntilReached(planScalingInFewerMoves, step2)).toEqual({ stable: [2], canary: [3] });
    // what the plain plan does: the stable in two moves
    expect(movesUntilReached(planReplicaSetScaling, step2)).toEqual({ stable: [3, 2], canary: [3] });
  });

  it('holds the stable while the canary pods start, then moves it once', () => {
    const starting = { ...step2, views: [rs('stable', 1, 4), rs('canary', 2, 3, 1)] };
    expect(planScalingInFewerMoves(starting)).toEqual({ stable: 4, canary: 3 });
    const ready = { ...step2, views: [rs('stable', 1, 4), rs('canary', 2, 3)] };
    expect(planScalingInFewerMoves(ready)).toEqual({ stable: 2, canary: 3 });
  });

  it('takes the partial move when the scale-up needs the room it frees (maxSurge 0)', () => {
    const noSurge = { ...step2, limits: resolveRollingLimits(5, { maxSurge: 0, maxUnavailable: 1 }, 'spec') };
    expect(planScalingInFewerMoves(noSurge)).toEqual(planReplicaSetScaling(noSurge));
    expect(planScalingInFewerMoves(noSurge)).toEqual({ stable: 3, canary: 2 });
  });

  it('takes the partial move when every pod is available already (deferring would wait for nothing)', () => {
    const settled = {
      ...step2,
      views: [rs('stable', 1, 4), rs('canary', 2, 3)],
      targets: { canary: 3, stable: 0 },
    };
    expect(planScalingInFewerMoves(settled)).toEqual({ stable: 1, canary: 3 });
  });

  it('promotes with the stable going to its end size in one move', () => {
    const completing = {
      ...step2,
      views: [rs('stable', 1, 2), rs('canary', 2, 3)],
      targets: { canary: 5, stable: 0 },
    };
    expect(movesUntilReached(planScalingInFewerMoves, completing)).toEqual({ stable: [0], canary: [5] });
  });
});

scalingProperties('planScalingInFewerMoves', planScalingInFewerMoves);
