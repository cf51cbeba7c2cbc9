import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { GroupSpecView, GroupStatusView } from '../../../strategies/group/types.ts';

/** A RolloutGroup as the shell handles it (src/api/rollout-group.ts is the schema). */
export interface RolloutGroupObject {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: GroupSpecView;
  status?: GroupStatusView;
}

export const rolloutGroupPlural = 'rolloutgroups';

/** Work-queue keys of RolloutGroups carry this prefix; Rollout keys are plain namespace/name. */
export const groupKeyPrefix = 'rolloutgroup:';
export const groupKey = (namespace: string, name: string) => `${groupKeyPrefix}${namespace}/${name}`;
