/**
 * The canary Rollout most canary tests start from: 5 replicas and four steps (setWeight 20,
 * pause 5s, setWeight 60, pause until promoted), reconciled by `reconcileCanary`; and the canary
 * the traffic tests route through nginx.
 */
import { reconcileCanary } from '../../../strategies/canary/reconcile.ts';
import type {
  CanaryStep,
  CanaryStrategySpec,
  RolloutSpecView,
  TrafficRoutingView,
} from '../../../strategies/types.ts';
import { reconcileOnce, settle } from './reconcile-driver.ts';
import { deployVersion, type SimulatedWorld } from './simulated-cluster.ts';
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

/**
 * A canary at `replicas` (default 10) routed by nginx: Services web-canary and web-stable,
 * Ingress web, and `routing` (managed routes, maxTrafficWeight). `canary` gives the steps and
 * any other field.
 */
export function routedCanarySpec(
  canary: CanaryStrategySpec,
  { replicas = 10, routing = {} }: { replicas?: number; routing?: Partial<TrafficRoutingView> } = {},
): RolloutSpecView {
  return {
    replicas,
    strategy: {
      canary: {
        canaryService: 'web-canary',
        stableService: 'web-stable',
        trafficRouting: { nginx: { stableIngress: 'web' }, ...routing },
        ...canary,
      },
    },
  };
}

export const stableWorld = (spec: RolloutSpecView = canarySpec()) => stableWorldFor(reconcileCanary, spec);
/** v1 settled as the stable, then v2 deployed. */
export const updating = (spec: RolloutSpecView): SimulatedWorld => deployVersion(stableWorld(spec), 'v2');

export const reconcile = (world: SimulatedWorld) => reconcileOnce(reconcileCanary, world);
export const settleCanary = (world: SimulatedWorld, podsStartUp = true) =>
  settle(reconcileCanary, world, podsStartUp);
