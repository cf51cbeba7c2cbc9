/**
 * What the A/B machine's resulting state asks of the cluster: pods per ReplicaSet and B's share
 * at the router (the AnalysisRuns: `analysis.ts`). Pure.
 *
 * Pods follow the split: while the test runs, B gets the pods for the share it is moving to and A
 * the pods for the share it still carries (both at least one), so A shrinks only once the router
 * has moved users to B. The router moves to a new share only once B's pods for it are available;
 * until then it keeps the share it has. Promoting B: B to spec.replicas, then 100% to B, then B is
 * stable (A leaves after scaleDownDelaySeconds). Keeping A: 0% to B at once, A at spec.replicas,
 * B leaves after scaleDownDelaySeconds.
 */
import { AbLifecycle, type AbContext, type AbStateValue } from './machine.ts';
import { podsForShare, targetShareB, type AbTestSettings } from './settings.ts';
import { findView } from '../kernel/replica-set-view.ts';
import { scaledWithDelays, type ScalingDecision } from '../kernel/scale-down-delay.ts';
import type { StrategyInput } from '../types.ts';

export interface AbOutcome {
  value: AbStateValue;
  context: AbContext;
}

/** States in which both variants serve users. */
const SERVING_BOTH: readonly AbLifecycle[] = [
  AbLifecycle.testing,
  AbLifecycle.paused,
  AbLifecycle.waiting,
  AbLifecycle.promotingB,
];

export function servesBoth(outcome: AbOutcome): boolean {
  return SERVING_BOTH.includes(outcome.value.lifecycle);
}

/** B's share (percent) the router should carry after this reconcile. */
export function routedShareB(input: StrategyInput, settings: AbTestSettings, outcome: AbOutcome): number {
  if (!servesBoth(outcome)) return 0;
  const { context } = outcome;
  const routedNow = routedShareNow(input);
  const available = findView(input.replicaSets, context.currentPodHash)?.availableReplicas ?? 0;
  const target =
    outcome.value.lifecycle === AbLifecycle.promotingB ? 100 : targetShareB(settings, context.stepIndex);
  const needed =
    outcome.value.lifecycle === AbLifecycle.promotingB
      ? settings.replicas
      : podsForShare(settings.replicas, target);
  if (available >= needed) return target;
  // Not ready for the target: hold what the router has, never more than the target.
  return Math.min(routedNow, target);
}

/** B's share at the router now, as the last accepted status recorded it. */
function routedShareNow(input: StrategyInput): number {
  if (input.observedTraffic !== undefined) return Math.round(input.observedTraffic.canaryWeight);
  const recorded = input.status.abTest?.split?.b ?? 0;
  return Number.isInteger(recorded) ? Math.min(100, Math.max(0, recorded)) : 0;
}

export function abScaling(
  input: StrategyInput,
  settings: AbTestSettings,
  outcome: AbOutcome,
  shareB: number,
): ScalingDecision {
  const { context } = outcome;
  const { replicas } = settings;
  const stable = context.stableRS ?? input.currentPodHash;
  const inService = new Map<string, number>();
  if (servesBoth(outcome) && context.currentPodHash !== undefined) {
    const targetB =
      outcome.value.lifecycle === AbLifecycle.promotingB
        ? replicas
        : podsForShare(replicas, targetShareB(settings, context.stepIndex));
    inService.set(context.currentPodHash, Math.max(targetB, podsForShare(replicas, shareB)));
    inService.set(stable, podsForShare(replicas, 100 - shareB));
  } else {
    inService.set(stable, replicas);
  }
  // Every other ReplicaSet leaves service after the scale-down delay.
  const delayed = new Map<string, number>();
  for (const view of input.replicaSets)
    if (!inService.has(view.hash)) delayed.set(view.hash, settings.scaleDownDelayMs);
  return scaledWithDelays(
    input.replicaSets,
    input.now,
    { targets: Object.fromEntries(inService), delayed },
    undefined,
  );
}
