import type { V1ObjectMeta } from '@kubernetes/client-node';
import {
  capEntry,
  capPartition,
  decideClusterCap,
  type ClusterCapSpecView,
  type ClusterCapStatusView,
  type NamespacedRolloutView,
} from '../../../strategies/group/cluster-cap.ts';
import type { MemberGroup } from '../../../strategies/group/hold.ts';
import { mergePatch } from '../../kube/merge-patch.ts';
import type { RolloutObject } from '../rollout-object.ts';
import { rolloutView } from './rollout-view.ts';

/** A ClusterRolloutGroup as the shell handles it (src/api/rollout-group.ts is the schema). */
export interface ClusterRolloutGroupObject {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta & { name: string };
  spec: ClusterCapSpecView;
  status?: ClusterCapStatusView;
}

export const clusterRolloutGroupPlural = 'clusterrolloutgroups';

/** What the group core reads of a cached Rollout, with its namespace. */
export function namespacedView(ro: RolloutObject): NamespacedRolloutView {
  return { ...rolloutView(ro), namespace: ro.metadata.namespace };
}

/** Does the cap hold this Rollout (its labels match), or does its status still list it? */
export function capHolds(g: ClusterRolloutGroupObject, ro: RolloutObject): boolean {
  return (
    capPartition(g.spec, namespacedView(ro)) !== undefined ||
    (g.status?.members ?? []).some(
      (m) => m.namespace === ro.metadata.namespace && m.name === ro.metadata.name,
    )
  );
}

/** The cap as one of the groups a member's hold combines (strategies/group/hold.ts). */
export function capAsMemberGroup(g: ClusterRolloutGroupObject, ro: RolloutObject): MemberGroup {
  const entry = capEntry(g.status ?? {}, ro.metadata.namespace, ro.metadata.name);
  return {
    kind: 'ClusterRolloutGroup',
    name: g.metadata.name,
    generation: g.metadata.generation ?? 0,
    lockstep: false,
    status: {
      ...(g.status?.observedGeneration === undefined
        ? {}
        : { observedGeneration: g.status.observedGeneration }),
      members: entry ? [entry] : [],
    },
  };
}

/** The status patch of one decision over every cached Rollout, or undefined when nothing changed. */
export function clusterGroupPatch(
  g: ClusterRolloutGroupObject,
  rollouts: readonly RolloutObject[],
  now: number,
): object | undefined {
  const { status } = decideClusterCap({
    generation: g.metadata.generation ?? 0,
    spec: g.spec,
    status: g.status ?? {},
    rollouts: rollouts.map(namespacedView),
    now,
  });
  return mergePatch(g.status ?? {}, status);
}
