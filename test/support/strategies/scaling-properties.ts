/** ReplicaSet views and the scaling properties shared by the tests of every ReplicaSet planner. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  effectiveAvailable,
  minAvailable,
  resolveRollingLimits,
  targetsReached,
  type ScalingPlanInput,
} from '../../../strategies/kernel/replicas.ts';
import type { ReplicaSetView } from '../../../strategies/types.ts';
import { scaleReplicaSet } from './simulated-cluster.ts';

/** A ReplicaSet view with `spec` pods, `available` of them available. */
export function rs(hash: string, revision: number, spec: number, available = spec): ReplicaSetView {
  return {
    hash,
    revision,
    specReplicas: spec,
    replicas: spec,
    readyReplicas: available,
    availableReplicas: available,
  };
}

/** Arbitrary: a rollout mid-flight with ReplicaSets in any state and targets summing to replicas. */
export const scalingSituation = fc
  .record({
    replicas: fc.integer({ min: 0, max: 30 }),
    surge: fc.integer({ min: 0, max: 10 }),
    unavailable: fc.integer({ min: 0, max: 10 }),
    sets: fc.array(
      fc.record({
        spec: fc.integer({ min: 0, max: 35 }),
        availableShare: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    split: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ replicas, surge, unavailable, sets, split }) => {
    const limits = resolveRollingLimits(replicas, { maxSurge: surge, maxUnavailable: unavailable }, 'spec');
    const views = sets.map(({ spec, availableShare }, index) =>
      rs(`rs${index}`, index + 1, spec, Math.floor(spec * availableShare)),
    );
    // Distribute `replicas` over the ReplicaSets as targets.
    const weights = views.map((_, index) => split[index] ?? 0);
    const weightSum = weights.reduce((a, b) => a + b, 0) || 1;
    const targets: Record<string, number> = {};
    let left = replicas;
    views.forEach((view, index) => {
      const share =
        index === views.length - 1
          ? left
          : Math.min(left, Math.floor((replicas * (weights[index] ?? 0)) / weightSum));
      targets[view.hash] = share;
      left -= share;
    });
    return { replicas, limits, views, targets };
  });

const sum = (numbers: number[]): number => numbers.reduce((a, b) => a + b, 0);

/**
 * The invariants every ReplicaSet planner keeps (`planReplicaSetScaling` and the planners built
 * on it), asserted over arbitrary situations.
 */
export function scalingProperties(
  name: string,
  plan: (input: ScalingPlanInput) => Record<string, number>,
): void {
  describe(`${name}: properties`, () => {
    it('never exceeds replicas + maxSurge (beyond what already runs) and moves every RS toward its target', () => {
      fc.assert(
        fc.property(scalingSituation, ({ replicas, limits, views, targets }) => {
          const desired = plan({ replicas, limits, views, targets });
          const before = sum(views.map((view) => view.specReplicas));
          const after = sum(views.map((view) => desired[view.hash] ?? Number.NaN));
          expect(after).toBeLessThanOrEqual(Math.max(before, replicas + limits.maxSurge));
          for (const view of views) {
            const next = desired[view.hash] ?? Number.NaN;
            const target = targets[view.hash] ?? 0;
            expect(next).toBeGreaterThanOrEqual(Math.min(view.specReplicas, target));
            expect(next).toBeLessThanOrEqual(Math.max(view.specReplicas, target));
          }
        }),
      );
    });

    it('never takes available pods below the minimum, given what is available now', () => {
      fc.assert(
        fc.property(scalingSituation, ({ replicas, limits, views, targets }) => {
          const desired = plan({ replicas, limits, views, targets });
          const availableBefore = sum(views.map(effectiveAvailable));
          const scaled = views.map((view) => scaleReplicaSet(view, desired[view.hash] ?? view.specReplicas));
          const availableAfter = sum(scaled.map((view) => view.availableReplicas));
          expect(availableAfter).toBeGreaterThanOrEqual(
            Math.min(availableBefore, minAvailable(replicas, limits)),
          );
        }),
      );
    });

    it('converges to the targets when pods turn available', () => {
      fc.assert(
        fc.property(
          scalingSituation,
          fc.integer({ min: 1, max: 5 }),
          ({ replicas, limits, views, targets }, pace) => {
            let world = views;
            for (let round = 0; round < 200 && !targetsReached(world, targets); round++) {
              const desired = plan({ replicas, limits, views: world, targets });
              // Pods start up `pace` at a time per ReplicaSet.
              world = world.map((view) => {
                const scaled = scaleReplicaSet(view, desired[view.hash] ?? view.specReplicas);
                const availableReplicas = Math.min(scaled.replicas, scaled.availableReplicas + pace);
                return { ...scaled, availableReplicas, readyReplicas: availableReplicas };
              });
            }
            expect(targetsReached(world, targets)).toBe(true);
          },
        ),
      );
    });
  });
}
