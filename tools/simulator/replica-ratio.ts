import type { ObservedVersion } from './versions.ts';

/** The no-router split: traffic follows available replicas, as a Service over all pods spreads it. */
export function replicaRatio(versions: readonly ObservedVersion[]): Map<string, number> {
  return new Map(versions.filter((v) => v.availableReplicas > 0).map((v) => [v.hash, v.availableReplicas]));
}
