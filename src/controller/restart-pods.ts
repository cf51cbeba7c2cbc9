import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { hashOf } from './replica-sets.ts';
import { podTemplateHashLabel } from '../kube/names.ts';
import type { RolloutObject } from './rollout-object.ts';
import { resolveIntOrPercent } from '../../strategies/kernel/replicas.ts';

/**
 * `spec.restartAt`: replace every pod created before that time, at most `maxUnavailable` pods
 * out of service at once (one pod, or blue-green's `maxUnavailable` as in Argo Rollouts), so a
 * restart never takes more than that away. Done when no such pod is left; then
 * `status.restartedAt` records it.
 */
export interface RestartStep {
  /** Pods to delete now (their ReplicaSets replace them); empty while waiting. */
  deletePods: string[];
  /** All pods are newer than restartAt: the restart is complete. */
  done: boolean;
  /** Waiting for availability before the next pod. */
  waiting: boolean;
}

/** True when spec.restartAt asks for a restart that status does not yet record as done. */
export function restartPending(rollout: RolloutObject, now: number): boolean {
  const restartAt = rollout.spec.restartAt ? Date.parse(rollout.spec.restartAt) : NaN;
  if (Number.isNaN(restartAt) || restartAt > now) return false;
  const restartedAt = rollout.status?.restartedAt ? Date.parse(rollout.status.restartedAt) : NaN;
  return Number.isNaN(restartedAt) || restartedAt < restartAt;
}

/**
 * Pods a restart may have out of service at once: blue-green's `maxUnavailable` (an integer or a
 * percentage of spec.replicas, rounded down, at least 1; Argo's default 25%), else one pod.
 */
export function restartBudget(rollout: RolloutObject): number {
  const blueGreen = rollout.spec.strategy.blueGreen;
  if (blueGreen === undefined) return 1;
  const value = blueGreen.maxUnavailable ?? '25%';
  const replicas = rollout.spec.replicas ?? 1;
  return Math.max(1, resolveIntOrPercent(value, replicas, false, 'spec.strategy.blueGreen.maxUnavailable'));
}

/** Pure: the next move of a pending restart, from the ReplicaSets and their pods. */
export function nextRestartStep(
  rollout: RolloutObject,
  replicaSets: V1ReplicaSet[],
  pods: V1Pod[],
): RestartStep {
  const restartAt = Date.parse(rollout.spec.restartAt ?? '');
  const active = replicaSets.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
  const hashes = new Set(active.map(hashOf));
  const stale = pods
    .filter((p) => hashes.has(p.metadata?.labels?.[podTemplateHashLabel] ?? ''))
    .filter((p) => !p.metadata?.deletionTimestamp)
    .filter((p) => (p.metadata?.creationTimestamp?.getTime() ?? 0) < restartAt)
    .sort(
      (a, b) =>
        (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0),
    );
  if (stale.length === 0) return { deletePods: [], done: true, waiting: false };
  // Out of service now: pods not available, and pods the ReplicaSet has not caught up with.
  const outOfService = active.reduce((sum, rs) => {
    const wanted = rs.spec?.replicas ?? 0;
    const missing = Math.max(0, wanted - (rs.status?.availableReplicas ?? 0));
    return sum + missing + Math.abs((rs.status?.replicas ?? 0) - wanted);
  }, 0);
  const free = restartBudget(rollout) - outOfService;
  if (free <= 0) return { deletePods: [], done: false, waiting: true };
  return {
    deletePods: stale.slice(0, free).map((pod) => pod.metadata?.name ?? ''),
    done: false,
    waiting: false,
  };
}
