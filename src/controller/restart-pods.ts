import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { hashOf } from './replica-sets.ts';
import { podTemplateHashLabel } from './pod-template-hash.ts';
import type { RolloutObject } from './rollout-object.ts';

/**
 * `spec.restartAt`: replace every pod created before that time, one pod at a time and only
 * while every ReplicaSet has all its pods available, so a restart never takes more than one
 * pod out of service. Done when no such pod is left; then `status.restartedAt` records it.
 */
export interface RestartStep {
  /** Pod to delete now (its ReplicaSet replaces it). */
  deletePod?: string;
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
  if (stale.length === 0) return { done: true, waiting: false };
  const allAvailable = active.every(
    (rs) =>
      (rs.status?.availableReplicas ?? 0) >= (rs.spec?.replicas ?? 0) &&
      (rs.status?.replicas ?? 0) === (rs.spec?.replicas ?? 0),
  );
  if (!allAvailable) return { done: false, waiting: true };
  return { deletePod: stale[0]?.metadata?.name ?? '', done: false, waiting: false };
}
