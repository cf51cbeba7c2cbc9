import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSpecError } from './invalid-spec.ts';
import {
  canaryReplicasForWeight,
  planReplicaSetScaling,
  resolveIntOrPercent,
  resolveRollingLimits,
  splitReplicasForWeight,
  targetsReached,
  type RollingLimits,
} from './replicas.ts';
import { rs, scalingProperties } from '../../test/support/strategies/scaling-properties.ts';

describe('resolveIntOrPercent', () => {
  it('rounds maxSurge percentages up and maxUnavailable down, like Deployments', () => {
    expect(resolveIntOrPercent('25%', 5, true, 'f')).toBe(2);
    expect(resolveIntOrPercent('25%', 5, false, 'f')).toBe(1);
    expect(resolveIntOrPercent('10%', 3, true, 'f')).toBe(1);
    expect(resolveIntOrPercent('10%', 3, false, 'f')).toBe(0);
    expect(resolveIntOrPercent(3, 100, false, 'f')).toBe(3);
  });

  it('rejects malformed values with an error naming the field', () => {
    expect(() => resolveIntOrPercent('25', 5, true, 'spec.strategy.rolling.maxSurge')).toThrow(
      InvalidSpecError,
    );
    expect(() => resolveIntOrPercent(-1, 5, true, 'spec.x')).toThrow(/spec\.x/);
    expect(() => resolveIntOrPercent(1.5, 5, true, 'spec.x')).toThrow(InvalidSpecError);
  });
});

describe('resolveRollingLimits', () => {
  it('defaults to 25% / 25%', () => {
    expect(resolveRollingLimits(5, {}, 'spec')).toEqual({ maxSurge: 2, maxUnavailable: 1 });
    expect(resolveRollingLimits(4, {}, 'spec')).toEqual({ maxSurge: 1, maxUnavailable: 1 });
  });

  it('turns 0/0 into maxUnavailable 1 so pods can move', () => {
    expect(resolveRollingLimits(5, { maxSurge: 0, maxUnavailable: 0 }, 'spec')).toEqual({
      maxSurge: 0,
      maxUnavailable: 1,
    });
    // 25% of 1 rounds down to 0 unavailable; surge rounds up to 1.
    expect(resolveRollingLimits(1, { maxSurge: '0%', maxUnavailable: '25%' }, 'spec')).toEqual({
      maxSurge: 0,
      maxUnavailable: 1,
    });
  });

  it('never lets more pods be unavailable than there are replicas', () => {
    expect(resolveRollingLimits(2, { maxUnavailable: 5 }, 'spec').maxUnavailable).toBe(2);
  });
});

describe('canary replicas for a weight (no traffic router)', () => {
  it('rounds the canary up and gives the stable the rest', () => {
    expect(splitReplicasForWeight(5, 20)).toEqual({ canary: 1, stable: 4 });
    expect(splitReplicasForWeight(5, 60)).toEqual({ canary: 3, stable: 2 });
    expect(splitReplicasForWeight(5, 1)).toEqual({ canary: 1, stable: 4 });
    expect(splitReplicasForWeight(5, 0)).toEqual({ canary: 0, stable: 5 });
    expect(splitReplicasForWeight(5, 100)).toEqual({ canary: 5, stable: 0 });
    expect(canaryReplicasForWeight(10, 70)).toBe(7);
  });

  it('always sums to replicas', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 100 }), (replicas, weight) => {
        const { canary, stable } = splitReplicasForWeight(replicas, weight);
        expect(canary + stable).toBe(replicas);
        expect(canary).toBeGreaterThanOrEqual(0);
        if (weight > 0 && replicas > 0) expect(canary).toBeGreaterThan(0);
      }),
    );
  });
});

describe('planReplicaSetScaling: Deployment semantics', () => {
  const limits: RollingLimits = { maxSurge: 2, maxUnavailable: 1 };

  it('surges the new RS, then scales the old down only as far as availability allows', () => {
    const views = [rs('old', 1, 5), rs('new', 2, 0)];
    expect(planReplicaSetScaling({ replicas: 5, limits, views, targets: { new: 5 } })).toEqual({
      old: 4,
      new: 3,
    });
  });

  it('removes unavailable pods for free and keeps available ones while at the minimum', () => {
    const views = [rs('old', 1, 4, 2), rs('new', 2, 3, 2)];
    // available 4 = minimum: only the two unavailable old pods may go; the room then goes to new.
    expect(planReplicaSetScaling({ replicas: 5, limits, views, targets: { new: 5 } })).toEqual({
      old: 2,
      new: 5,
    });
  });

  it('scales old ReplicaSets down oldest first', () => {
    const views = [rs('older', 1, 2), rs('old', 2, 3), rs('new', 3, 2)];
    expect(planReplicaSetScaling({ replicas: 5, limits, views, targets: { new: 5 } })).toEqual({
      older: 0, // available 7, minimum 4: three available pods may go, the oldest RS's first
      old: 2,
      new: 5,
    });
  });

  it('lets explicit targets above replicas + maxSurge through (abort with a delayed canary)', () => {
    const views = [rs('stable', 1, 2), rs('canary', 2, 3)];
    expect(
      planReplicaSetScaling({
        replicas: 5,
        limits,
        views,
        targets: { stable: 5, canary: 3 },
        scaleUpFirst: ['stable'],
      }),
    ).toEqual({ stable: 5, canary: 3 });
  });

  it('reports when targets are reached', () => {
    expect(targetsReached([rs('a', 1, 2), rs('b', 2, 0)], { a: 2 })).toBe(true);
    expect(targetsReached([rs('a', 1, 2, 1), rs('b', 2, 0)], { a: 2 })).toBe(false);
    expect(targetsReached([rs('a', 1, 2), rs('b', 2, 1)], { a: 2 })).toBe(false);
  });
});

scalingProperties('planReplicaSetScaling', planReplicaSetScaling);
