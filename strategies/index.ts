/**
 * The strategy core's entry point: one pure function per reconcile, chosen by
 * `spec.strategy`. See `types.ts` for the contract with the shell.
 */
import { reconcileAbTest } from './ab-test/reconcile.ts';
import { reconcileBlueGreen } from './blue-green/reconcile.ts';
import { reconcileCanary } from './canary/reconcile.ts';
import { reconcileRolling } from './rolling/reconcile.ts';
import type { StrategyDecision, StrategyInput } from './types.ts';

export { reconcileAbTest } from './ab-test/reconcile.ts';
export { reconcileBlueGreen } from './blue-green/reconcile.ts';
export { reconcileCanary } from './canary/reconcile.ts';
export { reconcileRolling } from './rolling/reconcile.ts';
export { InvalidSpecError } from './kernel/invalid-spec.ts';
export type * from './types.ts';

/**
 * Decide one reconcile of a Rollout. Pure: `input.now` is the only clock. Throws
 * `InvalidSpecError` (an Error naming the field) when the spec cannot be executed.
 */
export function reconcileStrategy(input: StrategyInput): StrategyDecision {
  const { strategy } = input.spec;
  if (strategy.canary) return reconcileCanary(input);
  if (strategy.rolling) return reconcileRolling(input);
  if (strategy.blueGreen) return reconcileBlueGreen(input);
  if (strategy.abTest) return reconcileAbTest(input);
  // No strategy block: a rolling update with the Deployment defaults, as Deployments do.
  return reconcileRolling(input);
}
