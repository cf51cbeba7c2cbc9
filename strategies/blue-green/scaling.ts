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
import { beyondRevisionLimit, delayedScaleDown } from '../kernel/scale-down-delay.ts';
import type { StrategyInput } from '../types.ts';

export interface BlueGreenScaling {
  replicaSets: Record<string, number>;
  scaleDownDeadlines: Record<string, number | null>;
  /** Earliest pending scale-down deadline, if any. */
  nextDeadline?: number;
}

export function blueGreenScaling(
  input: StrategyInput,
  settings: BlueGreenSettings,
  value: BlueGreenStateValue,
  context: BlueGreenContext,
): BlueGreenScaling {
  const current = (hash: string) => input.replicaSets.find((view) => view.hash === hash)?.specReplicas ?? 0;
  // spec.paused holds every ReplicaSet where it is; an abort still goes through.
  if (value.hold === Hold.heldByUser && value.lifecycle !== BlueGreenLifecycle.aborted) {
    return {
      replicaSets: Object.fromEntries(input.replicaSets.map((view) => [view.hash, view.specReplicas])),
      scaleDownDeadlines: {},
    };
  }
  const { targets, delayed } = lifecycleTargets(input, settings, value.lifecycle, context);
  const active = context.activeHash;
  if (active !== undefined) {
    delayed.delete(active);
    targets[active] = Math.max(targets[active] ?? 0, current(active));
  }

  const replicaSets: Record<string, number> = {};
  const scaleDownDeadlines: Record<string, number | null> = {};
  let nextDeadline: number | undefined;
  const overLimit = beyondRevisionLimit(
    input.replicaSets,
    delayed,
    input.spec.strategy.blueGreen?.scaleDownDelayRevisionLimit,
  );
  for (const view of input.replicaSets) {
    const delayMs = delayed.get(view.hash);
    if (delayMs === undefined) {
      replicaSets[view.hash] = targets[view.hash] ?? 0;
      // Back in service, or gone: a stale deadline must not scale it down later.
      if (view.scaleDownDeadline !== undefined) scaleDownDeadlines[view.hash] = null;
      continue;
    }
    const plan = delayedScaleDown(view, overLimit.has(view.hash) ? 0 : delayMs, input.now);
    replicaSets[view.hash] = plan.target;
    if (plan.setDeadline !== undefined) scaleDownDeadlines[view.hash] = plan.setDeadline;
    else if (plan.target === 0 && view.scaleDownDeadline !== undefined) scaleDownDeadlines[view.hash] = null;
    if (plan.pendingUntil !== undefined)
      nextDeadline = Math.min(nextDeadline ?? plan.pendingUntil, plan.pendingUntil);
  }
  return nextDeadline === undefined
    ? { replicaSets, scaleDownDeadlines }
    : { replicaSets, scaleDownDeadlines, nextDeadline };
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
