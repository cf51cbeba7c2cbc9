import type {
  KubernetesObject,
  V1Deployment,
  V1ObjectMeta,
  V1ReplicaSet,
  V1Service,
} from '@kubernetes/client-node';

/**
 * What the informer caches keep of each object: only the fields a reconcile reads. The API server
 * sends whole objects; with thousands of Rollouts the parts nobody reads (managedFields, the
 * last-applied annotation, a ReplicaSet's pod template, a Service's ports and status) are most of
 * the controller's memory. Each function returns a new object and leaves its input untouched.
 */

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** metadata without managedFields and kubectl's last-applied copy of the whole object. */
export function slimMetadata(metadata: V1ObjectMeta): V1ObjectMeta {
  const { managedFields: _managedFields, ...rest } = metadata;
  const annotations = metadata.annotations;
  if (annotations && lastAppliedAnnotation in annotations) {
    const { [lastAppliedAnnotation]: _lastApplied, ...kept } = annotations;
    rest.annotations = kept;
  }
  return rest;
}

/** Any object with slim metadata; spec and status are kept whole (Rollouts, AnalysisRuns, templates). */
export function slimObject<T extends KubernetesObject>(obj: T): T {
  return obj.metadata ? { ...obj, metadata: slimMetadata(obj.metadata) } : obj;
}

/**
 * A ReplicaSet as the reconciler reads it (replica-sets.ts, restart-pods.ts): labels (the hash),
 * annotations (revision, scale-down deadline), owner references, spec.replicas and the status
 * counts. The pod template, the bulk of the object, is dropped: new ReplicaSets are built from the
 * Rollout's template, and `bellwether undo` reads ReplicaSets from the API server, not this cache.
 */
export function slimReplicaSet(rs: V1ReplicaSet): V1ReplicaSet {
  const status = rs.status;
  return {
    ...(rs.apiVersion ? { apiVersion: rs.apiVersion } : {}),
    ...(rs.kind ? { kind: rs.kind } : {}),
    metadata: slimMetadata(rs.metadata ?? {}),
    spec: {
      selector: rs.spec?.selector ?? {},
      ...(rs.spec?.replicas === undefined ? {} : { replicas: rs.spec.replicas }),
    },
    ...(status
      ? {
          status: {
            replicas: status.replicas,
            ...(status.readyReplicas === undefined ? {} : { readyReplicas: status.readyReplicas }),
            ...(status.availableReplicas === undefined
              ? {}
              : { availableReplicas: status.availableReplicas }),
          },
        }
      : {}),
  };
}

/** A Service as the reconciler reads it: it exists, its selector, and the annotations it manages. */
export function slimService(svc: V1Service): V1Service {
  return {
    ...(svc.apiVersion ? { apiVersion: svc.apiVersion } : {}),
    ...(svc.kind ? { kind: svc.kind } : {}),
    metadata: slimMetadata(svc.metadata ?? {}),
    ...(svc.spec?.selector ? { spec: { selector: svc.spec.selector } } : { spec: {} }),
  };
}

/**
 * A Deployment a Rollout's workloadRef names (only those are watched: workload-ref.ts): its pod
 * template and selector (the Rollout's), spec.replicas (scaled down) and the status counts.
 */
export function slimDeployment(deployment: V1Deployment): V1Deployment {
  const { spec, status } = deployment;
  return {
    ...(deployment.apiVersion ? { apiVersion: deployment.apiVersion } : {}),
    ...(deployment.kind ? { kind: deployment.kind } : {}),
    metadata: slimMetadata(deployment.metadata ?? {}),
    spec: {
      selector: spec?.selector ?? {},
      template: spec?.template ?? {},
      ...(spec?.replicas === undefined ? {} : { replicas: spec.replicas }),
    },
    ...(status
      ? {
          status: {
            ...(status.replicas === undefined ? {} : { replicas: status.replicas }),
            ...(status.availableReplicas === undefined
              ? {}
              : { availableReplicas: status.availableReplicas }),
          },
        }
      : {}),
  };
}

/** The UID of the object that controls this one (its controller owner reference), for the owner index. */
export function controllerUid(obj: KubernetesObject): string[] {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  return ref ? [ref.uid] : [];
}
