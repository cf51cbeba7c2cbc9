/**
 * The canary with a traffic router (spec.strategy.canary.trafficRouting). Pure.
 *
 * With a router the weight is not the share of pods: the router sends `weight` of the traffic
 * to the canary Service, and the pods are sized for it. The rules (Argo Rollouts semantics;
 * strategies/README.md lists them with the deviations):
 * - the canary runs `ceil(weight * replicas / maxTrafficWeight)` pods, or what a setCanaryScale
 *   in force says; the stable stays at spec.replicas, or with dynamicStableScale it runs the
 *   pods for the larger of the stable's wanted share and its share at the router now;
 * - the weight moves to a step's value only once the pods carry it (the canary's pods are
 *   available; with dynamicStableScale also the stable's). Until then the router keeps the
 *   weight it has, lowered if the canary lost pods (and, with dynamicStableScale, kept above
 *   what the stable cannot carry yet, so an abort shifts traffic back as the stable scales up);
 * - at the end: the canary at full size, then weight 100% (maxTrafficWeight), then (the
 *   machine's `routerAtFull` guard) the canary becomes stable and the weight goes back to 0 as
 *   both Services select the same pods; on abort the weight is 0 at once.
 *
 * Weights here are in maxTrafficWeight units (see kernel/traffic-weights.ts); the router is told
 * percent. What the router carries now (`observed`) comes from `input.observedTraffic`, else
 * from status.canary.weights (written only after the router accepted them).
 */
import { Hold, Lifecycle, type CanaryContext, type CanaryStateValue } from './machine.ts';
import type { CanarySettings, RouterSettings } from './settings.ts';
import { canaryScaleAtStep, weightAtStep } from './steps.ts';
import { requiredAvailable, type ReplicaProgressThreshold } from '../kernel/replica-progress-threshold.ts';
import { findView } from '../kernel/replica-set-view.ts';
import { canaryReplicasForWeight, effectiveAvailable, targetsReached } from '../kernel/replicas.ts';
import { NO_ROUTES, routesInEffect } from '../kernel/traffic-routes.ts';
import { podsForWeight, toPercent, toUnits, weightPodsCarry } from '../kernel/traffic-weights.ts';
import type { RolloutEvent, StrategyInput, TrafficDecision } from '../types.ts';

/** What one reconcile sees of the router and the pods that serve its weights. */
export interface RoutedView {
  router: RouterSettings;
  replicas: number;
  steps: CanarySettings['steps'];
  /** Canary weight the router carries now (units). */
  observed: number;
  /** Available pods the canary / stable keep at their current spec. */
  canaryAvailable: number;
  stableAvailable: number;
  /** The canary RS is at spec.replicas with all of them available. */
  canaryFull: boolean;
  /** replicaProgressThreshold: the share of a step's pods that must be available. */
  threshold: ReplicaProgressThreshold | undefined;
}

export function routedView(
  input: StrategyInput,
  settings: CanarySettings,
  router: RouterSettings,
  stableRS: string | undefined,
): RoutedView {
  const canary = findView(input.replicaSets, input.currentPodHash);
  const stable = stableRS === input.currentPodHash ? undefined : findView(input.replicaSets, stableRS);
  return {
    router,
    replicas: settings.replicas,
    steps: settings.steps,
    observed: observedWeight(input, router),
    canaryAvailable: canary ? effectiveAvailable(canary) : 0,
    stableAvailable: stable ? effectiveAvailable(stable) : 0,
    canaryFull:
      canary !== undefined &&
      canary.specReplicas === settings.replicas &&
      canary.availableReplicas >= settings.replicas,
    threshold: settings.replicaProgressThreshold,
  };
}

/** The canary weight (units) the router carries now. */
function observedWeight(input: StrategyInput, router: RouterSettings): number {
  const max = router.maxTrafficWeight;
  if (input.observedTraffic !== undefined) return toUnits(input.observedTraffic.canaryWeight, max);
  const recorded = input.status.canary?.weights?.canary ?? 0;
  return Number.isInteger(recorded) ? Math.min(max, Math.max(0, recorded)) : 0;
}

/** Pods the stable needs while the canary has `units` of the traffic. */
function stablePodsFor(view: RoutedView, units: number): number {
  const { replicas, router } = view;
  if (!router.dynamicStableScale) return withMinPods(view, replicas);
  return withMinPods(view, podsForWeight(replicas, router.maxTrafficWeight - units, router.maxTrafficWeight));
}

/** minPodsPerReplicaSet (Argo's CheckMinPodsPerReplicaSet): a count that is not 0 is at least the floor. */
function withMinPods(view: RoutedView, count: number): number {
  return count === 0 ? 0 : Math.max(count, view.router.minPodsPerReplicaSet);
}

/** Step `index`'s canary pods: a setCanaryScale in force, else the pods its weight needs. */
function stepCanaryPods(view: RoutedView, index: number): number {
  const scale = canaryScaleAtStep(view.steps, index);
  if (scale?.replicas !== undefined) return withMinPods(view, scale.replicas);
  if (scale?.weight !== undefined)
    return withMinPods(view, canaryReplicasForWeight(view.replicas, scale.weight));
  return withMinPods(
    view,
    podsForWeight(view.replicas, weightAtStep(view.steps, index), view.router.maxTrafficWeight),
  );
}

/** The weight step `index` asks for, clamped to the router's total. */
function stepWeight(view: RoutedView, index: number): number {
  return Math.min(view.router.maxTrafficWeight, weightAtStep(view.steps, index));
}

/** The pods carry step `index`'s weight: the router may be told it. */
function stepReady(view: RoutedView, index: number): boolean {
  const want = stepWeight(view, index);
  return (
    view.canaryAvailable >= requiredAvailable(stepCanaryPods(view, index), view.threshold) &&
    (want === 0 || view.canaryAvailable > 0) &&
    view.stableAvailable >=
      (view.router.dynamicStableScale ? requiredAvailable(stablePodsFor(view, want), view.threshold) : 0)
  );
}

/**
 * Not ready for `want`: keep what the router has, no more than the canary's pods carry, and
 * (dynamicStableScale) no less than what the stable's pods cannot carry yet.
 */
function shiftToward(view: RoutedView, want: number, ready: boolean): number {
  if (ready) return want;
  const max = view.router.maxTrafficWeight;
  const held = Math.min(view.observed, weightPodsCarry(view.canaryAvailable, view.replicas, max));
  const floor = view.router.dynamicStableScale
    ? max - weightPodsCarry(view.stableAvailable, view.replicas, max)
    : 0;
  return Math.min(held, Math.max(want, floor));
}

/** Step index the lifecycle is executing (clamped to the steps). */
const executing = (view: RoutedView, context: CanaryContext): number =>
  Math.min(context.stepIndex, view.steps.length - 1);

/** The canary weight (units) to tell the router now, for the state the machine ended in. */
export function routedWeight(view: RoutedView, value: CanaryStateValue, context: CanaryContext): number {
  let weight: number;
  switch (value.lifecycle) {
    case Lifecycle.healthy:
      return 0;
    case Lifecycle.aborted:
      return shiftToward(view, 0, false);
    case Lifecycle.completing:
      weight = shiftToward(view, view.router.maxTrafficWeight, view.canaryFull);
      break;
    default: {
      const index = executing(view, context);
      weight = shiftToward(view, stepWeight(view, index), stepReady(view, index));
    }
  }
  // spec.paused holds the rollout: the weight may drop (pods lost) but never rise.
  return value.hold === Hold.heldByUser ? Math.min(weight, view.observed) : weight;
}

/** Canary and stable pod counts with a router, for a progressing/paused/completing state. */
export function routedTargets(
  view: RoutedView,
  value: CanaryStateValue,
  context: CanaryContext,
  weight: number,
): { canary: number; stable: number } {
  if (value.lifecycle === Lifecycle.completing) {
    return { canary: view.replicas, stable: stablePodsFor(view, Math.min(weight, view.observed)) };
  }
  const index = executing(view, context);
  const want = stepWeight(view, index);
  const pods = stepCanaryPods(view, index);
  return {
    // While a lower weight waits for the stable, the canary keeps the pods for what it carries.
    canary:
      weight > want
        ? Math.max(pods, podsForWeight(view.replicas, weight, view.router.maxTrafficWeight))
        : pods,
    stable: stablePodsFor(view, Math.min(want, weight, view.observed)),
  };
}

/**
 * A setWeight / setCanaryScale step is done when the router carries its weight and the pods are
 * where the step wants them (every other ReplicaSet at zero).
 */
export function routedStepDone(
  input: StrategyInput,
  view: RoutedView,
  stableRS: string | undefined,
  index: number,
): boolean {
  const want = stepWeight(view, index);
  if (!stepReady(view, index) || !routerCarries(view, want)) return false;
  const wanted: Record<string, number> = { [input.currentPodHash]: stepCanaryPods(view, index) };
  if (stableRS !== undefined && stableRS !== input.currentPodHash)
    wanted[stableRS] = stablePodsFor(view, want);
  return targetsReached(input.replicaSets, wanted, view.threshold);
}

/**
 * The router carries `units`. A router with a coarser scale than maxTrafficWeight (Istio route
 * weights are whole percents) reads back the nearest weight it can hold, so anything within one
 * percentage point counts; with the default total of 100 that means exactly.
 */
function routerCarries(view: RoutedView, units: number): boolean {
  const max = view.router.maxTrafficWeight;
  return Math.abs(toPercent(view.observed, max) - toPercent(units, max)) < 1;
}

/** The router carries all traffic to the canary: the last step before it becomes stable. */
export function routerAtFull(view: RoutedView): boolean {
  return routerCarries(view, view.router.maxTrafficWeight);
}

/**
 * Where the canary Service points: at the canary pods once some are available (never at an RS
 * without endpoints), at the stable pods when nothing is in flight or after an abort once the
 * router carries nothing to the canary.
 */
export function routedCanarySelector(
  view: RoutedView,
  value: CanaryStateValue,
  weight: number,
  canary: string,
  stable: string,
): string {
  if (value.lifecycle === Lifecycle.healthy) return stable;
  if (value.lifecycle === Lifecycle.aborted) return weight > 0 ? canary : stable;
  return view.canaryAvailable > 0 ? canary : stable;
}

/**
 * The decision for the router: the weight in percent, and the header and mirror routes the
 * executed steps leave. No routes once the steps are done, after an abort, or with nothing in
 * flight; a new pod template starts the steps (and so the routes) over.
 */
export function routedTraffic(
  view: RoutedView,
  value: CanaryStateValue,
  context: CanaryContext,
  weight: number,
): TrafficDecision {
  const inSteps =
    value.lifecycle === Lifecycle.progressing ||
    value.lifecycle === Lifecycle.paused ||
    value.lifecycle === Lifecycle.inconclusive;
  const routes = inSteps
    ? routesInEffect(view.steps.slice(0, context.stepIndex), view.router.managedRoutes)
    : NO_ROUTES;
  return {
    canaryWeight: toPercent(weight, view.router.maxTrafficWeight),
    headerRoutes: [...routes.headerRoutes],
    mirrorRoutes: [...routes.mirrorRoutes],
  };
}

/**
 * `TrafficWeightUpdated` (Argo Rollouts' reason) when the weight differs from the one status
 * recorded; the status written with this decision records it, so it is reported once.
 */
export function weightUpdatedEvents(input: StrategyInput, view: RoutedView, weight: number): RolloutEvent[] {
  const recorded = input.status.canary?.weights?.canary ?? 0;
  if (recorded === weight) return [];
  const max = view.router.maxTrafficWeight;
  const scale = max === 100 ? '%' : `/${max}`;
  return [
    {
      type: 'Normal',
      reason: 'TrafficWeightUpdated',
      message: `Traffic weight to the canary updated from ${recorded}${scale} to ${weight}${scale}`,
    },
  ];
}
