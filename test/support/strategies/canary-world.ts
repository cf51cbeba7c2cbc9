/**
 * The canary Rollout most canary tests start from: 5 replicas and four steps (setWeight 20,
 * pause 5s, setWeight 60, pause until promoted), reconciled by `reconcileCanary`.
 */
import { reconcileCanary } from '../../../strategies/canary/reconcile.ts';
import type { CanaryStep, CanaryStrategySpec, RolloutSpecView } from '../../../strategies/types.ts';
import { reconcileOnce, settle } from './reconcile-driver.ts';
import type { SimulatedWorld } from './simulated-cluster.ts';
import { stableWorldFor } from './world-edits.ts';

export const STEPS: CanaryStep[] = [
  { setWeight: 20 },
  { pause: { duration: '5s' } },
  { setWeight: 60 },
  { pause: {} },
];

export function canarySpec(
  canary: CanaryStrategySpec = { steps: STEPS },
  extra: Partial<RolloutSpecView> = {},
): RolloutSpecView {
  return { replicas: 5, ...extra, strategy: { canary } };
}

export const stableWorld = (spec: RolloutSpecView = canarySpec()) => stableWorldFor(reconcileCanary, spec);

export const reconcile = (world: SimulatedWorld) => reconcileOnce(reconcileCanary, world);
export const settleCanary = (world: SimulatedWorld, podsStartUp = true) =>
  settle(reconcileCanary, world, podsStartUp);
