/** The router's view and the weight decided for it, when the canary has a traffic router. */
export interface RoutedWeight {
  view: RoutedView;
  weight: number;
}

/**
 * Desired ReplicaSet sizes for the canary lifecycle state the machine ended in. Pure.
 *
 * Without a traffic router the weight is the share of pods: the canary is scaled up first and
 * the stable down after it, both within maxSurge / maxUnavailable (`planReplicaSetScaling`), a
 * partial scale-down deferred when that saves a write (`planScalingInFewerMoves`).
 * With one, the pods are sized for the weight the router carries (`traffic.ts`).
 */
import { Hold, Lifecycle, type CanaryContext, type CanaryStateValue } from './machine.ts';
import type { CanarySettings } from './settings.ts';
import { replicaTargetsAtStep } from './steps.ts';
import { planScalingInFewerMoves } from '../kernel/fewer-scale-down-moves.ts';
import { heldWhereTheyAre, scaledWithDelays, type ScalingDecision } from '../kernel/scale-down-delay.ts';
import { routedTargets, type RoutedView } from './traffic.ts';
import type { StrategyInput } from '../types.ts';

export function canaryScaling(
  input: StrategyInput,
  settings: CanarySettings,
  value: CanaryStateValue,
  context: CanaryContext,
  routed?: RoutedWeight,
): ScalingDecision {
  // spec.paused holds every ReplicaSet where it is; an abort still goes through (it is the
  // operator's emergency brake and must not wait for an unpause).
  if (value.hold === Hold.heldByUser && value.lifecycle !== Lifecycle.aborted) {
    return heldWhereTheyAre(input.replicaSets);
  }
  const wanted = lifecycleTargets(input, settings, value, context, routed);
  return scaledWithDelays(
    input.replicaSets,
    input.now,
    wanted,
    input.spec.strategy.canary?.scaleDownDelayRevisionLimit,
    (targets) =>
      planScalingInFewerMoves({
        replicas: settings.replicas,
        limits: settings.limits,
        views: input.replicaSets,
        targets,
        scaleUpFirst: wanted.scaleUpFirst,
      }),
  );
}

/** What the lifecycle state wants of each ReplicaSet before scale-down delays are applied. */
interface LifecycleTargets {
  targets: Record<string, number>;
  /** Hashes that leave service after a delay, with the delay. */
  delayed: Map<string, number>;
  /** Hashes whose scale-up gets the surge room first. */
  scaleUpFirst: string[];
}

function lifecycleTargets(
  input: StrategyInput,
  settings: CanarySettings,
  value: CanaryStateValue,
  context: CanaryContext,
  routed: RoutedWeight | undefined,
): LifecycleTargets {
  const canary = input.currentPodHash;
  const stable = context.stableRS ?? canary;
  const { replicas, steps } = settings;
  const targets: Record<string, number> = {};
  const delayed = new Map<string, number>();
  switch (value.lifecycle) {
    case Lifecycle.healthy:
      targets[stable] = replicas;
      for (const view of input.replicaSets)
        if (view.hash !== stable) delayed.set(view.hash, settings.scaleDownDelayMs);
      return { targets, delayed, scaleUpFirst: [stable] };
    case Lifecycle.progressing:
    case Lifecycle.paused:
    case Lifecycle.inconclusive: {
      const step = routed
        ? routedTargets(routed.view, value, context, routed.weight)
        : replicaTargetsAtStep(steps, Math.min(context.stepIndex, steps.length - 1), replicas);
      targets[canary] = step.canary;
      targets[stable] = step.stable;
      // With a router the stable carries every share not yet shifted: it gets the room first.
      return { targets, delayed, scaleUpFirst: routed ? [stable, canary] : [canary] };
    }
    case Lifecycle.completing:
      targets[canary] = replicas;
      // With a router the stable keeps serving until the router has moved its traffic away.
      targets[stable] = routed ? routedTargets(routed.view, value, context, routed.weight).stable : 0;
      return { targets, delayed, scaleUpFirst: [canary] };
    case Lifecycle.aborted:
      targets[stable] = replicas;
      if (routed !== undefined && routed.weight > 0) {
        // dynamicStableScale: the router still sends the canary what the stable cannot carry
        // yet; its pods stay until that is 0, then the abort scale-down delay starts.
        targets[canary] = input.replicaSets.find((view) => view.hash === canary)?.specReplicas ?? 0;
      } else {
        abortedCanary(canary, settings, input, targets, delayed);
      }
      return { targets, delayed, scaleUpFirst: [stable] };
  }
}

/**
 * An aborted canary's pods: with abortScaleDownDelaySeconds 0 and a router they stay (out of
 * traffic); otherwise they go after the delay (at once without a router).
 */
function abortedCanary(
  canary: string,
  settings: CanarySettings,
  input: StrategyInput,
  targets: Record<string, number>,
  delayed: Map<string, number>,
): void {
  if (settings.abortScaleDownDelayMs === null) {
    targets[canary] = input.replicaSets.find((view) => view.hash === canary)?.specReplicas ?? 0;
  } else {
    delayed.set(canary, settings.abortScaleDownDelayMs);
  }
}
