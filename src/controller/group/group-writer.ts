import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { group, rolloutPlural, version } from '../../kube/names.ts';
import { clusterRolloutGroupPlural } from './cluster-group.ts';
import { rolloutGroupPlural } from './group-object.ts';

/** Every write the group reconciler makes: its own status, and the abort of a member. */
export interface GroupWriter {
  /** Merge patch of the group's status, guarded by resourceVersion. */
  patchGroupStatus(namespace: string, name: string, resourceVersion: string, status: object): Promise<void>;
  /** Merge patch of a ClusterRolloutGroup's status (cluster-scoped), guarded by resourceVersion. */
  patchClusterGroupStatus(name: string, resourceVersion: string, status: object): Promise<void>;
  /** `status.abort: true` on a member Rollout: exactly what `bellwether abort` writes. */
  abortRollout(namespace: string, name: string): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function kubeGroupWriter(kc: KubeConfig): GroupWriter {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    patchGroupStatus: async (namespace, name, resourceVersion, status) => {
      await custom.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace,
          plural: rolloutGroupPlural,
          name,
          body: { metadata: { resourceVersion }, status },
          fieldManager: 'bellwether',
        },
        mergePatch,
      );
    },
    patchClusterGroupStatus: async (name, resourceVersion, status) => {
      await custom.patchClusterCustomObjectStatus(
        {
          group,
          version,
          plural: clusterRolloutGroupPlural,
          name,
          body: { metadata: { resourceVersion }, status },
          fieldManager: 'bellwether',
        },
        mergePatch,
      );
    },
    abortRollout: async (namespace, name) => {
      await custom.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace,
          plural: rolloutPlural,
          name,
          body: { status: { abort: true } },
          fieldManager: 'bellwether',
        },
        mergePatch,
      );
    },
  };
}
