/**
 * spec.strategy.canary.replicaProgressThreshold (Argo Rollouts v1.8): how many of a step's
 * wanted pods must be available before the step's replicas count as ready. Pure.
 *
 * Argo's rule: `available * 100 / desired >= value` for `Percent` (integer percent, so exactly
 * `available >= ceil(desired * value / 100)`), `available >= value` for `Pod`; unset means 100%
 * (every wanted pod available, the behaviour without the field). A `Pod` value above the step's
 * wanted count is capped at that count: a step can never want more available pods than it runs.
 * The ReplicaSet's spec must still be at its target; only availability is relaxed.
 */
import { InvalidSpecError } from './invalid-spec.ts';
import type { CanaryStrategySpec } from '../types.ts';

export type ReplicaProgressThreshold = NonNullable<CanaryStrategySpec['replicaProgressThreshold']>;

/** Available pods out of `desired` that make a step's replicas ready. */
export function requiredAvailable(desired: number, threshold: ReplicaProgressThreshold | undefined): number {
  if (desired <= 0) return 0;
  if (threshold === undefined) return desired;
  const wanted = threshold.type === 'Pod' ? threshold.value : Math.ceil((desired * threshold.value) / 100);
  return Math.min(desired, Math.max(0, wanted));
}

/**
 * Argo's bounds: a `Percent` is 1..100, a `Pod` count at least 1 (0 would let a step go on with
 * none of its pods available). Throws `InvalidSpecError` naming `field`.value (the schema
 * keeps `type` to Percent or Pod).
 */
export function validateReplicaProgressThreshold(
  threshold: ReplicaProgressThreshold | undefined,
  field: string,
): ReplicaProgressThreshold | undefined {
  if (threshold === undefined) return undefined;
  const max = threshold.type === 'Percent' ? 100 : Infinity;
  if (!Number.isInteger(threshold.value) || threshold.value < 1 || threshold.value > max) {
    const range = threshold.type === 'Percent' ? 'an integer from 1 to 100' : 'an integer of at least 1';
    throw new InvalidSpecError(
      `${field}.value`,
      `must be ${range} for type ${threshold.type}, got ${threshold.value}`,
    );
  }
  return threshold;
}
