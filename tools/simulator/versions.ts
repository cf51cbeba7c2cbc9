import type { V1ReplicaSet } from '@kubernetes/client-node';

export const podTemplateHashLabel = 'rollouts-pod-template-hash';

/** What the simulator needs to know of one ReplicaSet of the Rollout. */
export interface ObservedVersion {
  hash: string;
  replicaSet: string;
  availableReplicas: number;
  /** Environment of the demo-app process, from the pod template's first container. */
  env: Record<string, string>;
}

/** The tag of an image reference (`registry:5000/web:2` -> `2`); digests and untagged images give `latest`. */
export function imageTag(image: string): string {
  if (image.includes('@')) return image.slice(image.indexOf('@') + 1);
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon >= 0 ? lastSegment.slice(colon + 1) : 'latest';
}

/**
 * The demo app's environment for a ReplicaSet: the literal `env` values of the pod template's
 * first container (valueFrom cannot be resolved outside a kubelet and is skipped), VERSION
 * defaulting to the image tag, as if the container ran.
 */
export function templateEnv(rs: V1ReplicaSet): Record<string, string> {
  const container = rs.spec?.template?.spec?.containers[0];
  const env: Record<string, string> = {};
  for (const variable of container?.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
  }
  if (!('VERSION' in env)) env.VERSION = imageTag(container?.image ?? '');
  return env;
}

/**
 * The Rollout's ReplicaSets (controller owner reference to its uid), as the simulator sees them;
 * with more owner uids (the Experiments of its experiment steps), theirs too: their pods carry the
 * app's labels, so a Service over the app's pods reaches them as it would in a cluster.
 */
export function observedVersions(
  ownerUids: string | readonly string[],
  replicaSets: readonly V1ReplicaSet[],
): ObservedVersion[] {
  const owners = new Set(typeof ownerUids === 'string' ? [ownerUids] : ownerUids);
  return replicaSets
    .filter((rs) =>
      rs.metadata?.ownerReferences?.some((ref) => ref.controller === true && owners.has(ref.uid)),
    )
    .filter((rs) => !rs.metadata?.deletionTimestamp)
    .map((rs) => ({
      hash: rs.metadata?.labels?.[podTemplateHashLabel] ?? '',
      replicaSet: rs.metadata?.name ?? '',
      availableReplicas: rs.status?.availableReplicas ?? 0,
      env: templateEnv(rs),
    }))
    .filter((v) => v.hash !== '');
}
