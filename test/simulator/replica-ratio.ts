import type { WeightSource } from './routing.ts';
import type { ObservedVersion } from './versions.ts';

/** The no-router split: traffic follows available replicas, as a Service over all pods spreads it. */
export function replicaRatio(versions: readonly ObservedVersion[]): Map<string, number> {
  return new Map(versions.filter((v) => v.availableReplicas > 0).map((v) => [v.hash, v.availableReplicas]));
}

/** Weights for a Rollout without a traffic router, from the simulator's latest view of its ReplicaSets. */
export class ReplicaRatioWeights implements WeightSource {
  constructor(private readonly observed: () => readonly ObservedVersion[]) {}

  currentWeights(): Promise<Map<string, number>> {
    return Promise.resolve(replicaRatio(this.observed()));
  }
}
