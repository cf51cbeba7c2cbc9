/**
 * Replica counts for status and the progress they show, shared by the strategies. Pure.
 */
import type { ReplicaSetView, RolloutStatusView } from '../types.ts';

export interface ReplicaCounts {
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** Counts summed over every ReplicaSet; "updated" = pods of the current version. */
export function replicaCounts(views: readonly ReplicaSetView[], currentPodHash: string): ReplicaCounts {
  const counts: ReplicaCounts = { replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 };
  for (const view of views) {
    counts.replicas += view.replicas;
    counts.readyReplicas += view.readyReplicas;
    counts.availableReplicas += view.availableReplicas;
    if (view.hash === currentPodHash) counts.updatedReplicas += view.replicas;
  }
  return counts;
}

/**
 * Whether the pods moved forward since `before` was written, as Argo Rollouts judges progress:
 * more or fewer updated pods, fewer old pods, more ready or available pods. A rollout that shows
 * none of this (nor a step change) for progressDeadlineSeconds has stalled.
 */
export function replicasProgressed(before: RolloutStatusView, after: ReplicaCounts): boolean {
  const beforeUpdated = before.updatedReplicas ?? 0;
  const beforeOld = (before.replicas ?? 0) - beforeUpdated;
  const afterOld = after.replicas - after.updatedReplicas;
  return (
    after.updatedReplicas !== beforeUpdated ||
    afterOld < beforeOld ||
    after.readyReplicas > (before.readyReplicas ?? 0) ||
    after.availableReplicas > (before.availableReplicas ?? 0)
  );
}

export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
