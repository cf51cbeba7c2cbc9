import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Service,
} from '@kubernetes/client-node';
import { statusCode } from '../../log.ts';
import { group, version } from '../../kube/names.ts';
import type { ExperimentObject } from './experiment-objects.ts';

export const experimentPlural = 'experiments';

/** The writes only Experiments need (ReplicaSets and AnalysisRuns go through the ClusterWriter). */
export interface ExperimentWriter {
  createService(namespace: string, body: V1Service): Promise<void>;
  /** Merge patch of the status subresource; `resourceVersion` makes it fail on a concurrent change. */
  patchExperimentStatus(
    namespace: string,
    name: string,
    resourceVersion: string,
    status: object,
  ): Promise<ExperimentObject>;
  createExperiment(namespace: string, body: object): Promise<void>;
  /** Sets spec.terminate: the experiment ends at once (Successful if nothing failed). */
  terminateExperiment(namespace: string, name: string): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** A create that finds the object there already (made by an earlier reconcile) is done. */
const ignoreConflict = (err: unknown) => {
  if (statusCode(err) !== 409) throw err;
};

export function kubeExperimentWriter(kc: KubeConfig): ExperimentWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const plural = experimentPlural;
  return {
    createService: async (namespace, body) => {
      await core
        .createNamespacedService({ namespace, body, fieldManager: 'bellwether' })
        .catch(ignoreConflict);
    },
    patchExperimentStatus: async (namespace, name, resourceVersion, status) =>
      (await custom.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace,
          plural,
          name,
          body: { metadata: { resourceVersion }, status },
          fieldManager: 'bellwether',
        },
        mergePatch,
      )) as ExperimentObject,
    createExperiment: async (namespace, body) => {
      await custom
        .createNamespacedCustomObject({ group, version, namespace, plural, body, fieldManager: 'bellwether' })
        .catch(ignoreConflict);
    },
    terminateExperiment: async (namespace, name) => {
      await custom.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace,
          plural,
          name,
          body: { spec: { terminate: true } },
          fieldManager: 'bellwether',
        },
        mergePatch,
      );
    },
  };
}
