/**
 * The same rolling limits as `planReplicaSetScaling`, in fewer ReplicaSet writes. Pure.
 *
 * `planReplicaSetScaling` takes a ReplicaSet down as far as the available pods allow right now.
 * When that is only part of the way, the rest follows in a second write once the pods coming up
 * are available: at the bench canary's setWeight 60 (5 replicas, maxSurge 2, maxUnavailable 1,
 * canary 1 -> 3, stable 4 -> 2) the stable went 4 -> 3 -> 2, two writes and one pod removed
 * early. Deferring that partial scale-down changes nothing else when the scale-ups do not need
 * the room it frees: the canary surges to 3 with the stable at 4 (7 pods = replicas + maxSurge),
 * and once its pods are available the stable goes 4 -> 2 in one write.
 *
 * The deferral is taken only when (1) every scale-up is the same as without it, (2) the pods are
 * not above the surge ceiling, and (3) once every pod asked for is available the availability
 * budget covers every remaining scale-down at once, so the deferred move is a single write and
 * never waits for nothing: when all pods are already available, (3) fails and the plan is
 * `planReplicaSetScaling`'s. Available pods kept only grow by deferring, so the minimum-available
 * and never-past-the-target invariants of `planReplicaSetScaling` hold as they are.
 */
import {
  effectiveAvailable,
  minAvailable,
  planReplicaSetScaling,
  type ScalingPlanInput,
} from './replicas.ts';

export function planScalingInFewerMoves(plan: ScalingPlanInput): Record<string, number> {
  const direct = planReplicaSetScaling(plan);
  const targetOf = (hash: string): number => Math.max(0, plan.targets[hash] ?? 0);
  // A ReplicaSet left above its target while going down: hold it at its available pods (its
  // unavailable ones still go for free) and see what the plan becomes.
  const partial = plan.views.filter(
    (view) => view.specReplicas > targetOf(view.hash) && (direct[view.hash] ?? 0) > targetOf(view.hash),
  );
  if (partial.length === 0) return direct;
  const held: Record<string, number> = { ...plan.targets };
  for (const view of partial) held[view.hash] = Math.max(targetOf(view.hash), effectiveAvailable(view));
  const deferred = planReplicaSetScaling({ ...plan, targets: held });
  return deferralKeepsEverythingElse(plan, direct, deferred) ? deferred : direct;
}

function deferralKeepsEverythingElse(
  plan: ScalingPlanInput,
  direct: Record<string, number>,
  deferred: Record<string, number>,
): boolean {
  const targetOf = (hash: string): number => Math.max(0, plan.targets[hash] ?? 0);
  const sum = (sizes: Record<string, number>) =>
    plan.views.reduce((total, view) => total + (sizes[view.hash] ?? view.specReplicas), 0);
  const targetSum = plan.views.reduce((total, view) => total + targetOf(view.hash), 0);
  const ceiling = Math.max(plan.replicas + plan.limits.maxSurge, targetSum);
  const scaleUpsUnchanged = plan.views.every(
    (view) => targetOf(view.hash) <= view.specReplicas || deferred[view.hash] === direct[view.hash],
  );
  const scaleDownsLeft = plan.views.reduce(
    (total, view) => total + Math.max(0, (deferred[view.hash] ?? 0) - targetOf(view.hash)),
    0,
  );
  const budgetOnceAvailable = sum(deferred) - minAvailable(plan.replicas, plan.limits);
  return scaleUpsUnchanged && sum(deferred) <= ceiling && budgetOnceAvailable >= scaleDownsLeft;
}
