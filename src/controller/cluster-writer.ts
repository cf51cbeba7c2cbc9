import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesObject,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { kubeRoutingObjects } from '../traffic/kube-routing-client.ts';
import type { ObjectRef } from '../traffic/types.ts';
import { type RolloutObject } from './rollout-object.ts';
import { group, rolloutPlural, version } from '../kube/names.ts';
import type { AnalysisRun } from '../api/analysis.ts';

/**
 * Every write the Rollout reconciler makes goes through this interface, so a benchmark or test
 * can count them (a reconcile that finds the world as desired must make none).
 */
export interface ClusterWriter {
  createReplicaSet(namespace: string, body: V1ReplicaSet): Promise<V1ReplicaSet>;
  patchReplicaSet(namespace: string, name: string, patch: object): Promise<V1ReplicaSet>;
  deleteReplicaSet(namespace: string, name: string): Promise<void>;
  patchService(namespace: string, name: string, patch: object): Promise<void>;
  /** Merge patch of the status subresource; `resourceVersion` makes it fail on a concurrent change. */
  patchRolloutStatus(
    namespace: string,
    name: string,
    resourceVersion: string,
    status: object,
  ): Promise<RolloutObject>;
  createEvent(namespace: string, event: CoreV1Event): Promise<void>;
  /** Deletes one pod so its ReplicaSet replaces it (spec.restartAt). */
  deletePod(namespace: string, name: string): Promise<void>;
  /** Merge patch of a pod's metadata (ephemeral role labels and annotations). */
  patchPod(namespace: string, name: string, patch: object): Promise<void>;
  createAnalysisRun(namespace: string, body: AnalysisRun): Promise<void>;
  /** Sets spec.terminate: the run stops measuring and completes with what it has. */
  terminateAnalysisRun(namespace: string, name: string): Promise<void>;
  deleteAnalysisRun(namespace: string, name: string): Promise<void>;
  patchAnalysisRunStatus(
    namespace: string,
    name: string,
    resourceVersion: string,
    status: object,
  ): Promise<void>;
  /** Server-side apply (field manager bellwether, force) of a routing object's fields the router owns. */
  applyRoutingObject(obj: KubernetesObject): Promise<void>;
  /** Merge patch of a routing object (a field shared with its owner, e.g. an ALB Ingress path). */
  patchRoutingObject(ref: ObjectRef, patch: Record<string, unknown>): Promise<void>;
  /** Deletes a routing object the router generated (a missing one is fine). */
  deleteRoutingObject(ref: ObjectRef): Promise<void>;
  /** Merge patch of a Deployment a Rollout's workloadRef names (its label, spec.replicas). */
  patchDeployment(namespace: string, name: string, patch: object): Promise<void>;
  /** Merge patch of a Rollout's metadata (finalizers), guarded by resourceVersion. */
  patchRolloutMetadata(
    namespace: string,
    name: string,
    resourceVersion: string,
    metadata: object,
  ): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function kubeClusterWriter(kc: KubeConfig): ClusterWriter {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const routing = kubeRoutingObjects(kc);
  return {
    createReplicaSet: (namespace, body) => apps.createNamespacedReplicaSet({ namespace, body }),
    patchReplicaSet: (namespace, name, body) =>
      apps.patchNamespacedReplicaSet({ namespace, name, body, fieldManager: 'bellwether' }, mergePatch),
    deleteReplicaSet: async (namespace, name) => {
      await apps.deleteNamespacedReplicaSet({ namespace, name, propagationPolicy: 'Background' });
    },
    patchService: async (namespace, name, body) => {
      await core.patchNamespacedService({ namespace, name, body, fieldManager: 'bellwether' }, mergePatch);
    },
    patchRolloutStatus: async (namespace, name, resourceVersion, status) =>
      (await custom.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace,
          plural: rolloutPlural,
          name,
          body: { metadata: { resourceVersion }, status },
          fieldManager: 'bellwether',
        },
        mergePatch,
      )) as RolloutObject,
    createEvent: async (namespace, body) => {
      await core.createNamespacedEvent({ namespace, body });
    },
    patchPod: async (namespace, name, body) => {
      await core.patchNamespacedPod({ namespace, name, body, fieldManager: 'bellwether' }, mergePatch);
    },
    deletePod: async (namespace, name) => {
      await core.deleteNamespacedPod({ namespace, name });
    },
    createAnalysisRun: async (namespace, body) => {
      await custom.createNamespacedCustomObject({ group, version, namespace, plural: 'analysisruns', body });
    },
    terminateAnalysisRun: async (namespace, name) => {
      await custom.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace,
          plural: 'analysisruns',
          name,
          body: { spec: { terminate: true } },
          fieldManager: 'bellwether',
        },
        mergePatch,
      );
    },
    deleteAnalysisRun: async (namespace, name) => {
      await custom.deleteNamespacedCustomObject({ group, version, namespace, plural: 'analysisruns', name });
    },
    patchAnalysisRunStatus: async (namespace, name, resourceVersion, status) => {
      await custom.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace,
          plural: 'analysisruns',
          name,
          body: { metadata: { resourceVersion }, status },
          fieldManager: 'bellwether',
        },
        mergePatch,
      );
    },
    patchDeployment: async (namespace, name, body) => {
      await apps.patchNamespacedDeployment({ namespace, name, body, fieldManager: 'bellwether' }, mergePatch);
    },
    applyRoutingObject: (obj) => routing.apply(obj),
    patchRoutingObject: (ref, patch) => routing.patch(ref, patch),
    deleteRoutingObject: (ref) => routing.remove(ref),
    patchRolloutMetadata: async (namespace, name, resourceVersion, metadata) => {
      await custom.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace,
          plural: rolloutPlural,
          name,
          body: { metadata: { ...metadata, resourceVersion } },
          fieldManager: 'bellwether',
        },
        mergePatch,
      );
    },
  };
}

/** Wraps a writer and counts its calls by method: the benchmark's and the metrics' view. */
export function countingWriter(
  inner: ClusterWriter,
  onWrite: (method: keyof ClusterWriter) => void,
): ClusterWriter {
  const wrapped = {} as Record<keyof ClusterWriter, unknown>;
  for (const method of Object.keys(inner) as (keyof ClusterWriter)[]) {
    wrapped[method] = (...args: unknown[]) => {
      onWrite(method);
      return (inner[method] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
    };
  }
  return wrapped as ClusterWriter;
}
