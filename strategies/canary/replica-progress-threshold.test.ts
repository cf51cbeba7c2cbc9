/**
 * replicaProgressThreshold: the pure rule (Argo's `available * 100 / desired >= value` for
 * Percent, `available >= value` for Pod, 100% when unset) and a canary that goes past a step
 * with only part of its pods available, with and without a router.
 */
import { describe, expect, it } from 'vitest';
import { reconcileCanary } from './reconcile.ts';
import { InvalidSpecError } from '../kernel/invalid-spec.ts';
import {
  requiredAvailable,
  validateReplicaProgressThreshold,
  type ReplicaProgressThreshold,
} from '../kernel/replica-progress-threshold.ts';
import { targetsReached } from '../kernel/replicas.ts';
import { reconcileOnce } from '../../test/support/strategies/reconcile-driver.ts';
import { updating } from '../../test/support/strategies/canary-world.ts';
import {
  makeAvailable,
  readyReplicaSet,
  replicaSet,
  type SimulatedWorld,
} from '../../test/support/strategies/simulated-cluster.ts';
import type { CanaryStrategySpec, RolloutSpecView } from '../types.ts';

const percent = (value: number): ReplicaProgressThreshold => ({ type: 'Percent', value });
const pods = (value: number): ReplicaProgressThreshold => ({ type: 'Pod', value });

describe('requiredAvailable', () => {
  it('is every wanted pod when unset (the default, 100%)', () => {
    expect(requiredAvailable(5, undefined)).toBe(5);
    expect(requiredAvailable(5, percent(100))).toBe(5);
  });

  it("rounds a Percent up, as Argo's integer `available * 100 / desired >= value` does", () => {
    // Argo's own table: 4 of 5 at 80% passes, 3 of 5 does not.
    expect(requiredAvailable(5, percent(80))).toBe(4);
    // 2 of 3 is 66%: enough for 66, not for 67.
    expect(requiredAvailable(3, percent(66))).toBe(2);
    expect(requiredAvailable(3, percent(67))).toBe(3);
    expect(requiredAvailable(10, percent(1))).toBe(1);
  });

  it('takes a Pod count as is, capped at the step count', () => {
    expect(requiredAvailable(5, pods(2))).toBe(2);
    expect(requiredAvailable(5, pods(5))).toBe(5);
    expect(requiredAvailable(3, pods(7))).toBe(3);
  });

  it('wants nothing of a ReplicaSet wanted at 0', () => {
    expect(requiredAvailable(0, undefined)).toBe(0);
    expect(requiredAvailable(0, pods(3))).toBe(0);
    expect(requiredAvailable(0, percent(50))).toBe(0);
  });

  it('relaxes only availability in targetsReached: the spec must still be at its target', () => {
    const canary = { ...readyReplicaSet('c', 2, 5), availableReplicas: 2, readyReplicas: 2 };
    expect(targetsReached([canary], { c: 5 })).toBe(false);
    expect(targetsReached([canary], { c: 5 }, pods(2))).toBe(true);
    expect(targetsReached([canary], { c: 5 }, percent(50))).toBe(false);
    expect(targetsReached([{ ...canary, specReplicas: 4 }], { c: 5 }, pods(2))).toBe(false);
  });
});

describe('validateReplicaProgressThreshold', () => {
  const field = 'spec.strategy.canary.replicaProgressThreshold';
  it.each([percent(0), percent(101), percent(50.5), pods(0), pods(-1)])(
    'refuses %j naming the value',
    (threshold) => {
      expect(() => validateReplicaProgressThreshold(threshold, field)).toThrow(InvalidSpecError);
      expect(() => validateReplicaProgressThreshold(threshold, field)).toThrow(`${field}.value`);
    },
  );

  it('accepts the bounds and nothing', () => {
    expect(validateReplicaProgressThreshold(percent(1), field)).toEqual(percent(1));
    expect(validateReplicaProgressThreshold(percent(100), field)).toEqual(percent(100));
    expect(validateReplicaProgressThreshold(pods(1), field)).toEqual(pods(1));
    expect(validateReplicaProgressThreshold(undefined, field)).toBeUndefined();
  });
});

describe('a canary step with replicaProgressThreshold', () => {
  const spec = (extra: Partial<CanaryStrategySpec>): RolloutSpecView => ({
    replicas: 10,
    strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }], ...extra } },
  });
  const routed: Partial<CanaryStrategySpec> = {
    canaryService: 'web-canary',
    stableService: 'web-stable',
    trafficRouting: { nginx: { stableIngress: 'web' } },
  };

  /** v1 stable, v2 deployed; v2 never gets more than `ready` pods available. */
  function run(rolloutSpec: RolloutSpecView, ready: number): SimulatedWorld {
    let world = updating(rolloutSpec);
    for (let round = 0; round < 30; round++) {
      world = makeAvailable(reconcileOnce(reconcileCanary, world).world, 'v1');
      const canary = replicaSet(world, 'v2');
      world = makeAvailable(world, 'v2', Math.max(0, ready - canary.availableReplicas));
    }
    return world;
  }

  // Without a router the stable shrinks only as far as maxUnavailable (25%) lets it: 8 of the 10
  // pods must stay available, so at least 3 canary pods must be before the stable is at 5.
  it.each([
    ['without a router', {}, 3],
    ['with a router', routed, 2],
  ])('%s: goes on with N of 5 pods at Pod N, and waits without the field', (_name, extra, ready) => {
    const passed = run(spec({ ...extra, replicaProgressThreshold: pods(ready) }), ready);
    expect(replicaSet(passed, 'v2').specReplicas).toBe(5);
    expect(passed.status.currentStepIndex).toBe(1);
    const waiting = run(spec(extra), ready);
    expect(replicaSet(waiting, 'v2').specReplicas).toBe(5);
    expect(waiting.status.currentStepIndex ?? 0).toBe(0);
  });

  it('with a router: tells the router the weight once the threshold is available, not before', () => {
    const held = run(spec({ ...routed, replicaProgressThreshold: percent(60) }), 2);
    expect(held.status.currentStepIndex ?? 0).toBe(0);
    expect(held.traffic?.canaryWeight ?? 0).toBeLessThan(50);
    const moved = run(spec({ ...routed, replicaProgressThreshold: percent(60) }), 3);
    expect(moved.traffic?.canaryWeight).toBe(50);
    expect(moved.status.currentStepIndex).toBe(1);
  });
});
