/**
 * Replica arithmetic shared by every strategy. Pure: no clock, no I/O.
 *
 * The scaling rules are those of a Kubernetes Deployment, generalised from "one new RS, many
 * old ones" to any set of per-ReplicaSet targets, so the rolling update, the canary steps, an
 * abort and the final promotion all move pods under the same two limits:
 * - never more pods (ReplicaSet spec.replicas summed) than `replicas + maxSurge`;
 * - never remove an available pod while that would leave fewer than `replicas - maxUnavailable`.
 */
import { InvalidSpecError } from './invalid-spec.ts';
import { requiredAvailable, type ReplicaProgressThreshold } from './replica-progress-threshold.ts';
import type { IntOrPercent, ReplicaSetView } from '../types.ts';

/** Kubernetes Deployment defaults, which Argo Rollouts shares. */
export const DEFAULT_MAX_SURGE: IntOrPercent = '25%';
export const DEFAULT_MAX_UNAVAILABLE: IntOrPercent = '25%';

const PERCENT = /^(\d+)%$/;

/**
 * Resolve an int-or-percent against `total`: percentages round up (`roundUp`, used for
 * maxSurge) or down (maxUnavailable), exactly like Deployments. Throws `InvalidSpecError`.
 */
export function resolveIntOrPercent(
  value: IntOrPercent,
  total: number,
  roundUp: boolean,
  field: string,
): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidSpecError(field, `must be a non-negative integer or a percentage, got ${value}`);
    }
    return value;
  }
  const match = PERCENT.exec(value.trim());
  if (!match)
    throw new InvalidSpecError(
      field,
      `must be a non-negative integer or a percentage like '25%', got '${value}'`,
    );
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export interface RollingLimits {
  /** Pods allowed above `replicas` while moving. */
  maxSurge: number;
  /** Available pods allowed below `replicas` while moving. */
  maxUnavailable: number;
}

/**
 * Resolve maxSurge / maxUnavailable for `replicas`. When both come out 0 no pod could ever move,
 * so (as Deployments do) maxUnavailable becomes 1; it never exceeds `replicas`.
 */
export function resolveRollingLimits(
  replicas: number,
  spec: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent },
  fieldPrefix: string,
): RollingLimits {
  const maxSurge = resolveIntOrPercent(
    spec.maxSurge ?? DEFAULT_MAX_SURGE,
    replicas,
    true,
    `${fieldPrefix}.maxSurge`,
  );
  let maxUnavailable = resolveIntOrPercent(
    spec.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
    replicas,
    false,
    `${fieldPrefix}.maxUnavailable`,
  );
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

/** Fewest available pods the rollout may have while scaling down. */
export function minAvailable(replicas: number, limits: RollingLimits): number {
  return Math.max(0, replicas - limits.maxUnavailable);
}

/**
 * Canary pods for a traffic weight when there is no traffic router: the weight is approximated
 * by the share of pods behind one Service, rounded up so any weight above 0 gets a pod.
 */
export function canaryReplicasForWeight(replicas: number, weightPercent: number): number {
  const clamped = Math.min(100, Math.max(0, weightPercent));
  return Math.min(replicas, Math.ceil((replicas * clamped) / 100));
}

/** Canary and stable pod counts for a weight: the stable keeps the rest. */
export function splitReplicasForWeight(
  replicas: number,
  weightPercent: number,
): { canary: number; stable: number } {
  const canary = canaryReplicasForWeight(replicas, weightPercent);
  return { canary, stable: replicas - canary };
}

/** Available pods an RS will keep at its current spec (extra pods are on their way out). */
export function effectiveAvailable(view: ReplicaSetView): number {
  return Math.min(view.availableReplicas, view.specReplicas);
}

export interface ScalingPlanInput {
  /** The rollout's spec.replicas (what availability is measured against). */
  replicas: number;
  limits: RollingLimits;
  views: readonly ReplicaSetView[];
  /** Final spec.replicas wanted per RS hash; an RS not listed is wanted at 0. */
  targets: Readonly<Record<string, number>>;
  /** Hashes whose scale-up gets the surge room first (e.g. the canary, or the stable on abort). */
  scaleUpFirst?: readonly string[];
}

/**
 * One reconcile's worth of movement toward `targets`, as the next spec.replicas of every RS.
 *
 * Scale-down first, oldest revision first: pods beyond an RS's available count are free to
 * remove (the ReplicaSet controller deletes unavailable pods first); available pods only while
 * the rollout stays at or above the minimum available. Then scale-up with the surge room left,
 * `scaleUpFirst` first, then newest revision first.
 *
 * The surge ceiling is `replicas + maxSurge`, or the sum of the targets when a step explicitly
 * asks for more pods than that (setCanaryScale, or an abort that restores the stable while the
 * canary waits for its scale-down delay): otherwise such a target could never be reached.
 *
 * Invariants (property-tested): every RS moves toward its target and never past it; the summed
 * spec never grows above the ceiling; the available pods kept never drop below
 * `min(observed available, replicas - maxUnavailable)`; repeated application with pods turning
 * available reaches the targets.
 */
export function planReplicaSetScaling(plan: ScalingPlanInput): Record<string, number> {
  const desired: Record<string, number> = {};
  const targetOf = (view: ReplicaSetView): number => Math.max(0, plan.targets[view.hash] ?? 0);
  for (const view of plan.views) desired[view.hash] = view.specReplicas;

  let availabilityBudget =
    plan.views.reduce((sum, view) => sum + effectiveAvailable(view), 0) -
    minAvailable(plan.replicas, plan.limits);
  const oldestFirst = [...plan.views].sort(byRevisionThenHash);
  for (const view of oldestFirst) {
    const target = targetOf(view);
    if (view.specReplicas <= target) continue;
    const unavailable = view.specReplicas - effectiveAvailable(view);
    const freeToRemove = Math.min(view.specReplicas - target, unavailable);
    const afterFree = view.specReplicas - freeToRemove;
    const costlyToRemove = Math.min(afterFree - target, Math.max(0, availabilityBudget));
    availabilityBudget -= costlyToRemove;
    desired[view.hash] = afterFree - costlyToRemove;
  }

  const targetSum = plan.views.reduce((sum, view) => sum + targetOf(view), 0);
  const ceiling = Math.max(plan.replicas + plan.limits.maxSurge, targetSum);
  let room = ceiling - Object.values(desired).reduce((sum, count) => sum + count, 0);
  for (const view of scaleUpOrder(plan.views, plan.scaleUpFirst ?? [])) {
    const current = desired[view.hash] ?? 0;
    const target = targetOf(view);
    if (current >= target || room <= 0) continue;
    const added = Math.min(target - current, room);
    room -= added;
    desired[view.hash] = current + added;
  }
  return desired;
}

function byRevisionThenHash(a: ReplicaSetView, b: ReplicaSetView): number {
  return a.revision - b.revision || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);
}

function scaleUpOrder(views: readonly ReplicaSetView[], first: readonly string[]): ReplicaSetView[] {
  const rank = (view: ReplicaSetView): number => {
    const index = first.indexOf(view.hash);
    return index === -1 ? first.length : index;
  };
  return [...views].sort((a, b) => rank(a) - rank(b) || -byRevisionThenHash(a, b));
}

/**
 * True when every RS is at its target spec and has that many pods available (or the share
 * replicaProgressThreshold asks for; unset = all of them).
 */
export function targetsReached(
  views: readonly ReplicaSetView[],
  targets: Readonly<Record<string, number>>,
  threshold?: ReplicaProgressThreshold,
): boolean {
  return views.every((view) => {
    const target = targets[view.hash] ?? 0;
    return view.specReplicas === target && view.availableReplicas >= requiredAvailable(target, threshold);
  });
}
