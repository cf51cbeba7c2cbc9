import type { ReplicaSetView } from '../types.ts';

/** The observed ReplicaSet with this pod-template hash, if the shell saw one. Pure. */
export function findView(
  views: readonly ReplicaSetView[],
  hash: string | undefined,
): ReplicaSetView | undefined {
  return hash === undefined ? undefined : views.find((view) => view.hash === hash);
}
