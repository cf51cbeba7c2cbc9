/**
 * Desired ReplicaSet sizes for the blue-green lifecycle state the machine ended in. Pure.
 *
 * Blue-green runs both versions side by side on purpose, so there are no surge limits: each RS
 * is set straight to its target. The stable version keeps all its pods until the rollout is
 * complete (the active Service can always go back to it); the previous version then leaves after
 * scaleDownDelaySeconds, an aborted new version after abortScaleDownDelaySeconds.
 *
 * The version the active Service selects is never scaled down. Every other ReplicaSet leaves after
 * scaleDownDelaySeconds (an aborted new version: abortScaleDownDelaySeconds), which also covers a
 * version the active Service was just switched away from: the shell scales ReplicaSets before it
 * patches Services, and kube-proxy needs a moment to follow the new selector.
 */
import { Hold, BlueGreenLifecycle, type BlueGreenStateValue, type BlueGreenContext } from './machine.ts';
import type { BlueGreenSettings } from './settings.ts';
import { heldWhereTheyAre, scaledWithDelays, type ScalingDecision } from '../kernel/scale-down-delay.ts';
import type { StrategyInput } from '../types.ts';

export function blueGreenScaling(
  input: StrategyInput,
  settings: BlueGreenSettings,
  value: BlueGreenStateValue,
  context: BlueGreenContext,
): ScalingDecision {
  const current = (hash: string) => input.replicaSets.find((view) => view.hash === hash)?.specReplicas ?? 0;
  // spec.paused holds every ReplicaSet where it is; an abort still goes through.
  if (value.hold === Hold.heldByUser && value.lifecycle !== BlueGreenLifecycle.aborted) {
    return heldWhereTheyAre(input.replicaSets);
  }
  const wanted = lifecycleTargets(input, settings, value.lifecycle, context);
  const active = context.activeHash;
  if (active !== undefined) {
    wanted.delayed.delete(active);
    wanted.targets[active] = Math.max(wanted.targets[active] ?? 0, current(active));
  }
  return scaledWithDelays(
    input.replicaSets,
    input.now,
    wanted,
    input.spec.strategy.blueGreen?.scaleDownDelayRevisionLimit,
  );
}

/** Per-state targets, and the ReplicaSets that leave after a delay (hash -> delay ms). */
function lifecycleTargets(
  input: StrategyInput,
  settings: BlueGreenSettings,
  lifecycle: BlueGreenLifecycle,
  context: BlueGreenContext,
): { targets: Record<string, number>; delayed: Map<string, number> } {
  const newVersion = input.currentPodHash;
  const stable = context.stableRS ?? newVersion;
  const { replicas } = settings;
  const targets: Record<string, number> = {};
  const delayed = new Map<string, number>();
  for (const view of input.replicaSets) delayed.set(view.hash, settings.scaleDownDelayMs);
  switch (lifecycle) {
    case BlueGreenLifecycle.healthy:
      break;
    case BlueGreenLifecycle.preview:
    case BlueGreenLifecycle.paused:
      targets[newVersion] = settings.previewReplicas;
      delayed.delete(newVersion);
      break;
    case BlueGreenLifecycle.promoting:
    case BlueGreenLifecycle.postPromotion:
    case BlueGreenLifecycle.postPromotionPaused:
      targets[newVersion] = replicas;
      delayed.delete(newVersion);
      break;
    case BlueGreenLifecycle.aborted:
      if (settings.abortScaleDownDelayMs === null) {
        targets[newVersion] = input.replicaSets.find((view) => view.hash === newVersion)?.specReplicas ?? 0;
        delayed.delete(newVersion);
      } else {
        delayed.set(newVersion, settings.abortScaleDownDelayMs);
      }
      break;
  }
  // Set last: after a rollback to the stable version, newVersion is the stable one.
  targets[stable] = replicas;
  delayed.delete(stable);
  return { targets, delayed };
}
