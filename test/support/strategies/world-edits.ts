import type { RolloutSpecView, RolloutStatusView } from '../../../strategies/types.ts';
import { settle, type Strategy } from './reconcile-driver.ts';
import { readyReplicaSet, type SimulatedWorld } from './simulated-cluster.ts';

/** The clock every scenario starts at. */
export const T0 = Date.parse('2024-01-01T00:00:00Z');

/** A new Rollout at T0: empty status, v1's ReplicaSet ready at spec.replicas, nothing reconciled yet. */
export const freshWorld = (spec: RolloutSpecView): SimulatedWorld => ({
  generation: 1,
  spec,
  status: {},
  currentPodHash: 'v1',
  replicaSets: [readyReplicaSet('v1', 1, spec.replicas ?? 1)],
  now: T0,
});

/** v1 running as the settled stable version at spec.replicas, under `strategy`. */
export function stableWorldFor(strategy: Strategy, spec: RolloutSpecView): SimulatedWorld {
  return settle(strategy, freshWorld(spec)).world;
}

/** An operator's status patch (promote, abort, retry), as the next reconcile observes it. */
export const withStatus = (world: SimulatedWorld, patch: RolloutStatusView): SimulatedWorld => ({
  ...world,
  status: { ...world.status, ...patch },
});

/** A spec edit: a new generation. */
export const withSpec = (world: SimulatedWorld, patch: Partial<RolloutSpecView>): SimulatedWorld => ({
  ...world,
  spec: { ...world.spec, ...patch },
  generation: world.generation + 1,
});
